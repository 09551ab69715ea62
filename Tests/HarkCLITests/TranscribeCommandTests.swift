// `hark transcribe` as users run it: console output, batch folders with resume, bad files, tokens, bad model names.
import XCTest
import Foundation
import TestSupport

final class TranscribeCommandTests: XCTestCase {
    /// The JSON transcript of `input` written by `hark transcribe` with `arguments`, decoded.
    private func jsonTranscript(_ input: String, _ arguments: [String]) throws -> [String: Any] {
        let directory = try TestPaths.temporaryDirectory().path
        let result = try HarkProcess.run(["transcribe"] + arguments + ["-o", directory, "--output-format", "json", input])
        XCTAssertEqual(result.status, 0, result.stderr)
        let url = URL(fileURLWithPath: directory).appendingPathComponent(URL(fileURLWithPath: input).deletingPathExtension().lastPathComponent + ".json")
        return try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
    }

    private func segments(_ transcript: [String: Any]) throws -> [(start: Double, end: Double, text: String)] {
        try XCTUnwrap(transcript["segments"] as? [[String: Any]]).map {
            (try XCTUnwrap($0["start"] as? Double), try XCTUnwrap($0["end"] as? Double),
             try XCTUnwrap($0["text"] as? String).trimmingCharacters(in: .whitespaces))
        }
    }

    private func milliseconds(_ seconds: Double) -> Int { Int((seconds * 1000).rounded()) }

    /// MM:SS.mmm, the console's clock.
    private func consoleClock(_ seconds: Double) -> String {
        let ms = milliseconds(seconds)
        return String(format: "%02d:%02d.%03d", ms / 60_000, ms / 1000 % 60, ms % 1000)
    }

    /// HH:MM:SS,mmm, SRT's clock.
    private func srtClock(_ seconds: Double) -> String {
        let ms = milliseconds(seconds)
        return String(format: "%02d:%02d:%02d,%03d", ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, ms % 1000)
    }

    /// The console shows each file's segments as the JSON output has them, in whisper.cpp's layout, and the words
    /// are the recording's (tiny.en's exact spelling of a word may differ between CPUs, the layout may not).
    func testPrintsTimestampedSegmentsForEachFile() throws {
        let arguments = ["--model", "tiny.en", "--beam-size", "1"]
        let inputs = ["Audio/librivox-0880.wav", "Audio/librivox-0890.flac"]
        let result = try HarkProcess.run(["transcribe"] + arguments + inputs)
        XCTAssertEqual(result.status, 0, result.stderr)
        var expected = ""
        for input in inputs {
            let transcript = try jsonTranscript(input, arguments)
            for segment in try segments(transcript) {
                expected += "[\(consoleClock(segment.start)) --> \(consoleClock(segment.end))]  \(segment.text)\n"
            }
            XCTAssertLessThanOrEqual(TranscriptCheck.wordErrorRate(of: try XCTUnwrap(transcript["text"] as? String), for: input), TranscriptCheck.tinyEnglishBound, input)
        }
        XCTAssertEqual(result.stdout, expected)
        XCTAssertEqual(result.stdout.split(separator: "\n").count, 2, result.stdout)
    }

    /// `--timings` leaves the transcript as it is and ends standard error with one line: the stages a
    /// transcription runs, in order, the encoder's windows counted (the 73-s recording has three).
    func testTimingsNameEachStageAfterTheTranscript() throws {
        let arguments = ["transcribe", "--model", "tiny.en", "--beam-size", "1", "--no-fallback", "Audio/asterisk-en-demo-instruct.flac"]
        let plain = try HarkProcess.run(arguments)
        let timed = try HarkProcess.run(arguments + ["--timings"])
        XCTAssertEqual(timed.status, 0, timed.stderr)
        XCTAssertEqual(timed.stdout, plain.stdout)
        let line = try XCTUnwrap(timed.stderr.split(separator: "\n").last.map(String.init))
        let stages = line.dropFirst("timings: ".count).split(separator: ";").map { $0.split(separator: " ").prefix { Double($0) == nil }.joined(separator: " ") }
        XCTAssertEqual(stages.map { $0.trimmingCharacters(in: .whitespaces) },
                       ["audio", "model load", "features", "encoder", "cross-attention memory", "decoding", "total"], line)
        XCTAssertTrue(line.contains("encoder ") && line.contains(" s (3x, median "), line)
    }

    /// Killed (SIGKILL) after its first transcript, a batch run again redoes nothing finished and finishes the rest.
    func testAKilledBatchResumesWithoutRedoingFinishedFiles() throws {
        let directory = try TestPaths.temporaryDirectory().path
        let inputs = ["Audio/librivox-0880.wav", "Audio/librivox-0890.flac", "Audio/jfk.flac"]
        let arguments = ["transcribe", "--model", "tiny.en", "--beam-size", "1", "-o", directory, "--output-format", "all"] + inputs
        let process = Process()
        process.executableURL = HarkProcess.executable
        process.arguments = arguments
        process.currentDirectoryURL = TestPaths.root
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let first = "\(directory)/librivox-0880.json"
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline, !FileManager.default.fileExists(atPath: first) { Thread.sleep(forTimeInterval: 0.01) }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        let finishedAt = try XCTUnwrap(FileManager.default.attributesOfItem(atPath: first)[.modificationDate] as? Date)
        XCTAssertFalse(FileManager.default.fileExists(atPath: "\(directory)/jfk.json"), "the run was killed before it finished")

        let resumed = try HarkProcess.run(arguments)
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertTrue(resumed.stderr.hasPrefix("Audio/librivox-0880.wav: outputs exist, skipped (use --overwrite to redo)\n"), resumed.stderr)
        XCTAssertEqual(try FileManager.default.attributesOfItem(atPath: first)[.modificationDate] as? Date, finishedAt)
        let stems = ["librivox-0880", "librivox-0890", "jfk"]
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory).sorted(),
                       stems.flatMap { stem in ["json", "srt", "tsv", "txt", "vtt"].map { "\(stem).\($0)" } }.sorted(),
                       "every output, and no temporary or partial file")
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
        // Every format carries the JSON's segments.
        let transcript = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(directory)/librivox-0880.json"))) as? [String: Any])
        let segments = try segments(transcript)
        XCTAssertEqual(segments.count, 1)
        let text = try String(contentsOfFile: "\(directory)/librivox-0880.txt", encoding: .utf8)
        XCTAssertEqual(text, segments.map { $0.text + "\n" }.joined())
        XCTAssertEqual(try String(contentsOfFile: "\(directory)/librivox-0880.srt", encoding: .utf8),
                       "1\n\(srtClock(segments[0].start)) --> \(srtClock(segments[0].end))\n\(segments[0].text)\n\n")
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
        XCTAssertEqual(try String(contentsOfFile: "\(directory)/librivox-0880.txt", encoding: .utf8), text)
    }

    /// One folder per session with the same file names is a common layout: two inputs of one run must never write
    /// the same output (the second was reported as done and its transcript lost). Refused before any work.
    func testInputsWithTheSameNameInTwoFoldersAreRefused() throws {
        let folder = try TestPaths.temporaryDirectory()
        for language in ["en", "fr"] {
            try FileManager.default.createDirectory(at: folder.appendingPathComponent(language), withIntermediateDirectories: true)
            try FileManager.default.copyItem(at: TestPaths.fixture("audio/clip-8k.wav"), to: folder.appendingPathComponent("\(language)/prompt.wav"))
        }
        let out = folder.appendingPathComponent("out").path
        let (en, fr) = (folder.appendingPathComponent("en/prompt.wav").path, folder.appendingPathComponent("fr/prompt.wav").path)
        let result = try HarkProcess.run(["transcribe", "--model", "tiny.en", "-o", out, en, fr])
        XCTAssertEqual(result.status, 1)
        XCTAssertEqual(result.stderr, "Error: \(en) and \(fr) would both be written to \(out)/prompt.txt: transcribe each folder with its own -o\n")
        XCTAssertFalse(FileManager.default.fileExists(atPath: out), "nothing was written")
        // Printing to the console has no outputs to collide.
        XCTAssertEqual(try HarkProcess.run(["transcribe", "--model", "tiny.en", "--beam-size", "1", en, fr]).status, 0)
    }

    func testAnotherLanguageOnAnEnglishOnlyModelIsOneLine() throws {
        let result = try HarkProcess.run(["transcribe", "--model", "tiny.en", "--language", "es", "Audio/asterisk-es-vm-intro.flac"])
        XCTAssertEqual(result.status, 1)
        XCTAssertEqual(result.stdout, "")
        XCTAssertEqual(result.stderr, "Error: the model is English-only and cannot transcribe 'es' (use a multilingual model such as base)\n")
    }

    func testWhisperRecipeTokensAreRecognized() throws {
        let tokens = try TestPaths.temporaryDirectory().appendingPathComponent("speech.dmel").path
        XCTAssertEqual(try HarkProcess.run(["tokenize", "--recipe", "whisper", "Audio/librivox-0880.wav", "-o", tokens]).status, 0)
        let result = try HarkProcess.run(["transcribe", "--model", "tiny.en", "--no-timestamps", tokens])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stdout.filter { $0 == "\n" }.count, 1, result.stdout)
        XCTAssertLessThanOrEqual(TranscriptCheck.wordErrorRate(of: result.stdout, for: "Audio/librivox-0880.wav"), TranscriptCheck.tinyEnglishBound, result.stdout)
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
