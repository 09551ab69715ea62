// The output formats, rendered from a hand-made transcription and checked character for character.
import XCTest
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
