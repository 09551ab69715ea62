// Crafted model and audio files (Tests/Fixtures/make_crafted_fixtures.py): each refused by the CLI in one line
// that names the file and the field, exit 1, within a second and 100 MB.
import Foundation
import TestSupport
import XCTest

final class CraftedFileTests: XCTestCase {
    private static let crafted = TestPaths.fixture("crafted")

    /// Runs hark under GNU time; returns its exit status and standard error without time's line, plus seconds and
    /// peak memory (MB).
    private func measuredRun(_ arguments: [String]) throws -> (status: Int32, stderr: String, seconds: Double, megabytes: Double) {
        let run = try HarkProcess.runTool(URL(fileURLWithPath: "/usr/bin/time"),
                                          ["-q", "-f", "measured %e %M", HarkProcess.executable.path] + arguments,
                                          environment: ["SWIFT_BACKTRACE": "enable=no"])
        var lines = run.stderr.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        let measured = try XCTUnwrap(lines.popLast()).split(separator: " ")
        XCTAssertEqual(measured.first, "measured", "GNU time's line is last: \(run.stderr)")
        let stderr = lines.map { $0 + "\n" }.joined()
        return (run.status, stderr, Double(measured[1]) ?? .infinity, (Double(measured[2]) ?? .infinity) / 1024)
    }

    private func assertRefused(_ arguments: [String], _ expected: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let (status, stderr, seconds, megabytes) = try measuredRun(arguments)
        XCTAssertEqual(status, 1, "exit status of hark \(arguments.joined(separator: " "))", file: file, line: line)
        XCTAssertEqual(stderr, "Error: \(expected)\n", file: file, line: line)
        XCTAssertLessThan(seconds, 1, "seconds", file: file, line: line)
        XCTAssertLessThan(megabytes, 100, "peak memory in MB", file: file, line: line)
    }

    private func gguf(_ name: String) -> String { Self.crafted.appendingPathComponent(name).path }

    func testCraftedGGUFFilesAreRefusedInOneLineNamingTheField() throws {
        let cases: [(String, String)] = [
            ("gguf-array-element-type.gguf", "corrupt GGUF at tokenizer.ggml.scores: unknown array element type 77"),
            ("gguf-array-count.gguf", "corrupt GGUF at tokenizer.ggml.tokens: array of 1099511627776 items cannot fit in the 45 bytes left"),
            ("gguf-string-length.gguf", "corrupt GGUF at key 1: string of 9223372036854775808 bytes at offset 78, file has 18 left (truncated?)"),
            ("gguf-dimension-overflow.gguf", "corrupt GGUF at token_embd.weight dimensions: 2147483647 x 2147483647 x 2147483647 x 2147483647 values cannot fit in 192 bytes"),
            ("gguf-alignment-huge.gguf", "corrupt GGUF at general.alignment: 4611686018427387904 is not a power of two up to 1048576"),
            ("gguf-alignment-zero.gguf", "corrupt GGUF at general.alignment: 0 is not a power of two up to 1048576"),
            ("gguf-block-count.gguf", "corrupt GGUF at gemma3.block_count: 1099511627776 is outside 1...1024"),
            ("gguf-head-overflow.gguf", "corrupt GGUF at gemma3.attention.head_count: 2147483648 is outside 1...1024"),
            ("gguf-token-type.gguf", "corrupt GGUF at tokenizer.ggml.token_type: int64(1099511627776) is not a token type"),
            ("gguf-byte-token.gguf", "corrupt GGUF at tokenizer.ggml.tokens: no byte token <0xFF>"),
            ("gguf-bos-id.gguf", "corrupt GGUF at tokenizer.ggml.bos_token_id: token 70000 is not in the 263-token vocabulary"),
            ("gguf-duplicate-tensor.gguf", "corrupt GGUF at a: a second tensor of this name"),
        ]
        for (name, problem) in cases {
            try assertRefused(["generate", "--prompt", "a", "--max-tokens", "1", "--llm", gguf(name)], "\(gguf(name)): \(problem)")
        }
    }

    /// Each case folder holds the one file that replaces tiny-whisper's; the test puts the rest beside it.
    private func whisperFolder(_ name: String) throws -> String {
        let folder = try TestPaths.temporaryDirectory().appendingPathComponent(name)
        try FileManager.default.copyItem(at: Self.crafted.appendingPathComponent("tiny-whisper"), to: folder)
        for file in try FileManager.default.contentsOfDirectory(atPath: Self.crafted.appendingPathComponent(name).path) {
            let target = folder.appendingPathComponent(file)
            try FileManager.default.removeItem(at: target)
            try FileManager.default.copyItem(at: Self.crafted.appendingPathComponent("\(name)/\(file)"), to: target)
        }
        return folder.path
    }

    func testCraftedCTranslate2FoldersAreRefusedInOneLineNamingTheField() throws {
        let cases: [(String, String, String)] = [
            ("ct2-dimension-overflow", "model.bin", "corrupt model file at encoder/conv1/weight byte count: 8 bytes for shape [4294967295, 4294967295, 4294967295, 4294967295] of float32"),
            ("ct2-string-past-end", "model.bin", "corrupt model file at spec name: needs 65535 bytes at offset 6, file has 7 left (truncated?)"),
            ("ct2-variable-count", "model.bin", "corrupt model file at variable count: 4294967295 variables cannot fit in the 22 bytes left"),
            ("ct2-heads-nan", "model.bin", "corrupt model file at encoder/num_heads: nan heads cannot split a width of 8"),
            ("ct2-heads-zero", "model.bin", "corrupt model file at encoder/num_heads: 0.0 heads cannot split a width of 8"),
            ("ct2-heads-three", "model.bin", "corrupt model file at encoder/num_heads: 3.0 heads cannot split a width of 8"),
            ("ct2-alignment-head", "config.json", "corrupt model file at alignment_heads: layer 0 head 7 is not one of the decoder's 1 layers x 2 heads"),
            ("ct2-suppress-id", "config.json", "corrupt model file at suppress_ids: token -5 is not in the 1513-token vocabulary"),
        ]
        let sample = TestPaths.audio("jfk.flac").path
        for (name, file, problem) in cases {
            let folder = try whisperFolder(name)
            try assertRefused(["transcribe", "--model", folder, sample], "\(folder)/\(file): \(problem)")
        }
    }

    func testTheTinyModelsLoadAndRun() throws {
        let whisper = try HarkProcess.run(["transcribe", "--model", try whisperFolder("tiny-whisper"), "--language", "en",
                                           TestPaths.audio("jfk.flac").path])
        XCTAssertEqual(whisper.status, 0, whisper.stderr)
        let gemma = try HarkProcess.run(["generate", "--prompt", "a", "--max-tokens", "2", "--llm", gguf("tiny-gemma3.gguf")])
        XCTAssertEqual(gemma.status, 0, gemma.stderr)
    }

    func testCraftedWAVHeadersAreRefusedInOneLine() throws {
        let cases: [(String, String)] = [
            ("wav-rate-1hz.wav", "invalid header: sample rate 1 Hz is outside 1000...768000 Hz"),
            ("wav-rate-huge.wav", "invalid header: sample rate 2147483647 Hz is outside 1000...768000 Hz"),
            ("wav-channels-1000.wav", "invalid header: 1000 channels is outside 1...256"),
        ]
        for (name, problem) in cases {
            let path = gguf(name)
            for command in ["info", "transcribe"] { try assertRefused([command, path], "\(path): \(problem)") }
        }
    }
}
