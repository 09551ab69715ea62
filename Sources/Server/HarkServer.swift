// `hark serve`'s server: OpenAI's audio API, the SLU cascade and live streams over HTTP/1 and WebSocket (Hummingbird).
import Foundation
import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore
import SLU
import ServiceLifecycle
import Whisper

/// Where to listen and how much work to take; the CLI fills it from its options.
public struct ServerConfiguration: Sendable {
    public var host = "127.0.0.1"
    public var port = 8080
    /// Requests (and live streams) decoded at once, each on its own worker thread.
    public var workers = 1
    /// Requests waiting for a worker; one more is refused with 429.
    public var queue = 16
    /// OpenAI's own limit: 25 MB.
    public var maxUploadBytes = 25 << 20
    /// Required as `Authorization: Bearer KEY` when set.
    public var apiKey: String?
    /// Longest time a request may wait and run before it is answered 504.
    public var timeout: Duration = .seconds(600)
    /// The name /v1/models lists; requests may also say OpenAI's "whisper-1".
    public var modelName = "base"
    /// Beam search width for every request (OpenAI's API has no field for it).
    public var beamSize = 5
    /// The language of requests that name none (`--language`); nil detects it.
    public var language: String?

    public init() {}
}

/// The models, loaded once before the server listens.
public struct ServedModels: @unchecked Sendable {
    public let whisper: WhisperModel
    /// The cascade's language model; nil serves transcription only (/v1/classify and /v1/answer answer 503).
    public let scorer: LogLikelihoodScorer?

    public init(whisper: WhisperModel, scorer: LogLikelihoodScorer?) {
        self.whisper = whisper
        self.scorer = scorer
    }
}

/// A request's context: Hummingbird's, plus the connection, whose closing stops the request's work.
struct HarkContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }
}

/// A WebSocket upgrade's context: what the upgrade request decided travels to the socket.
struct StreamContext: RequestContext, WebSocketRequestContext {
    var coreContext: CoreRequestContextStorage
    let webSocket: WebSocketHandlerReference<StreamContext>
    let ticket = StreamTicket()

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        webSocket = .init()
    }
}

public struct HarkServer: Sendable {
    let configuration: ServerConfiguration
    let models: ServedModels
    let workers: Workers
    let uploads: UploadFolder
    let metrics = ServerMetrics()
    let logger: Logger

    public init(configuration: ServerConfiguration, models: ServedModels, logger: Logger) throws {
        self.configuration = configuration
        self.models = models
        self.logger = logger
        // A default language the model does not know stops the server at start, not each request.
        try Self.check(language: configuration.language, model: models.whisper)
        workers = Workers(count: configuration.workers, queueLimit: configuration.queue, timeout: configuration.timeout)
        uploads = try UploadFolder()
    }

    /// Serves until SIGTERM or SIGINT: then no new connection is accepted, requests in flight finish, and this
    /// returns. `onListening` hears the bound port (useful with port 0).
    public func run(onListening: @escaping @Sendable (Int) -> Void = { _ in }) async throws {
        defer { uploads.remove() }
        let app = Application(
            router: httpRouter(),
            server: .http1WebSocketUpgrade(webSocketRouter: streamRouter(),
                                           configuration: .init(http1: .init(additionalChannelHandlers: [HangUpDetector()]),
                                                                ws: .init(maxFrameSize: 1 << 20))),
            configuration: ApplicationConfiguration(address: .hostname(configuration.host, port: configuration.port), serverName: "hark"),
            onServerRunning: { channel in onListening(channel.localAddress?.port ?? 0) },
            logger: logger)
        try await app.runService(gracefulShutdownSignals: [.sigterm, .sigint])
    }

    func httpRouter() -> Router<HarkContext> {
        let router = Router(context: HarkContext.self)
        router.middlewares.add(Observed(metrics: metrics, logger: logger))
        if let key = configuration.apiKey { router.middlewares.add(BearerKey<HarkContext>(key: key)) }
        router.get("/health") { _, _ in Self.json(["status": "ok"]) }
        router.get("/metrics") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                     body: .init(byteBuffer: ByteBuffer(string: metrics.exposition(admission: workers.admission))))
        }
        router.get("/v1/models") { _, _ in
            Self.json(["object": "list", "data": [configuration.modelName, "whisper-1"].map {
                ["id": $0, "object": "model", "created": 0, "owned_by": "hark"] as [String: Any]
            }])
        }
        router.post("/v1/audio/transcriptions") { request, context in try await transcribe(request, context: context, task: .transcribe) }
        router.post("/v1/audio/translations") { request, context in try await transcribe(request, context: context, task: .translate) }
        router.post("/v1/classify") { request, context in try await classify(request, context: context) }
        router.post("/v1/answer") { request, context in try await answer(request, context: context) }
        return router
    }

    func streamRouter() -> Router<StreamContext> {
        let router = Router(context: StreamContext.self)
        router.middlewares.add(Observed(metrics: metrics, logger: logger))
        router.ws("/v1/stream") { request, context in
            admitStream(request, context: context)
        } onUpgrade: { inbound, outbound, context in
            try await stream(inbound: inbound, outbound: outbound, context: context)
        }
        return router
    }

    // MARK: Shared pieces

    /// The request's body, refused with 413 past the upload limit; with 429 before it is read when the queue is
    /// full already (a burst of uploads is not held in memory only to be refused).
    func form(_ request: Request) async throws -> RequestForm {
        if workers.admission.isFull { throw APIError.busy(retryAfterSeconds: 1) }
        let limit = configuration.maxUploadBytes
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limit {
            throw Self.tooLarge(length, limit: limit)
        }
        let body: ByteBuffer
        do { body = try await request.body.collect(upTo: limit) } catch let error as HTTPError where error.status == .contentTooLarge {
            throw Self.tooLarge(nil, limit: limit)
        }
        return try RequestForm(body: body, contentType: request.headers[.contentType])
    }

    static func tooLarge(_ length: Int?, limit: Int) -> APIError {
        APIError(status: .contentTooLarge,
                 message: "the upload\(length.map { " (\($0) bytes)" } ?? "") is larger than the server's limit of \(limit) bytes (--max-upload-mb)",
                 param: "file", code: "file_too_large")
    }

    /// A request's language: the one it names ("auto" detects it), else the server's; refused (400) when the
    /// model does not know it.
    func language(_ asked: String?) throws -> String? {
        var resolved = configuration.language
        if let asked = asked?.trimmingCharacters(in: .whitespaces).lowercased(), !asked.isEmpty { resolved = asked == "auto" ? nil : asked }
        do { try Self.check(language: resolved, model: models.whisper) } catch {
            throw APIError.badRequest("\(error)", param: "language", code: "unsupported_language")
        }
        return resolved
    }

    /// Throws the transcriber's one-line error when `model` cannot decode `language` (nil: detect).
    static func check(language: String?, model: WhisperModel) throws {
        var options = DecodingOptions()
        options.language = language
        try Transcriber(model: model).check(options)
    }

    /// Checks a request's model name: the served one, or OpenAI's "whisper-1" (the name clients send by default).
    func checkModel(_ form: RequestForm) throws {
        guard let name = form.text("model") else { return }
        guard name == configuration.modelName || name == "whisper-1" else {
            throw APIError(status: .notFound, message: "The model '\(name)' does not exist: this server has '\(configuration.modelName)' (or say 'whisper-1')",
                           param: "model", code: "model_not_found")
        }
    }

    static func json(_ object: [String: Any], status: HTTPResponse.Status = .ok) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

/// Counts and times every request for /metrics, logs it, and turns every failure into OpenAI's error body.
struct Observed<Context: RequestContext>: RouterMiddleware {
    let metrics: ServerMetrics
    let logger: Logger
    static var routes: Set<String> {
        ["/health", "/metrics", "/v1/models", "/v1/audio/transcriptions", "/v1/audio/translations", "/v1/classify", "/v1/answer", "/v1/stream"]
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let route = Self.routes.contains(request.uri.path) ? request.uri.path : "other"
        let response: Response
        do {
            response = try await next(request, context)
        } catch {
            let failure = Self.apiError(error, path: request.uri.path)
            metrics.request(route: route, status: Int(failure.status.code), duration: ContinuousClock.now - start)
            if failure.status.code >= 500 { logger.error("\(request.method) \(request.uri.path): \(failure.message)") }
            throw failure
        }
        metrics.request(route: route, status: Int(response.status.code), duration: ContinuousClock.now - start)
        return response
    }

    static func apiError(_ error: Error, path: String) -> APIError {
        switch error {
        case let error as APIError: return error
        case let error as HTTPError where error.status == .notFound: return .notFound(path)
        case let error as HTTPError:
            return APIError(status: error.status, message: error.body ?? error.status.reasonPhrase,
                            type: error.status.code >= 500 ? "server_error" : "invalid_request_error")
        case is CancellationError:
            return APIError(status: .init(code: 499, reasonPhrase: "Client Closed Request"), message: "the client went away", type: "server_error")
        default:
            return APIError(status: .internalServerError, message: String(describing: error), type: "server_error")
        }
    }
}

/// `Authorization: Bearer KEY` on every route but /health and /metrics (probes and scrapers carry no key).
struct BearerKey<Context: RequestContext>: RouterMiddleware {
    let key: String

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if request.uri.path == "/health" || request.uri.path == "/metrics" { return try await next(request, context) }
        guard Self.authorized(request, key: key) else { throw APIError.unauthorized() }
        return try await next(request, context)
    }

    static func authorized(_ request: Request, key: String) -> Bool {
        // Compared in time independent of where they differ, so the key cannot be guessed byte by byte.
        let expected = Array("Bearer \(key)".utf8), actual = Array((request.headers[.authorization] ?? "").utf8)
        var difference = expected.count ^ actual.count
        for index in expected.indices { difference |= Int(expected[index] ^ (index < actual.count ? actual[index] : 0)) }
        return difference == 0
    }
}
