// `hark transcribe` as users run it: console output, batch folders with resume, bad files, tokens, bad model names.
import XCTest
import Foundation
import TestSupport

final class TranscribeCommandTests: XCTestCase {
    func testPrintsTimestampedSegmentsForEachFile() throws {
        let result = try HarkProcess.run(["transcribe", "--model", "tiny.en", "--beam-size", "1",
                                          "Audio/librivox-0880.wav", "Audio/librivox-0890.flac"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stdout, """
            [00:00.000 --> 00:03.000]  He was not an old-sposed young man.
            [00:00.000 --> 00:05.000]  Unless to be rather cold-hearted and rather selfish is to be ill-disposed.

            """)
    }

    func testBatchWritesEveryFormatSkipsBadFilesAndResumes() throws {
        let directory = try TestPaths.temporaryDirectory().path
        let arguments = ["transcribe", "--model", "tiny.en", "--beam-size", "1", "-o", directory, "--output-format", "all",
                         "Audio/librivox-0880.wav", "Tests/Fixtures/audio/bad-text.wav", "Audio/librivox-0890.flac"]
        let first = try HarkProcess.run(arguments)
        XCTAssertEqual(first.status, 1)
        XCTAssertEqual(first.stderr, """
            Tests/Fixtures/audio/bad-text.wav: cannot open audio: Format not recognised
            Error: 1 of 3 inputs failed

            """)
        for stem in ["librivox-0880", "librivox-0890"] {
            for format in ["txt", "srt", "vtt", "tsv", "json"] {
                XCTAssertTrue(FileManager.default.fileExists(atPath: "\(directory)/\(stem).\(format)"), "\(stem).\(format)")
            }
        }
        XCTAssertEqual(try String(contentsOfFile: "\(directory)/librivox-0880.srt", encoding: .utf8),
                       "1\n00:00:00,000 --> 00:00:03,000\nHe was not an old-sposed young man.\n\n")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory).filter { !$0.hasPrefix("librivox") }, [],
                       "no temporary or partial files are left behind")

        let second = try HarkProcess.run(arguments)
        XCTAssertEqual(second.stderr, """
            Audio/librivox-0880.wav: outputs exist, skipped (use --overwrite to redo)
            Tests/Fixtures/audio/bad-text.wav: cannot open audio: Format not recognised
            Audio/librivox-0890.flac: outputs exist, skipped (use --overwrite to redo)
            Error: 1 of 3 inputs failed

            """)

        try "stale".write(toFile: "\(directory)/librivox-0880.txt", atomically: true, encoding: .utf8)
        let redo = try HarkProcess.run(arguments + ["--overwrite"])
        XCTAssertEqual(redo.status, 1)
        XCTAssertEqual(try String(contentsOfFile: "\(directory)/librivox-0880.txt", encoding: .utf8), "He was not an old-sposed young man.\n")
    }

    func testWhisperRecipeTokensAreRecognized() throws {
        let tokens = try TestPaths.temporaryDirectory().appendingPathComponent("speech.dmel").path
        XCTAssertEqual(try HarkProcess.run(["tokenize", "--recipe", "whisper", "Audio/librivox-0880.wav", "-o", tokens]).status, 0)
        let result = try HarkProcess.run(["transcribe", "--model", "tiny.en", "--no-timestamps", tokens])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stdout, "He was not an old-sposed young man.\n")
    }

    func testUnknownModelNameIsOneLine() throws {
        let result = try HarkProcess.run(["transcribe", "--model", "large-v9", "Audio/jfk.flac"])
        XCTAssertEqual(result.status, 1)
        XCTAssertEqual(result.stderr, "Error: unknown model 'large-v9' (known: base, tiny.en; or give a CTranslate2 Whisper folder path)\n")
    }

    func testJSONCarriesLanguageSegmentsAndNBest() throws {
        let directory = try TestPaths.temporaryDirectory().path
        let result = try HarkProcess.run(["transcribe", "--language", "es", "--n-best", "3", "-o", directory,
                                          "--output-format", "json", "Audio/asterisk-es-vm-intro.flac"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let data = try Data(contentsOf: URL(fileURLWithPath: "\(directory)/asterisk-es-vm-intro.json"))
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
        XCTAssertEqual(json["language"] as? String, "es")
        let nBest = try XCTUnwrap(json["n_best"] as? [[String: Any]])
        XCTAssertEqual(nBest.count, 3)
        XCTAssertEqual(nBest[0]["text"] as? String, json["text"] as? String)
        let segments = try XCTUnwrap(json["segments"] as? [[String: Any]])
        XCTAssertFalse(segments.isEmpty)
        XCTAssertNotNil(segments[0]["no_speech_prob"] as? Double)
    }
}
