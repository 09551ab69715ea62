// `hark info`, `features`, `tokenize` and `detokenize` run as a user runs them: files, pipes, bad input, exit codes.
import XCTest
import Foundation
import TestSupport

final class AudioCommandsTests: XCTestCase {
    private func fixture(_ name: String) -> String { "Tests/Fixtures/audio/\(name)" }

    func testInfoDescribesEachFileAndReportsBadOnesWithoutStopping() throws {
        let result = try HarkProcess.run(["info", "Audio/jfk.flac", fixture("bad-text.wav"), "Audio/librivox-0880.wav"])
        XCTAssertEqual(result.status, 1)
        XCTAssertEqual(result.stdout, """
            Audio/jfk.flac: FLAC (Free Lossless Audio Codec), Signed 24 bit PCM, 44100 Hz, 2 ch, 11.000 s
            Audio/librivox-0880.wav: WAV (Microsoft), Signed 16 bit PCM, 16000 Hz, 1 ch, 2.990 s

            """)
        XCTAssertEqual(result.stderr, "\(fixture("bad-text.wav")): cannot open audio: Format not recognised\nError: 1 of 3 inputs failed\n")
    }

    func testInfoReadsAWavStreamFromStandardInput() throws {
        let wav = try Data(contentsOf: TestPaths.fixture("audio/clip-s24.wav"))
        let result = try HarkProcess.run(["info", "-"], stdin: wav)
        XCTAssertEqual(result.status, 0)
        XCTAssertEqual(result.stdout, "stdin: WAV (Microsoft), Signed 24 bit PCM, 16000 Hz, 1 ch, 1.000 s\n")
    }

    func testFeaturesFromAPipeEqualFeaturesFromTheFile() throws {
        let directory = try TestPaths.temporaryDirectory()
        let fromFile = directory.appendingPathComponent("file.npy").path
        let fromPipe = directory.appendingPathComponent("pipe.npy").path
        XCTAssertEqual(try HarkProcess.run(["features", fixture("clip-s24.wav"), "-o", fromFile]).status, 0)
        let wav = try Data(contentsOf: TestPaths.fixture("audio/clip-s24.wav"))
        let piped = try HarkProcess.run(["features", "-", "-o", fromPipe], stdin: wav)
        XCTAssertEqual(piped.status, 0, piped.stderr)
        XCTAssertEqual(piped.stderr, "\(fromPipe): 100 frames x 80 mels\n")
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: fromFile)), try Data(contentsOf: URL(fileURLWithPath: fromPipe)))
    }

    func testRawPCMEndingMidSampleKeepsWholeSamplesAndWarns() throws {
        // The 32-bit WAV's data (after its 44-byte header) read as 16-bit samples at twice the rate, plus one stray byte.
        let pcm = Data(try Data(contentsOf: TestPaths.fixture("audio/clip-s32.wav")).dropFirst(44)) + Data([0x7F])
        let output = try TestPaths.temporaryDirectory().appendingPathComponent("raw.npy").path
        let result = try HarkProcess.run(["features", "-", "--format", "s16le", "--rate", "32000", "-o", output], stdin: pcm)
        XCTAssertEqual(result.status, 0, result.stderr)
        // 64000 bytes of s16le at 32 kHz = 1 s, resampled to 16 kHz = 100 frames.
        XCTAssertEqual(result.stderr, """
            warning: stdin: input ended mid-sample; dropped 1 trailing bytes
            \(output): 100 frames x 80 mels

            """)
    }

    func testEmptyAndGarbageStandardInputFailWithOneLine() throws {
        let empty = try HarkProcess.run(["features", "-", "--format", "f32le", "-o", "/dev/null"], stdin: Data())
        XCTAssertEqual(empty.status, 1)
        XCTAssertEqual(empty.stderr, "Error: stdin: no audio samples\n")
        let garbage = try HarkProcess.run(["features", "-", "-o", "/dev/null"], stdin: Data("not audio at all".utf8))
        XCTAssertEqual(garbage.status, 1)
        XCTAssertEqual(garbage.stderr, "Error: stdin: cannot open audio: Format not recognised\n")
    }

    func testNonFiniteRawSamplesAreRejected() throws {
        var samples = [Float](repeating: 0.1, count: 1000)
        samples[321] = .nan
        let pcm = samples.withUnsafeBytes { Data($0) }
        let result = try HarkProcess.run(["features", "-", "--format", "f32le", "-o", "/dev/null"], stdin: pcm)
        XCTAssertEqual(result.status, 1)
        XCTAssertEqual(result.stderr, "Error: stdin: sample at frame 321 is NaN or infinite\n")
    }

    func testBadFilesFailWithTheirNameAndProblem() throws {
        let cases = [
            ("bad-empty.wav", "no audio samples"),
            ("bad-zero-channels.wav", "invalid header: zero channels"),
            ("bad-nan.wav", "sample at frame 800 is NaN or infinite"),
        ]
        for (name, problem) in cases {
            let result = try HarkProcess.run(["features", fixture(name), "-o", "/dev/null"])
            XCTAssertEqual(result.status, 1, name)
            XCTAssertEqual(result.stderr, "Error: \(fixture(name)): \(problem)\n", name)
        }
    }

    /// 50 KB of random bytes named .mp3: libsndfile hands it to its MPEG decoder, whose notes must not reach the
    /// terminal; one line says what is wrong.
    func testRandomBytesNamedMP3FailWithOneLine() throws {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        let bytes = (0..<50_000).map { _ -> UInt8 in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return UInt8(truncatingIfNeeded: state >> 56)
        }
        let path = try TestPaths.temporaryDirectory().appendingPathComponent("x.mp3").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let result = try HarkProcess.run(["info", path])
        XCTAssertEqual(result.status, 1)
        XCTAssertEqual(result.stdout, "")
        XCTAssertEqual(result.stderr, "Error: \(path): cannot open audio: Format not recognised\n")
    }

    func testTruncatedFileStillGivesFeaturesWithAWarning() throws {
        let output = try TestPaths.temporaryDirectory().appendingPathComponent("t.npy").path
        let result = try HarkProcess.run(["features", fixture("bad-truncated.wav"), "-o", output])
        XCTAssertEqual(result.status, 0)
        XCTAssertTrue(result.stderr.hasPrefix("warning: \(fixture("bad-truncated.wav")): truncated: header promises 32000 bytes"), result.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: output))
    }

    func testTokenizeThenDetokenizeGivesLevelCentres() throws {
        let directory = try TestPaths.temporaryDirectory()
        let tokens = directory.appendingPathComponent("clip.dmel").path
        let decoded = directory.appendingPathComponent("clip.npy").path
        let tokenize = try HarkProcess.run(["tokenize", fixture("clip-s24.wav"), "-o", tokens])
        XCTAssertEqual(tokenize.stderr, "\(tokens): 81 frames x 80 channels, recipe dmel\n")
        let detokenize = try HarkProcess.run(["detokenize", tokens, "-o", decoded])
        XCTAssertEqual(detokenize.status, 0, detokenize.stderr)
        XCTAssertEqual(detokenize.stderr, "\(decoded): 81 frames x 80 mels\n")
        // Every decoded value is one of the 16 centres -7 + 0.6k.
        let npy = try Data(contentsOf: URL(fileURLWithPath: decoded))
        let values = npy.suffix(81 * 80 * 4).withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        XCTAssertTrue(values.allSatisfy { v in (0..<16).contains { abs(-7 + 0.6 * Float($0) - v) < 1e-5 } })
    }

    func testDetokenizeReportsADamagedFile() throws {
        let directory = try TestPaths.temporaryDirectory()
        let damaged = directory.appendingPathComponent("bad.dmel")
        try Data("DMEL".utf8).write(to: damaged)
        let result = try HarkProcess.run(["detokenize", damaged.path, "-o", directory.appendingPathComponent("x.npy").path])
        XCTAssertEqual(result.status, 1)
        XCTAssertEqual(result.stderr, "Error: \(damaged.path): truncated: expected 44 bytes, found 4\n")
    }
}
