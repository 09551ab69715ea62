// `hark serve` against real clients: OpenAI's Python package, `websockets`, raw HTTP; answers compared with the CLI's.
import Foundation
import TestSupport
import XCTest

/// One server with the language model for the tests that only read from it.
final class ServerTests: XCTestCase {
    nonisolated(unsafe) static var server: RunningServer!
    static let uploadLimitMB = 2

    override class func setUp() {
        super.setUp()
        server = try! RunningServer(["--workers", "2", "--max-upload-mb", "\(uploadLimitMB)"])
    }

    override class func tearDown() {
        XCTAssertEqual(server.stop(), 0, server.stderr)
        super.tearDown()
    }

    /// What `hark transcribe` writes for `audio` with `options`, as text per format.
    private func transcribe(_ audio: String, _ options: [String], formats: [String]) throws -> [String: String] {
        let folder = try TestPaths.temporaryDirectory()
        let result = try HarkProcess.run(["transcribe", audio, "-o", folder.path, "--output-format", "all"] + options)
        XCTAssertEqual(result.status, 0, result.stderr)
        let stem = (audio as NSString).lastPathComponent.components(separatedBy: ".")[0]
        return try Dictionary(uniqueKeysWithValues: formats.map {
            ($0, try String(contentsOf: folder.appendingPathComponent("\(stem).\($0)"), encoding: .utf8))
        })
    }

    private func object(_ json: String) throws -> [String: Any] {
        try XCTUnwrap(JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
    }

    func testOpenAIClientGetsWhatHarkTranscribeWrites() throws {
        let got = try Self.server.client("openai", ["Audio/jfk.flac"])
        let written = try transcribe("Audio/jfk.flac", [], formats: ["json", "srt", "vtt"])
        let reference = try object(written["json"]!)
        let text = (reference["text"] as! String).trimmingCharacters(in: .whitespaces)
        XCTAssertEqual((got["json"] as? [String: Any])?["text"] as? String, text)
        XCTAssertEqual(got["text"] as? String, text + "\n")
        XCTAssertEqual(got["srt"] as? String, written["srt"])
        XCTAssertEqual(got["vtt"] as? String, written["vtt"])

        let verbose = try XCTUnwrap(got["verbose_json"] as? [String: Any])
        XCTAssertEqual(verbose["language"] as? String, "english")
        XCTAssertEqual(verbose["text"] as? String, text)
        XCTAssertEqual(verbose["duration"] as? Double ?? 0, reference["duration"] as? Double ?? -1, accuracy: 1e-9)
        let segments = try XCTUnwrap(verbose["segments"] as? [[String: Any]])
        let referenceSegments = reference["segments"] as! [[String: Any]]
        XCTAssertEqual(segments.map { $0["text"] as? String }, referenceSegments.map { $0["text"] as? String })
        for (segment, expected) in zip(segments, referenceSegments) {
            XCTAssertEqual(segment["start"] as? Double ?? -1, expected["start"] as! Double, accuracy: 1e-9)
            XCTAssertEqual(segment["end"] as? Double ?? -1, expected["end"] as! Double, accuracy: 1e-9)
            XCTAssertEqual(segment["tokens"] as? [Int], expected["tokens"] as? [Int])
        }

        // timestamp_granularities=["word"]: the words `hark transcribe --word-timestamps` times, without the
        // leading space (OpenAI's convention), and no segments.
        let timed = try object(try transcribe("Audio/jfk.flac", ["--word-timestamps"], formats: ["json"])["json"]!)
        let referenceWords = (timed["segments"] as! [[String: Any]]).flatMap { $0["words"] as! [[String: Any]] }
        let words = try XCTUnwrap((got["words"] as? [String: Any])?["words"] as? [[String: Any]])
        XCTAssertEqual(words.count, 22)
        XCTAssertEqual(words.map { $0["word"] as? String }, referenceWords.map { ($0["word"] as! String).trimmingCharacters(in: .whitespaces) })
        for (word, expected) in zip(words, referenceWords) {
            XCTAssertEqual(word["start"] as? Double ?? -1, expected["start"] as! Double, accuracy: 1e-9)
            XCTAssertEqual(word["end"] as? Double ?? -1, expected["end"] as! Double, accuracy: 1e-9)
        }
        XCTAssertNil((got["words"] as? [String: Any])?["segments"] as? [Any])

        // stream=True: deltas that add up to the text, then the done event with all of it.
        let events = try XCTUnwrap(got["stream"] as? [[String: Any]])
        XCTAssertEqual(events.last?["type"] as? String, "transcript.text.done")
        XCTAssertEqual(events.last?["text"] as? String, text)
        XCTAssertEqual(events.dropLast().map { $0["type"] as? String }, Array(repeating: "transcript.text.delta", count: events.count - 1))
        XCTAssertEqual(events.dropLast().compactMap { $0["delta"] as? String }.joined(), text)

        let translated = try object(try transcribe("Audio/asterisk-es-vm-intro.flac", ["--task", "translate"], formats: ["json"])["json"]!)
        XCTAssertEqual((got["translation"] as? [String: Any])?["text"] as? String,
                       (translated["text"] as! String).trimmingCharacters(in: .whitespaces))

        let notAudio = try XCTUnwrap(got["not_audio"] as? [String: Any])
        XCTAssertEqual(notAudio["raised"] as? String, "BadRequestError")
        XCTAssertEqual(notAudio["status"] as? Int, 400)
        XCTAssertEqual((notAudio["body"] as? [String: Any])?["param"] as? String, "file")
        XCTAssertEqual((notAudio["body"] as? [String: Any])?["message"] as? String, "README.md: cannot open audio: Format not recognised")
        let wrongKey = try XCTUnwrap(got["wrong_key"] as? [String: Any])
        XCTAssertEqual(wrongKey["raised"] as? String, "AuthenticationError")
        XCTAssertEqual(wrongKey["status"] as? Int, 401)
        XCTAssertEqual(got["models"] as? [String], ["base", "whisper-1"])
    }

    /// PCM in 100-ms frames over the socket, sent as fast as a piped file: the same final words `hark stream` prints
    /// for the same audio. A 2-s step keeps both independent of how fast this machine decodes (a pass takes well under it).
    func testWebSocketStreamSendsWhatHarkStreamPrints() throws {
        let got = try Self.server.client("websocket", ["Audio/jfk.flac", "s16le", "2000"])
        XCTAssertEqual(got["close_code"] as? Int, 1000)
        let events = try XCTUnwrap(got["events"] as? [[String: Any]])
        let sox = try HarkProcess.runTool(URL(fileURLWithPath: "/usr/bin/sox"),
                                          ["Audio/jfk.flac", "-t", "raw", "-r", "16000", "-c", "1", "-e", "signed-integer", "-b", "16", "-L", "-"])
        let printed = try HarkProcess.run(["stream", "-", "--format", "s16le", "--output", "jsonl", "--step-ms", "2000"], stdin: sox.stdoutData)
        XCTAssertEqual(printed.status, 0, printed.stderr)
        let expected = try printed.stdout.split(separator: "\n").map { try object(String($0)) }
        func finals(_ events: [[String: Any]]) -> String {
            events.filter { $0["type"] as? String == "final" }.compactMap { $0["text"] as? String }.joined(separator: " ")
        }
        // The same words; the punctuation of the last one may differ: a fresh `hark stream` process's first pass
        // (its weights paged in) can take longer than a step, which hands over a larger block and moves the decode
        // points ("country?" against "country." on a fresh clone).
        XCTAssertEqual(TranscriptCheck.wordErrorRate(of: finals(events), reference: finals(expected), language: "en"), 0,
                       "\(finals(events)) | \(finals(expected))")
        XCTAssertLessThan(TranscriptCheck.wordErrorRate(of: finals(events), for: "jfk.flac"), 0.1, finals(events))
        // Partials come and go with the moments audio is handed over, which `hark stream` takes from its pipe's reads.
        XCTAssertTrue(events.contains { $0["type"] as? String == "partial" })
    }

    func testBadAndHostileRequestsGetTheirStatusAndAJSONError() throws {
        let got = try Self.server.client("hostile", ["\(Self.uploadLimitMB)"])
        let expected: [(String, Int, String?, String?)] = [
            // case, status, param, code
            ("missing_file", 400, "file", nil),
            ("not_audio", 400, "file", "invalid_audio"),
            ("empty_body", 400, nil, nil),
            ("too_large", 413, "file", "file_too_large"),
            ("truncated", 400, nil, nil),
            ("wrong_key", 401, nil, "invalid_api_key"),
            ("no_key", 401, nil, "invalid_api_key"),
            ("unknown_model", 404, "model", "model_not_found"),
            ("unknown_format", 400, "response_format", nil),
            ("unknown_language", 400, "language", "unsupported_language"),
            ("not_multipart", 400, nil, nil),
            ("unknown_n_best_mode", 400, "n_best_mode", nil),
            ("zero_posterior_temperature", 400, "posterior_temperature", nil),
        ]
        for (name, status, param, code) in expected {
            let answer = try XCTUnwrap(got[name] as? [String: Any], name)
            XCTAssertEqual(answer["status"] as? Int, status, name)
            let error = try XCTUnwrap((answer["body"] as? [String: Any])?["error"] as? [String: Any], "\(name): \(answer)")
            XCTAssertEqual(error["param"] as? String, param, name)
            XCTAssertEqual(error["code"] as? String, code, name)
            XCTAssertEqual(error["type"] as? String, "invalid_request_error", name)
            XCTAssertFalse((error["message"] as? String ?? "").isEmpty, name)
        }
        XCTAssertEqual(((got["truncated"] as? [String: Any])?["body"] as? [String: Any]).flatMap { ($0["error"] as? [String: Any])?["message"] as? String },
                       "the multipart body is truncated: its closing boundary '--hark-test-boundary--' is missing")
        for (name, closeCode, code) in [("websocket_text", 1003, "unsupported_data"), ("websocket_bad_rate", 1008, nil),
                                        ("websocket_wrong_key", 1008, "invalid_api_key")] {
            let socket = try XCTUnwrap(got[name] as? [String: Any], name)
            XCTAssertEqual(socket["close_code"] as? Int, closeCode, name)
            let events = try XCTUnwrap(socket["events"] as? [[String: Any]], name)
            XCTAssertEqual(events.last?["type"] as? String, "error", name)
            XCTAssertEqual((events.last?["error"] as? [String: Any])?["code"] as? String, code, name)
        }
        XCTAssertEqual(((got["websocket_bad_rate"] as? [String: Any])?["events"] as? [[String: Any]])?.last
            .flatMap { ($0["error"] as? [String: Any])?["message"] as? String }, "'rate' must be a positive integer, got 'zero'")
        XCTAssertEqual((got["health_after"] as? [String: Any])?["status"] as? Int, 200)
        func message(_ name: String) -> String? {
            ((got[name] as? [String: Any])?["body"] as? [String: Any]).flatMap { ($0["error"] as? [String: Any])?["message"] as? String }
        }
        XCTAssertEqual(message("unknown_n_best_mode"), "'n_best_mode' must be one of list, marginal, merged, got 'vote'")
        XCTAssertEqual(message("zero_posterior_temperature"), "'posterior_temperature' must be positive, got 0.0")
    }

    /// /v1/classify and /v1/answer print what `hark classify --json` and `hark answer --json` print.
    func testUnderstandingRoutesAnswerAsTheCommandsPrint() throws {
        let text = "The striker scored twice in the final."
        let served = try Self.server.client("understand", ["classify", "--text", text, "--labels", "sports,politics,health"])
        let printed = try HarkProcess.run(["classify", "--text", text, "--labels", "sports,politics,health", "--json"])
        XCTAssertEqual(printed.status, 0, printed.stderr)
        XCTAssertEqual(NSDictionary(dictionary: served), NSDictionary(dictionary: try object(printed.stdout)))

        let answer = try Self.server.client("understand", ["answer", "--file", "Audio/jfk.flac", "--language", "en",
                                                           "--question", "Who should you ask?", "--options", "Yourself|Your country|Your friends|Nobody"])
        let printedAnswer = try HarkProcess.run(["answer", "Audio/jfk.flac", "--language", "en", "--question", "Who should you ask?",
                                                 "--options", "Yourself|Your country|Your friends|Nobody", "--json"])
        XCTAssertEqual(printedAnswer.status, 0, printedAnswer.stderr)
        XCTAssertEqual(NSDictionary(dictionary: answer), NSDictionary(dictionary: try object(printedAnswer.stdout)))

        // The n-best mode reaches the classifier: `list` numbers the transcripts in one prompt, the default
        // (marginal) prompts each distinct one alone, so the two answers differ.
        let listed = try Self.server.client("understand", ["classify", "--file", "Audio/jfk.flac", "--language", "en",
                                                           "--n_best", "3", "--n_best_mode", "list"])
        let printedList = try HarkProcess.run(["classify", "Audio/jfk.flac", "--language", "en", "--n-best", "3",
                                               "--n-best-mode", "list", "--json"])
        XCTAssertEqual(printedList.status, 0, printedList.stderr)
        // The server names the input by the upload's file name, the command by its path.
        func asUploaded(_ printed: String) throws -> NSDictionary {
            var fields = try object(printed)
            fields["input"] = "jfk.flac"
            return NSDictionary(dictionary: fields)
        }
        XCTAssertEqual(NSDictionary(dictionary: listed), try asUploaded(printedList.stdout))
        let printedMarginal = try HarkProcess.run(["classify", "Audio/jfk.flac", "--language", "en", "--n-best", "3", "--json"])
        XCTAssertEqual(printedMarginal.status, 0, printedMarginal.stderr)
        XCTAssertNotEqual(NSDictionary(dictionary: listed), try asUploaded(printedMarginal.stdout))
    }
}

/// Servers of their own: a queue that fills, a client that hangs up, SIGTERM.
final class ServerLoadTests: XCTestCase {
    /// One worker, one place in the queue: of four requests at once, two are refused with 429 and Retry-After, none
    /// hangs; a client that hangs up gives its place in the queue to the next, or its worker if it was running.
    func testAFullQueueRefusesAndAHungUpClientFreesItsPlace() throws {
        let server = try RunningServer(["--no-llm", "--workers", "1", "--queue", "1", "--beam-size", "1"])
        defer { XCTAssertEqual(server.stop(), 0, server.stderr) }
        let burst = try server.client("burst", ["Audio/jfk.flac", "4"])
        let results = try XCTUnwrap(burst["results"] as? [[String: Any]])
        XCTAssertEqual(results.filter { $0["status"] as? Int == 200 }.count, 2, "\(results)")
        let refused = results.filter { $0["status"] as? Int == 429 }
        XCTAssertEqual(refused.count, 2, "\(results)")
        XCTAssertEqual(refused.map { $0["retry_after"] as? String }, ["1", "1"])
        XCTAssertEqual(refused.map { $0["code"] as? String }, ["queue_full", "queue_full"])
        XCTAssertEqual(burst["health_after"] as? Int, 200)

        // A runs; B waits, hangs up and leaves the queue while A still runs; C gets a place; D runs and hangs up:
        // B and D are counted as 499 (a decode that went on for D would have ended in 200).
        let vacated = try server.client("vacate", ["Audio/asterisk-en-demo-instruct.flac"])
        XCTAssertEqual(vacated["running"] as? Int, 200)
        XCTAssertEqual(vacated["a_running_when_b_left"] as? Bool, true)
        XCTAssertEqual(vacated["after_hang_up"] as? Int, 200)
        XCTAssertEqual(vacated["hung_up"] as? Int, 2)
    }

    /// SIGTERM while a request runs: new connections are refused, the request completes, and the server exits 0.
    func testSIGTERMLetsTheRequestInFlightFinish() throws {
        let server = try RunningServer(["--no-llm", "--beam-size", "1"])
        let drained = try server.client("drain", ["Audio/asterisk-en-demo-instruct.flac", "\(server.process.processIdentifier)"])
        XCTAssertEqual(drained["in_flight"] as? Int, 200)
        XCTAssertEqual(drained["new_connection"] as? String, "refused")
        XCTAssertLessThan(TranscriptCheck.wordErrorRate(of: drained["text"] as? String ?? "", for: "asterisk-en-demo-instruct.flac"), 0.2)
        XCTAssertEqual(server.waitForExit(), 0, server.stderr)
    }
}
