// `hark transcribe --vad` on the 10-minute test recording (speech between silence, room noise and tones), and bad input.
import Foundation
import TestSupport
import XCTest

final class VADCommandTests: XCTestCase {
    /// With --vad no word lies in the gaps (a word's middle within a recording, widened by the VAD's 0.4-s pad);
    /// each segment's words join to its text and bound it; the text is the recordings' (measured: WER 0.0275;
    /// without --vad 0.0523).
    func testNoWordsInTheGapsOfTheLongRecording() throws {
        let input = try TestPaths.longRecording("long.flac").path
        let layout = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: TestPaths.longRecording("long.json"))) as? [String: Any])
        let pieces = try XCTUnwrap(layout["pieces"] as? [[String: Any]]).map {
            (Double($0["start"] as? Int ?? 0) / 16_000, Double($0["end"] as? Int ?? 0) / 16_000)
        }
        let directory = try TestPaths.temporaryDirectory().path
        let result = try HarkProcess.run(["transcribe", "--vad", "--language", "en", "--word-timestamps", "-o", directory,
                                          "--output-format", "json", input])
        XCTAssertEqual(result.status, 0, result.stderr)
        let transcript = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(directory)/long.json"))) as? [String: Any])
        let segments = try XCTUnwrap(transcript["segments"] as? [[String: Any]])
        var words = 0
        for segment in segments {
            let text = try XCTUnwrap(segment["text"] as? String)
            let segmentWords = try XCTUnwrap(segment["words"] as? [[String: Any]])
            XCTAssertEqual(segmentWords.map { $0["word"] as? String ?? "" }.joined(), text)
            XCTAssertEqual(segment["start"] as? Double, segmentWords.first?["start"] as? Double, text)
            XCTAssertEqual(segment["end"] as? Double, segmentWords.last?["end"] as? Double, text)
            for word in segmentWords {
                let start = try XCTUnwrap(word["start"] as? Double), end = try XCTUnwrap(word["end"] as? Double)
                let middle = (start + end) / 2
                XCTAssertTrue(pieces.contains { middle >= $0.0 - 0.4 && middle <= $0.1 + 0.4 },
                              "\(word["word"] ?? "") at \(start)-\(end) lies in a gap")
                words += 1
            }
        }
        let text = try XCTUnwrap(transcript["text"] as? String)
        let wer = TranscriptCheck.wordErrorRate(of: text, reference: try XCTUnwrap(layout["text"] as? String), language: "en")
        print("--vad on the long recording: \(segments.count) segments, \(words) words, WER \(wer)")
        XCTAssertLessThanOrEqual(wer, 0.05)
        XCTAssertEqual(try XCTUnwrap(transcript["duration"] as? Double), 600, accuracy: 0.01)
    }

    /// Bad weights, a .dmel input and bad long-form options: one line each.
    func testBadVADInputIsOneLine() throws {
        let folder = try TestPaths.temporaryDirectory()
        let weights = folder.appendingPathComponent("vad.safetensors")
        try Data(contentsOf: TestPaths.model("silero-vad/silero_vad_16k.safetensors")).prefix(100).write(to: weights)
        var result = try HarkProcess.run(["transcribe", "--model", "tiny.en", "--vad", "--vad-model", weights.path, "Audio/jfk.flac"])
        XCTAssertEqual(result.status, 1)
        XCTAssertEqual(result.stderr, "Error: \(weights.path): not a safetensors file: header length 1208 exceeds the 92 bytes that follow\n")

        let tokens = folder.appendingPathComponent("jfk.dmel").path
        XCTAssertEqual(try HarkProcess.run(["tokenize", "--recipe", "whisper", "Audio/jfk.flac", "-o", tokens]).status, 0)
        result = try HarkProcess.run(["transcribe", "--model", "tiny.en", "--vad", tokens])
        XCTAssertEqual(result.status, 1)
        XCTAssertEqual(result.stderr, "Error: \(tokens): --vad needs audio; a .dmel file holds features only\n")

        for (arguments, message) in [(["--vad", "--vad-threshold", "1.5"], "--vad-threshold must be between 0 and 1"),
                                     (["--vad", "--batch-size", "0"], "--batch-size must be at least 1"),
                                     (["--batch-size", "8"], "--batch-size needs --vad (chunks are cut where the VAD finds pauses)"),
                                     (["--max-line-width", "42"], "--max-line-width needs --word-timestamps (subtitles are laid out from timed words)"),
                                     (["--word-timestamps", "--max-line-count", "0"], "--max-line-count must be at least 1")] {
            result = try HarkProcess.run(["transcribe"] + arguments + ["Audio/jfk.flac"])
            XCTAssertEqual(result.status, 64, "\(arguments)")
            XCTAssertTrue(result.stderr.hasPrefix("Error: \(message)\n"), result.stderr)
        }
    }
}
