// `hark serve`: OpenAI's audio API, the SLU cascade and live streams over HTTP, with the models loaded once.
import ArgumentParser
import Foundation
import Logging
import SLU
import Server

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve Whisper, the SLU cascade and live streams over HTTP (OpenAI's audio API) and WebSocket.",
        discussion: """
            Routes: POST /v1/audio/transcriptions and /v1/audio/translations (OpenAI's fields and response formats, \
            stream=true for server-sent events), POST /v1/classify and /v1/answer (as `hark classify --json` and \
            `hark answer --json`), GET /v1/stream (WebSocket: binary frames of PCM in, `hark stream --output jsonl` \
            events out; an empty binary frame ends the audio), GET /v1/models, /health, /metrics (Prometheus).
            When every worker is busy and --queue requests wait, more are refused with 429 and Retry-After. SIGTERM \
            or SIGINT stop accepting connections, let requests in flight finish, and exit 0.
              hark serve --port 8080
              curl -F file=@Audio/jfk.flac -F model=whisper-1 http://127.0.0.1:8080/v1/audio/transcriptions
              OpenAI(base_url="http://127.0.0.1:8080/v1", api_key="unused").audio.transcriptions.create(...)
            """)

    @Option(help: "Address to listen on (loopback unless told otherwise: 0.0.0.0 for every interface).")
    var host = "127.0.0.1"

    @Option(help: "Port to listen on (0: any free port, printed at start).")
    var port = 8080

    @OptionGroup var whisper: WhisperOptions

    @OptionGroup var llm: LLMOptions

    @Flag(help: "Serve transcription only, without loading the language model (/v1/classify and /v1/answer answer 503).")
    var noLLM = false

    @Option(help: "Requests decoded at once (each on its own thread; a live stream holds one for its duration).")
    var workers = 1

    @OptionGroup var threads: ThreadOptions

    @Option(help: "Requests that may wait for a worker; more are refused with 429.")
    var queue = 16

    @Option(help: "Largest upload, in megabytes (OpenAI's limit is 25); larger ones are refused with 413.")
    var maxUploadMb = 25

    @Option(help: "Seconds a request may wait and run before it is answered 504.")
    var timeout: Double = 600

    @Option(help: "Beam size for every request.")
    var beamSize = 5

    @Option(help: "Require 'Authorization: Bearer KEY' (also read from $HARK_API_KEY); /health and /metrics stay open.")
    var apiKey: String?

    func validate() throws {
        guard (0...65_535).contains(port) else { throw ValidationError("--port must be between 0 and 65535") }
        guard workers >= 1 else { throw ValidationError("--workers must be at least 1") }
        guard queue >= 0 else { throw ValidationError("--queue must not be negative") }
        guard maxUploadMb >= 1 else { throw ValidationError("--max-upload-mb must be at least 1") }
        guard timeout > 0 else { throw ValidationError("--timeout must be positive") }
        guard beamSize >= 1 else { throw ValidationError("--beam-size must be at least 1") }
        if noLLM, llm.llm != nil || llm.llmURL != nil { throw ValidationError("--no-llm and --llm/--llm-url contradict each other") }
    }

    func run() async throws {
        let logger = Logger(label: "hark-serve") { StreamLogHandler.standardError(label: $0) }
        let pool = threads.pool()
        let models = ServedModels(whisper: try whisper.load(pool: pool), scorer: noLLM ? nil : try await llm.scorer(pool: pool))
        var configuration = ServerConfiguration()
        configuration.host = host
        configuration.port = port
        configuration.workers = workers
        configuration.queue = queue
        configuration.maxUploadBytes = maxUploadMb << 20
        configuration.timeout = .milliseconds(Int64(timeout * 1000))
        configuration.beamSize = beamSize
        configuration.modelName = whisper.model
        configuration.language = whisper.forcedLanguage
        configuration.apiKey = apiKey ?? ProcessInfo.processInfo.environment["HARK_API_KEY"].flatMap { $0.isEmpty ? nil : $0 }
        let server = try HarkServer(configuration: configuration, models: models, logger: logger)
        try await server.run { port in printError("hark serve: listening on http://\(host):\(port)") }
    }
}
