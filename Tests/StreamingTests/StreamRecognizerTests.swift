// The stream driver with a scripted recognizer: what happens to the audio when the buffer must be cut.
import XCTest
import Audio
import TestSupport
@testable import Streaming

final class StreamRecognizerTests: XCTestCase {
    /// Answers every buffer of 4 s or more with the same 3-s segment, as Whisper does when a pass on a long
    /// buffer stops early; remembers the length of each buffer it was given.
    private struct EarlyStoppingDecoder: UtteranceDecoder {
        final class Log { var seconds: [Double] = [] }
        let log = Log()

        mutating func decode(_ samples: [Float], prompt: String, previous: [TimedText]) throws -> [TimedText] {
            log.seconds.append(Double(samples.count) / 16_000)
            return samples.count >= 4 * 16_000 ? [TimedText(start: 0, end: 3, text: "alpha beta")] : []
        }
    }

    /// When no agreement lets the buffer shrink and it passes its limit, the hypothesis is committed and only its
    /// 3 s are cut: the speech after it, which no pass has transcribed, stays in the buffer (it was dropped).
    func testAudioAfterAnEarlyStoppingHypothesisStaysInTheBuffer() throws {
        var file = try AudioFile(path: TestPaths.audio("asterisk-en-demo-instruct.flac").path)
        let speech = Array(try file.readAll().prefix(20 * 16_000))
        var options = StreamOptions()
        options.endpointSeconds = 10
        options.maxBufferSeconds = 8
        let decoder = EarlyStoppingDecoder()
        let recognizer = StreamRecognizer(decoder: decoder, options: options)
        var finals: [String] = []
        for start in stride(from: 0, to: speech.count, by: 16_000) {
            finals += try recognizer.feed(Array(speech[start..<min(speech.count, start + 16_000)]))
                .filter { $0.kind == .final }.map(\.text)
        }
        let seen = decoder.log.seconds
        let cut = try XCTUnwrap(seen.firstIndex { $0 > 8 }, "\(seen)")
        XCTAssertLessThan(cut + 1, seen.count)
        // The next pass sees the old buffer minus the cut 3 s plus the audio fed since: one or two blocks (a
        // pass runs once a step of whole 30-ms detector frames has come in). Without the kept audio it was 1.2 s.
        let fedSince = seen[cut + 1] - (seen[cut] - 3)
        XCTAssertTrue([1.0, 2.0].contains { abs(fedSince - $0) < 0.05 }, "\(seen)")
        XCTAssertEqual(finals.first, "alpha beta")
    }

    /// Hears "alpha beta" on its first pass and nothing after, as Whisper's no-speech gate did on the benchmark's
    /// last words.
    private struct FadingDecoder: UtteranceDecoder {
        final class Log { var passes = 0 }
        let log = Log()

        mutating func decode(_ samples: [Float], prompt: String, previous: [TimedText]) throws -> [TimedText] {
            log.passes += 1
            return log.passes == 1 ? [TimedText(start: 0, end: 1.5, text: " alpha beta")] : []
        }
    }

    /// A pass that hears nothing in a buffer that held words does not replace them: the utterance's final text
    /// still has them (it was empty).
    func testAnEmptyPassDoesNotLoseTheWordsHeardBefore() throws {
        var file = try AudioFile(path: TestPaths.audio("asterisk-en-demo-instruct.flac").path)
        let speech = Array(try file.readAll().prefix(4 * 16_000))
        let decoder = FadingDecoder()
        let recognizer = StreamRecognizer(decoder: decoder, options: StreamOptions())
        var finals: [String] = []
        for start in stride(from: 0, to: speech.count, by: 16_000) {
            finals += try recognizer.feed(Array(speech[start..<min(speech.count, start + 16_000)]))
                .filter { $0.kind == .final }.map(\.text)
        }
        finals += try recognizer.finish().filter { $0.kind == .final }.map(\.text)
        XCTAssertGreaterThan(decoder.log.passes, 2)
        XCTAssertEqual(finals, ["alpha beta"])
    }
}
