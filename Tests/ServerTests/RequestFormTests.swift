// The server's parsers alone: multipart and JSON forms, stream parameters, PCM frames pushed in pieces.
import NIOCore
@testable import Server
import XCTest

final class RequestFormTests: XCTestCase {
    private func multipart(_ boundary: String, _ parts: [String]) -> ByteBuffer {
        ByteBuffer(string: parts.map { "--\(boundary)\r\n\($0)\r\n" }.joined() + "--\(boundary)--\r\n")
    }

    func testMultipartFieldsRepeatedFieldsAndTheFile() throws {
        let body = multipart("xyz", [
            "Content-Disposition: form-data; name=\"model\"\r\n\r\nwhisper-1",
            "Content-Disposition: form-data; name=\"timestamp_granularities[]\"\r\n\r\nword",
            "Content-Disposition: form-data; name=\"timestamp_granularities[]\"\r\n\r\nsegment",
            "Content-Disposition: form-data; name=\"file\"; filename=\"my talk.flac\"\r\nContent-Type: audio/flac\r\n\r\nfLaC\u{0}\u{1}",
        ])
        let form = try RequestForm(body: body, contentType: "multipart/form-data; boundary=\"xyz\"")
        XCTAssertEqual(form.text("model"), "whisper-1")
        XCTAssertEqual(form.texts("timestamp_granularities"), ["word", "segment"])
        XCTAssertEqual(form.file("file")?.filename, "my talk.flac")
        XCTAssertEqual(form.file("file").map { Array($0.bytes.readableBytesView) }, Array("fLaC\u{0}\u{1}".utf8))
        XCTAssertNil(form.text("file"))
    }

    func testJSONBodyListsBecomeRepeatedFields() throws {
        let form = try RequestForm(body: ByteBuffer(string: #"{"text": "hi", "labels": ["a", "b"], "n_best": 3, "calibration": false, "temperature": 0.25}"#),
                                   contentType: "application/json; charset=utf-8")
        XCTAssertEqual(form.texts("labels"), ["a", "b"])
        XCTAssertEqual(try form.integer("n_best"), 3)
        XCTAssertEqual(try form.flag("calibration"), false)
        XCTAssertEqual(try form.number("temperature"), 0.25)
        XCTAssertNil(form.file("file"))
    }

    func testBadFormsAreOneLineErrors() {
        func message(_ body: String, _ contentType: String?) -> String? {
            do { _ = try RequestForm(body: ByteBuffer(string: body), contentType: contentType); return nil } catch {
                return (error as? APIError)?.message
            }
        }
        XCTAssertEqual(message("", "multipart/form-data; boundary=x"), "the request body is empty: send multipart/form-data with a 'file' part")
        XCTAssertEqual(message("--x\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n", "multipart/form-data; boundary=x"),
                       "the multipart body is truncated: its closing boundary '--x--' is missing")
        XCTAssertEqual(message("a=1", "multipart/form-data"), "multipart/form-data needs a boundary parameter (1 to 70 characters) in Content-Type")
        XCTAssertEqual(message("a=1", "application/x-www-form-urlencoded"),
                       "Content-Type must be multipart/form-data (or application/json without audio), got 'application/x-www-form-urlencoded'")
        XCTAssertEqual(message(#"{"a": {"b": 1}}"#, "application/json"), "the body is not a JSON object of strings, numbers, booleans or lists of them")
        XCTAssertEqual(message("--x\r\n\r\nno name\r\n--x--\r\n", "multipart/form-data; boundary=x"),
                       "a multipart part has no name in its Content-Disposition")
        // MultipartKit 4.7.1 trapped on a byte above 127 in a header name (the fuzzer's first find).
        XCTAssertEqual(message("--x\r\nCont\u{E9}nt-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--x--\r\n", "multipart/form-data; boundary=x"),
                       "a multipart part has no name in its Content-Disposition")
        // A body whose only delimiter is the closing one has no parts (the fuzzer's second find: it trapped).
        XCTAssertNil(message("preamble\r\n--x--\r\n", "multipart/form-data; boundary=x"))
        XCTAssertEqual(message("--x\r\n--x--\r\n", "multipart/form-data; boundary=x"),
                       "the multipart body is malformed: a boundary line goes on after the boundary")
    }

    func testFieldValuesAreChecked() throws {
        let form = try RequestForm(body: ByteBuffer(string: #"{"temperature": "warm", "stream": "yes", "n_best": "2.5"}"#), contentType: "application/json")
        XCTAssertThrowsError(try form.number("temperature")) { XCTAssertEqual(($0 as? APIError)?.param, "temperature") }
        XCTAssertThrowsError(try form.flag("stream")) { XCTAssertEqual(($0 as? APIError)?.message, "'stream' must be true or false, got 'yes'") }
        XCTAssertThrowsError(try form.integer("n_best")) { XCTAssertEqual(($0 as? APIError)?.message, "'n_best' must be an integer, got '2.5'") }
        // What a client sent is quoted on one line (the fuzzer's find: a rate with a line break in it).
        XCTAssertThrowsError(try StreamParameters(query: "rate=480hcn0%0anels")) {
            XCTAssertEqual(($0 as? APIError)?.message, "'rate' must be a positive integer, got '480hcn0\\nnels'")
        }
    }

    func testStreamParameters() throws {
        let parameters = try StreamParameters(query: "format=f32le&rate=48000&channels=2&step_ms=500&language=ES")
        XCTAssertEqual(parameters.format, .f32le)
        XCTAssertEqual(parameters.rate, 48_000)
        XCTAssertEqual(parameters.channels, 2)
        XCTAssertEqual(parameters.stepMs, 500)
        XCTAssertEqual(parameters.language, "ES")
        XCTAssertEqual(try StreamParameters(query: "").rate, 16_000)
        XCTAssertThrowsError(try StreamParameters(query: "format=mp3")) { XCTAssertEqual(($0 as? APIError)?.message, "'format' must be s16le or f32le, got 'mp3'") }
        XCTAssertThrowsError(try StreamParameters(query: "step_ms=50")) { XCTAssertEqual(($0 as? APIError)?.param, "step_ms") }
        // A step of 10^30 ms overflowed the sample count (the fuzzer's find).
        XCTAssertThrowsError(try StreamParameters(query: "step_ms=0000000000000000072857511231371491")) {
            XCTAssertEqual(($0 as? APIError)?.message, "'step_ms' must be between 100 and 30000")
        }
    }

    /// Frames split anywhere (mid-sample): the samples come out whole, a step at a time, the rest at the end.
    func testPushedAudioJoinsFramesIntoSteps() throws {
        let audio = try PushedAudio(try StreamParameters(query: "step_ms=100"))
        let samples = (0..<4000).map { Int16(truncatingIfNeeded: $0 * 7) }
        let bytes = samples.flatMap { [UInt8(truncatingIfNeeded: $0), UInt8(truncatingIfNeeded: $0 >> 8)] }
        var offset = 0
        for size in [1, 999, 2, 3000, 2001, 1997] {
            audio.push(ByteBuffer(bytes: bytes[offset..<min(bytes.count, offset + size)]))
            offset += size
        }
        audio.end()
        var blocks: [[Float]] = []
        while let block = try audio.nextBlock() { blocks.append(block) }
        XCTAssertEqual(blocks.flatMap { $0 }, samples.map { Float($0) / 32768 })
        XCTAssertEqual(blocks.count, 1)  // everything had arrived before the first read
    }

    /// A client that sends audio far faster than it is decoded is stopped at ten minutes waiting, not let fill memory.
    func testAudioSentFasterThanItIsDecodedIsCutOffAtTenMinutes() throws {
        let audio = try PushedAudio(try StreamParameters(query: ""))
        let second = ByteBuffer(bytes: [UInt8](repeating: 0, count: 2 * 16_000))
        for _ in 0..<602 { audio.push(second) }
        var samples = 0
        XCTAssertThrowsError(try { while let block = try audio.nextBlock() { samples += block.count } }()) {
            XCTAssertEqual(($0 as? APIError)?.message, "audio arrives faster than it is decoded: more than 600 s wait; send it in real time")
        }
        XCTAssertEqual(samples, 601 * 16_000)
    }
}
