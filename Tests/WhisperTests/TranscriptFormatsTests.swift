// The output formats, rendered from a hand-made transcription and checked character for character.
import XCTest
import TestSupport
@testable import Whisper

final class TranscriptFormatsTests: XCTestCase {
    private let transcription = Transcription(
        language: "en", languageProbabilities: [LanguageProbability(language: "en", probability: 0.95)],
        segments: [
            Segment(start: 0, end: 4.5, text: " Hello there.", tokens: [1, 2], averageLogProbability: -0.2,
                    noSpeechProbability: 0.01, compressionRatio: 1.1, temperature: 0),
            Segment(start: 3_725.25, end: 3_727.004, text: " Tab\there.", tokens: [3], averageLogProbability: -0.3,
                    noSpeechProbability: 0.02, compressionRatio: 1.2, temperature: 0.2),
        ],
        nBest: [Hypothesis(text: " Hello there. Tab\there.", tokens: [1, 2, 3], logProbability: -1.5, averageLogProbability: -0.375)],
        duration: 3_730)

    func testText() {
        XCTAssertEqual(TranscriptFormat.txt.render(transcription), "Hello there.\nTab\there.\n")
    }

    func testSubRip() {
        XCTAssertEqual(TranscriptFormat.srt.render(transcription), """
            1
            00:00:00,000 --> 00:00:04,500
            Hello there.

            2
            01:02:05,250 --> 01:02:07,004
            Tab\there.


            """)
    }

    func testWebVTT() {
        XCTAssertEqual(TranscriptFormat.vtt.render(transcription), """
            WEBVTT

            00:00:00.000 --> 00:00:04.500
            Hello there.

            01:02:05.250 --> 01:02:07.004
            Tab\there.


            """)
    }

    func testTabSeparatedMilliseconds() {
        XCTAssertEqual(TranscriptFormat.tsv.render(transcription), "start\tend\ttext\n0\t4500\tHello there.\n3725250\t3727004\tTab here.\n")
    }

    func testJSONKeys() throws {
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(TranscriptFormat.json.render(transcription).utf8)) as? [String: Any])
        XCTAssertEqual(Set(json.keys), ["text", "language", "language_probabilities", "duration", "segments", "n_best"])
        let segment = try XCTUnwrap((json["segments"] as? [[String: Any]])?.last)
        XCTAssertEqual(segment["temperature"] as? Double ?? 0, 0.2, accuracy: 1e-6)
        XCTAssertEqual((json["n_best"] as? [[String: Any]])?.first?["logprob"] as? Double, -1.5)
    }

    func testJSONWordsOnlyWhenTimed() throws {
        var timed = transcription
        timed.segments[0].words = [TimedWord(text: " Hello", start: 0, end: 0.5, tokens: [1], probability: 0.75),
                                   TimedWord(text: " there.", start: 0.5, end: 4.5, tokens: [2], probability: 0.5)]
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(TranscriptFormat.json.render(timed).utf8)) as? [String: Any])
        let segments = try XCTUnwrap(json["segments"] as? [[String: Any]])
        let words = try XCTUnwrap(segments[0]["words"] as? [[String: Any]])
        XCTAssertEqual(words.map { $0["word"] as? String }, [" Hello", " there."])
        XCTAssertEqual(words.map { $0["end"] as? Double }, [0.5, 4.5])
        XCTAssertEqual(words.map { $0["probability"] as? Double }, [0.75, 0.5])
        XCTAssertNil(segments[1]["words"])
    }
}

/// Subtitles from timed words against openai-whisper's own writers (Tests/Fixtures/make_subtitle_fixtures.py) on
/// faster-whisper's word-timed segments of two recordings, for each layout option.
final class SubtitleLayoutTests: XCTestCase {
    func testSubtitlesEqualOpenAIWhispersWriters() throws {
        let words = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: TestPaths.fixture("whisper/words.json"))) as? [String: [[String: Any]]])
        let cases = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: TestPaths.fixture("whisper/subtitles.json"))) as? [[String: Any]])
        XCTAssertEqual(cases.count, 12)
        for entry in cases {
            let recording = try XCTUnwrap(entry["recording"] as? String)
            let segments = try XCTUnwrap(words[recording]).map { segment in
                Segment(start: segment["start"] as? Double ?? 0, end: segment["end"] as? Double ?? 0, text: segment["text"] as? String ?? "",
                        tokens: [], averageLogProbability: 0, noSpeechProbability: 0, compressionRatio: 0, temperature: 0,
                        words: ((segment["words"] as? [[String: Any]]) ?? []).map {
                            TimedWord(text: $0["word"] as? String ?? "", start: $0["start"] as? Double ?? 0, end: $0["end"] as? Double ?? 0,
                                      tokens: [], probability: Float($0["probability"] as? Double ?? 0))
                        })
            }
            let transcription = Transcription(language: "en", languageProbabilities: [], segments: segments, nBest: [], duration: 0)
            let given = try XCTUnwrap(entry["options"] as? [String: Any])
            var options = SubtitleOptions()
            options.maxLineWidth = given["max_line_width"] as? Int
            options.maxLineCount = given["max_line_count"] as? Int
            options.maxWordsPerLine = given["max_words_per_line"] as? Int
            options.highlightWords = given["highlight_words"] as? Bool ?? false
            XCTAssertEqual(TranscriptFormat.srt.render(transcription, subtitles: options), entry["srt"] as? String, "\(recording) \(given)")
            // openai-whisper's VTT leaves out a zero hour; the cues' texts must be the same.
            func texts(_ vtt: String) -> [String] {
                vtt.components(separatedBy: "\n\n").dropFirst().map { $0.split(separator: "\n", omittingEmptySubsequences: false).dropFirst().joined(separator: "\n") }
                    .filter { !$0.isEmpty }
            }
            XCTAssertEqual(texts(TranscriptFormat.vtt.render(transcription, subtitles: options)), texts(entry["vtt"] as? String ?? ""),
                           "\(recording) \(given)")
        }
    }
}
