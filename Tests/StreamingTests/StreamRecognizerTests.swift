// The stream driver with a scripted recognizer: what happens to the audio when the buffer must be cut.
import XCTest
import Audio
import TestSupport
@testable import Streaming

final class StreamRecognizerTests: XCTestCase {
    /// The bundled recording's samples (16 kHz, speech from 0.75 s on).
    private func speech() throws -> [Float] {
        var file = try AudioFile(path: TestPaths.audio("asterisk-en-demo-instruct.flac").path)
        return try file.readAll()
    }

    /// Feeds `audio` to the recognizer in blocks of `block` samples, then (with `finishing`) ends the stream; the
    /// text of every final event, in order.
    private func finals<D>(of audio: [Float], block: Int, into recognizer: StreamRecognizer<D>, finishing: Bool) throws -> [String] {
        var events: [StreamEvent] = []
        for start in stride(from: 0, to: audio.count, by: block) {
            events += try recognizer.feed(Array(audio[start..<min(audio.count, start + block)]))
        }
        if finishing { events += try recognizer.finish() }
        return events.filter { $0.kind == .final }.map(\.text)
    }

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
        var options = StreamOptions()
        options.endpointSeconds = 10
        options.maxBufferSeconds = 8
        let decoder = EarlyStoppingDecoder()
        let recognizer = StreamRecognizer(decoder: decoder, options: options)
        let finals = try finals(of: Array(try speech().prefix(20 * 16_000)), block: 16_000, into: recognizer, finishing: false)
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
        let decoder = FadingDecoder()
        let recognizer = StreamRecognizer(decoder: decoder, options: StreamOptions())
        let finals = try finals(of: Array(try speech().prefix(4 * 16_000)), block: 16_000, into: recognizer, finishing: true)
        XCTAssertGreaterThan(decoder.log.passes, 2)
        XCTAssertEqual(finals, ["alpha beta"])
    }

    /// Hears " alpha beta" in the first utterance. In the second, whose passes get the first's text as the prompt,
    /// it hears " gamma" on the first pass and then nothing while prompted, as Whisper sometimes ends at once after
    /// the prompt; without a prompt it hears " gamma delta". Logs each pass's prompt.
    private struct PromptSilencedDecoder: UtteranceDecoder {
        final class Log { var prompts: [String] = [] }
        let log = Log()

        mutating func decode(_ samples: [Float], prompt: String, previous: [TimedText]) throws -> [TimedText] {
            let secondUtterance = log.prompts.contains { !$0.isEmpty } || !prompt.isEmpty
            let promptedBefore = log.prompts.filter { !$0.isEmpty }.count
            log.prompts.append(prompt)
            guard secondUtterance else { return [TimedText(start: 0, end: 1.5, text: " alpha beta")] }
            if prompt.isEmpty { return [TimedText(start: 0, end: 2, text: " gamma delta")] }
            return promptedBefore == 0 ? [TimedText(start: 0, end: 1, text: " gamma")] : []
        }
    }

    /// A pass that hears nothing after a prompt, where the pass before heard words, is tried again at once without
    /// the prompt, and its words count (without that, the second utterance's text was "gamma" alone).
    func testAPassThatHearsNothingAfterThePromptIsTriedWithoutIt() throws {
        let speech = try speech()
        let audio = Array(speech.prefix(3 * 16_000)) + [Float](repeating: 0, count: 2 * 16_000) + Array(speech[(3 * 16_000)..<(7 * 16_000)])
        let decoder = PromptSilencedDecoder()
        let recognizer = StreamRecognizer(decoder: decoder, options: StreamOptions())
        let finals = try finals(of: audio, block: 1_600, into: recognizer, finishing: true)
        XCTAssertEqual(finals.joined(separator: " "), "alpha beta gamma delta")
        let prompts = decoder.log.prompts
        let firstPrompted = try XCTUnwrap(prompts.firstIndex { !$0.isEmpty }, "\(prompts)")
        XCTAssertEqual(prompts[firstPrompted], "alpha beta")
        XCTAssertEqual(Array(prompts[(firstPrompted + 1)...].prefix(2)), ["alpha beta", ""], "the empty pass, then its retry")
    }
}
