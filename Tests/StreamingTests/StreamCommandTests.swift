// `hark stream -` as users pipe into it: speech, silence, noise, garbage, bad flags, closed stdout, SIGINT.
import XCTest
import Audio
import Scoring
import Foundation
import HarkNumerics
import TestSupport

final class StreamCommandTests: XCTestCase {
    private static let streamArguments = ["stream", "-", "--model", "tiny.en", "--threads", "2", "--output", "jsonl"]

    /// 16 kHz mono s16le bytes, as `arecord -f S16_LE -r 16000 -c 1` writes them.
    private func s16le(_ samples: [Float]) -> Data {
        var bytes = Data(capacity: samples.count * 2)
        for sample in samples {
            let value = UInt16(bitPattern: Int16((max(-1, min(1, sample)) * 32767).rounded()))
            bytes.append(UInt8(value & 0xFF))
            bytes.append(UInt8(value >> 8))
        }
        return bytes
    }

    private func jfkPCM() throws -> Data {
        var file = try AudioFile(path: TestPaths.audio("jfk.flac").path)
        return s16le(try file.readAll())
    }

    private struct Event: Decodable {
        var type: String
        var start: Double
        var end: Double
        var text: String
    }

    private func events(_ stdout: String) throws -> [Event] {
        try stdout.split(separator: "\n").map { try JSONDecoder().decode(Event.self, from: Data($0.utf8)) }
    }

    /// Lower case, letters, digits and apostrophes only, as the WER benchmarks compare.
    private func normalized(_ text: String) -> String {
        text.lowercased().map { $0.isLetter || $0.isNumber || $0 == "'" ? $0 : " " }
            .reduce(into: "") { $0.append($1) }
    }

    func testSpeechPipedFasterThanRealTimeMatchesBatchWithinTwoPoints() throws {
        let result = try HarkProcess.run(Self.streamArguments + ["--format", "s16le"], stdin: try jfkPCM())
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stderr, "")
        let streamed = try events(result.stdout)
        XCTAssertTrue(streamed.contains { $0.type == "partial" }, result.stdout)
        let finals = streamed.filter { $0.type == "final" }
        XCTAssertEqual(finals.map(\.start), finals.map(\.start).sorted(), "finals come in input order")
        XCTAssertTrue(finals.allSatisfy { $0.start <= $0.end && $0.end <= 11.0 }, result.stdout)

        let batch = try HarkProcess.run(["transcribe", "--model", "tiny.en", "--beam-size", "1", "--no-timestamps", "Audio/jfk.flac"])
        XCTAssertEqual(batch.status, 0, batch.stderr)
        let reference = "And so my fellow Americans, ask not what your country can do for you, ask what you can do for your country."
        let batchWER = ErrorRate.words(reference: normalized(reference), hypothesis: normalized(batch.stdout)).rate
        let streamWER = ErrorRate.words(reference: normalized(reference),
                                        hypothesis: normalized(finals.map(\.text).joined(separator: " "))).rate
        XCTAssertLessThanOrEqual(streamWER, batchWER + 0.02, "stream: \(finals.map(\.text)), batch: \(batch.stdout)")
    }

    func testSilenceAndSeededNoiseEmitNothing() throws {
        var generator = SplitMix64(seed: 3)
        let minute = 60 * 16_000
        let noise = (0..<minute).map { _ in Float.random(in: -0.2...0.2, using: &generator) }
        for (name, samples) in [("silence", [Float](repeating: 0, count: minute)), ("noise", noise)] {
            let result = try HarkProcess.run(Self.streamArguments + ["--format", "s16le"], stdin: s16le(samples))
            XCTAssertEqual(result.status, 0, "\(name): \(result.stderr)")
            XCTAssertEqual(result.stdout, "", name)
        }
    }

    func testInputEndingMidSampleFlushesTheTextAndWarns() throws {
        var pcm = try jfkPCM()
        pcm.append(0x7F)
        let result = try HarkProcess.run(Self.streamArguments + ["--format", "s16le", "--output", "text"], stdin: pcm)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stderr, "warning: stdin: input ended mid-sample; dropped 1 trailing bytes\n")
        XCTAssertTrue(normalized(result.stdout).contains("ask what you can do for your country"), result.stdout)
    }

    func testGarbageOnStandardInputFailsWithOneLine() throws {
        let result = try HarkProcess.run(Self.streamArguments, stdin: Data("this is not a WAV stream\n".utf8))
        XCTAssertEqual(result.status, 1)
        XCTAssertEqual(result.stdout, "")
        XCTAssertEqual(result.stderr, "stdin: cannot open audio: Format not recognised\n")
    }

    func testNonFiniteFloatSamplesFailWithOneLine() throws {
        let result = try HarkProcess.run(Self.streamArguments + ["--format", "f32le"], stdin: Data([0, 0, 0xC0, 0x7F]))
        XCTAssertEqual(result.status, 1)
        XCTAssertEqual(result.stderr, "stdin: sample at frame 0 is NaN or infinite\n")
    }

    func testZeroRateIsAUsageError() throws {
        let result = try HarkProcess.run(Self.streamArguments + ["--format", "s16le", "--rate", "0"], stdin: Data())
        XCTAssertEqual(result.status, 64)
        XCTAssertTrue(result.stderr.hasPrefix("Error: --rate must be positive\n"), result.stderr)
    }

    /// `hark stream - | head -1`: the reader goes away after one line; hark exits 0 without a word on stderr.
    func testClosedStandardOutputExitsQuietly() throws {
        let process = Process()
        process.executableURL = HarkProcess.executable
        process.arguments = Self.streamArguments + ["--format", "s16le"]
        let input = Pipe(), output = Pipe(), errors = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let pcm = try jfkPCM()
        DispatchQueue.global().async {
            input.fileHandleForWriting.write(pcm)
            try? input.fileHandleForWriting.close()
        }
        var firstLine = Data()
        while !firstLine.contains(UInt8(ascii: "\n")) {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            firstLine += chunk
        }
        try output.fileHandleForReading.close()
        process.waitUntilExit()
        XCTAssertTrue(String(decoding: firstLine, as: UTF8.self).hasPrefix("{\"type\": "))
        XCTAssertEqual(process.terminationStatus, 0)
        XCTAssertEqual(String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self), "")
    }

    /// SIGINT while a live source is still open: the words heard so far are flushed as finals and hark exits 0.
    func testInterruptFlushesTheOpenUtterance() throws {
        let process = Process()
        process.executableURL = HarkProcess.executable
        process.arguments = Self.streamArguments + ["--format", "s16le"]
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        // The first 4.5 s (up to "ask not"), and the pipe stays open as a microphone's would.
        input.fileHandleForWriting.write(try jfkPCM().prefix(4 * 16_000 * 2 + 16_000))
        var seen = ""
        while !seen.contains("\"partial\"") {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            seen += String(decoding: chunk, as: UTF8.self)
        }
        process.interrupt()
        seen += String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0)
        let finals = try events(seen).filter { $0.type == "final" }.map(\.text).joined(separator: " ")
        XCTAssertTrue(normalized(finals).contains("my fellow americans"), seen)
    }

    /// As a person sees it: `hark stream` in a terminal 30 columns wide (tmux), its text output rewriting the line
    /// as partial results come. Utterances are longer than the row; rewriting a wrapped line left its upper rows on
    /// the screen each time, so the start of an utterance stood there over and over. The speech has no run of four
    /// words twice, and neither may the screen; every line that ended is whole (only the open line is cut).
    func testTerminalShowsEachUtteranceOnce() throws {
        let folder = try TestPaths.temporaryDirectory()
        let pcm = folder.appendingPathComponent("jfk.s16le")
        try jfkPCM().write(to: pcm)
        let command = "\(HarkProcess.executable.path) stream - --model tiny.en --format s16le --step-ms 300 < \(pcm.path); echo '[exit '$?']'; sleep 600"
        let terminal = try TerminalSession(columns: 30, rows: 50, command: command)
        let screen = try terminal.screen(showing: "[exit ", timeout: 180)
        let lines = screen.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        XCTAssertEqual(lines.last, "[exit 0]", screen)
        let words = normalized(lines.dropLast().joined(separator: " ")).split(separator: " ").map(String.init)
        XCTAssertGreaterThanOrEqual(words.count, 10, screen)
        let runs = (0..<max(0, words.count - 3)).map { words[$0..<($0 + 4)].joined(separator: " ") }
        XCTAssertEqual(Set(runs).count, runs.count, "a run of four words stands twice on the screen:\n\(screen)")
        XCTAssertTrue(lines.dropLast().allSatisfy { !$0.contains("…") }, "only the open line is cut:\n\(screen)")
    }
}
