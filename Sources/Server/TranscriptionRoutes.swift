// POST /v1/audio/transcriptions and /translations: OpenAI's fields in, its response formats and stream events out.
import Foundation
import Hummingbird
import SLU
import Whisper

/// OpenAI's response formats; `json` is the default.
enum ResponseFormat: String, CaseIterable {
    case json, text, srt, vtt, verbose_json
}

/// What one transcription request asks for, checked before any work.
struct TranscriptionRequest {
    var upload: UploadedFile
    var options: DecodingOptions
    var format: ResponseFormat
    var segmentTimes: Bool
    var wordTimes: Bool
    var stream: Bool

    init(_ form: RequestForm, task: WhisperTask, beamSize: Int, language: String?) throws {
        guard let upload = form.file("file") else {
            throw APIError.badRequest("the 'file' field is missing: send the audio as a multipart part named 'file' with a filename", param: "file")
        }
        self.upload = upload
        format = try form.choice("response_format", of: ResponseFormat.self) ?? .json
        let granularities = form.texts("timestamp_granularities")
        if let unknown = granularities.first(where: { $0 != "segment" && $0 != "word" }) {
            throw APIError.badRequest("'timestamp_granularities[]' takes segment and word, got '\(unknown)'", param: "timestamp_granularities")
        }
        wordTimes = granularities.contains("word")
        segmentTimes = granularities.isEmpty || granularities.contains("segment")
        stream = try form.flag("stream")
        if stream && !(format == .json || format == .text) {
            throw APIError.badRequest("stream=true sends text events: use response_format json or text", param: "stream")
        }
        options = DecodingOptions()
        options.task = task
        options.beamSize = beamSize
        options.language = language
        options.initialPrompt = form.text("prompt").flatMap { $0.isEmpty ? nil : $0 }
        options.wordTimestamps = wordTimes
        // OpenAI's temperature 0 (the default) means "from 0, higher when the text looks wrong", as openai-whisper.
        if let temperature = try form.number("temperature"), temperature > 0 {
            guard temperature <= 1 else { throw APIError.badRequest("'temperature' must be between 0 and 1", param: "temperature") }
            options.temperatures = [Float(temperature)]
        }
    }
}

extension HarkServer {
    func transcribe(_ request: Request, context: HarkContext, task: WhisperTask) async throws -> Response {
        let form = try await self.form(request)
        try checkModel(form)
        let asked = try TranscriptionRequest(form, task: task, beamSize: configuration.beamSize, language: try language(form.text("language")))
        let transcriber = Transcriber(model: models.whisper)
        if asked.stream { return try await streamTranscription(asked, transcriber: transcriber, context: context) }
        let uploads = self.uploads, metrics = self.metrics
        let result = try await workers.run(closingWith: context.channel) { () throws -> Transcription in
            let audio = try uploads.decode(asked.upload)
            let result = try transcriber.transcribe(audio.samples, options: asked.options, progress: { _ in try Task.checkCancellation() })
            metrics.recognized(seconds: Double(audio.samples.count) / 16_000)
            return result
        }
        return Self.render(result, as: asked, task: task)
    }

    static func render(_ result: Transcription, as asked: TranscriptionRequest, task: WhisperTask) -> Response {
        let text = result.text.trimmingCharacters(in: .whitespaces)
        func plain(_ body: String, _ type: String) -> Response {
            Response(status: .ok, headers: [.contentType: type], body: .init(byteBuffer: ByteBuffer(string: body)))
        }
        switch asked.format {
        case .json: return json(["text": text])
        case .text: return plain(text + "\n", "text/plain; charset=utf-8")
        case .srt: return plain(TranscriptFormat.srt.render(result), "application/x-subrip; charset=utf-8")
        case .vtt: return plain(TranscriptFormat.vtt.render(result), "text/vtt; charset=utf-8")
        case .verbose_json: return json(verboseJSON(result, task: task, segments: asked.segmentTimes, words: asked.wordTimes))
        }
    }

    /// OpenAI's verbose_json: the language by name, segments with openai-whisper's scores, words without the
    /// leading space (OpenAI's convention; openai-whisper's own JSON keeps it).
    static func verboseJSON(_ result: Transcription, task: WhisperTask, segments: Bool, words: Bool) -> [String: Any] {
        var document: [String: Any] = [
            "task": task == .translate ? "translate" : "transcribe",
            "language": LanguageNames.name(result.language),
            "duration": result.duration,
            "text": result.text.trimmingCharacters(in: .whitespaces),
        ]
        if segments {
            document["segments"] = result.segments.enumerated().map { index, segment -> [String: Any] in
                // seek: where the segment starts, in the 10-ms feature frames openai-whisper counts in.
                ["id": index, "seek": Int((segment.start * 100).rounded(.down)), "start": segment.start, "end": segment.end,
                 "text": segment.text, "tokens": segment.tokens, "temperature": Double(segment.temperature),
                 "avg_logprob": Double(segment.averageLogProbability), "compression_ratio": Double(segment.compressionRatio),
                 "no_speech_prob": Double(segment.noSpeechProbability)]
            }
        }
        if words {
            document["words"] = result.segments.flatMap(\.words).map { word -> [String: Any] in
                ["word": word.text.trimmingCharacters(in: .whitespaces), "start": word.start, "end": word.end]
            }
        }
        return document
    }

    /// stream=true: server-sent events as OpenAI's API sends them, a `transcript.text.delta` for each segment as
    /// its window is decoded and `transcript.text.done` with the whole text. Errors before the first byte (a full
    /// queue, audio that cannot be read) are ordinary error responses.
    func streamTranscription(_ asked: TranscriptionRequest, transcriber: Transcriber, context: HarkContext) async throws -> Response {
        let (events, continuation) = AsyncThrowingStream<String, Error>.makeStream()
        let uploads = self.uploads, metrics = self.metrics, workers = self.workers, channel = context.channel
        Task {
            do {
                _ = try await workers.run(closingWith: channel) { () throws -> Bool in
                    let audio = try uploads.decode(asked.upload)
                    continuation.yield("")
                    var first = true
                    let result = try transcriber.transcribe(audio.samples, options: asked.options,
                                                            progress: { _ in try Task.checkCancellation() },
                                                            decoded: { segments in
                        var delta = segments.map(\.text).joined()
                        if first { delta = String(delta.drop { $0 == " " }) }
                        first = false
                        continuation.yield(Self.event(["type": "transcript.text.delta", "delta": delta]))
                    })
                    metrics.recognized(seconds: Double(audio.samples.count) / 16_000)
                    continuation.yield(Self.event(["type": "transcript.text.done", "text": result.text.trimmingCharacters(in: .whitespaces)]))
                    return true
                }
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        var iterator = events.makeAsyncIterator()
        _ = try await iterator.next()  // admitted and the audio read, or the error to answer with
        let remaining = UnsafeTransfer(iterator)
        return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"],
                        body: ResponseBody { writer in
            var iterator = remaining.value
            do {
                while let event = try await iterator.next() { try await writer.write(ByteBuffer(string: event)) }
            } catch {
                let failure = Observed<HarkContext>.apiError(error, path: "/v1/audio/transcriptions")
                try await writer.write(ByteBuffer(string: Self.event(["type": "error", "error": ["message": failure.message, "type": failure.type]])))
            }
            try await writer.finish(nil)
        })
    }

    static func event(_ object: [String: Any]) -> String {
        "data: " + ((try? jsonLine(object)) ?? "{}") + "\n\n"
    }
}

/// Hands a value that is used by one task at a time across a task boundary.
struct UnsafeTransfer<Value>: @unchecked Sendable {
    var value: Value
    init(_ value: Value) { self.value = value }
}

/// Whisper's language codes to the English names OpenAI's API reports ("en" -> "english"), from openai-whisper's table.
enum LanguageNames {
    static let table: [String: String] = {
        guard let url = Bundle.module.url(forResource: "languages", withExtension: "json"),
              let data = try? Data(contentsOf: url),
              let table = try? JSONDecoder().decode([String: String].self, from: data) else { return [:] }
        return table
    }()

    static func name(_ code: String) -> String { table[code] ?? code }
}
