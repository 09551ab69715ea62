// GET /v1/stream: live audio over a WebSocket (binary frames of raw PCM in, `hark stream --output jsonl` events out).
import Audio
import Foundation
import Hummingbird
import HummingbirdWebSocket
import NIOCore
import NIOWebSocket
import SLU
import Streaming
import Whisper

/// What the upgrade request decided, carried to the socket: the stream's worker slot and parameters, or why it
/// is refused. Hummingbird answers a declined upgrade with a bare 400, which would hide the reason (and the 401 or
/// 429 behind it), so every /v1/stream request is upgraded and a refusal is an error event and a close code.
final class StreamTicket: @unchecked Sendable {
    enum Decision {
        /// The parameters, the audio source built from them and the resolved language (nil: detect).
        case admitted(StreamParameters, PushedAudio, language: String?, Admission)
        case refused(APIError, closeCode: WebSocketErrorCode)
    }

    private let lock = NSLock()
    private var decision: Decision?

    func decide(_ decision: Decision) { lock.withLock { self.decision = decision } }

    /// Taken once, by the socket's handler.
    func take() -> Decision? { lock.withLock { defer { decision = nil }; return decision } }
}

/// The stream's query parameters: the PCM format and rate as `hark stream` takes them, the language, and the
/// decoding step (`--step-ms`).
public struct StreamParameters: Sendable {
    public var format = RawSampleFormat.s16le
    public var rate = 16_000
    public var channels = 1
    /// As the client named it ("auto" detects); nil when it named none.
    public var language: String?
    public var stepMs = StreamOptions().stepMilliseconds

    /// The stream's options with the client's step.
    var streamOptions: StreamOptions {
        var options = StreamOptions()
        options.stepMilliseconds = stepMs
        return options
    }

    init(_ request: Request) throws { try self.init(query: request.uri.query ?? "") }

    /// Parses a URI's query part (`format=s16le&rate=48000`). Every error is an `APIError` (400) with a one-line message.
    public init(query: String) throws {
        let items = URLComponents(string: "/?" + query)?.queryItems ?? []
        func value(_ name: String) -> String? { items.first { $0.name == name }?.value }
        if let value = value("format") {
            guard let format = RawSampleFormat(rawValue: value) else { throw APIError.badRequest("'format' must be s16le or f32le, got '\(value)'", param: "format") }
            self.format = format
        }
        for (name, keyPath) in [("rate", \StreamParameters.rate), ("channels", \StreamParameters.channels), ("step_ms", \StreamParameters.stepMs)] {
            guard let value = value(name) else { continue }
            guard let number = Int(value), number > 0 else { throw APIError.badRequest("'\(name)' must be a positive integer, got '\(value)'", param: name) }
            self[keyPath: keyPath] = number
        }
        guard (100...30_000).contains(stepMs) else { throw APIError.badRequest("'step_ms' must be between 100 and 30000", param: "step_ms") }
        language = value("language")
    }
}

/// Audio pushed from the socket's frames, read by the stream's AudioPump as if it came down a pipe: in blocks of
/// at least a decoding step (until the end), so that the first hand-over is a whole step, as when `hark stream`
/// reads a piped file. Frames are small (a client sends 20-100 ms each); handed over one by one, a client that
/// sends faster than real time would get other decode points, so other text, than `hark stream` on the same audio.
/// A live client's audio reaches the recognizer a step at a time, which is when it decodes anyway.
public final class PushedAudio: AudioSource, @unchecked Sendable {
    public let name = "websocket"
    private let decoder: RawPCMDecoder
    private let minimumBlock: Int
    private let condition = NSCondition()
    private var buffered: [Float] = []
    private var ended = false
    private var failure: Error?

    public init(_ parameters: StreamParameters) throws {
        decoder = try RawPCMDecoder(name: name, format: parameters.format, sampleRate: parameters.rate, channels: parameters.channels)
        minimumBlock = parameters.streamOptions.stepSamples
    }

    public var warnings: [String] { condition.withLock { decoder.warnings } }

    /// One binary frame's bytes.
    public func push(_ bytes: ByteBuffer) {
        condition.withLock {
            guard !ended else { return }
            do { buffered += try decoder.decode(bytes.readableBytesView) } catch { failure = error; ended = true }
            // The pump holds 30 s; beyond that, audio a client sends faster than it is decoded waits here, and a
            // client must not be able to fill the server's memory with it.
            if buffered.count > Self.maximumWaiting {
                failure = APIError.badRequest("audio arrives faster than it is decoded: more than \(Self.maximumWaiting / speechSampleRate) s wait; send it in real time")
                ended = true
            }
            condition.broadcast()
        }
    }

    /// Ten minutes of samples (38 MB).
    static let maximumWaiting = 600 * speechSampleRate

    /// The end of the audio (an empty frame, a closed socket).
    public func end() {
        condition.withLock {
            guard !ended else { return }
            do { buffered += try decoder.finish() } catch { failure = error }
            ended = true
            condition.broadcast()
        }
    }

    public func nextBlock() throws -> [Float]? {
        condition.lock()
        defer { condition.unlock() }
        while buffered.count < minimumBlock && !ended { condition.wait() }
        if !buffered.isEmpty {
            defer { buffered = [] }
            return buffered
        }
        if let failure { throw failure }
        return nil
    }
}

/// Why the client's own frames ended the stream (a text frame), set by the reading task.
private final class Refusal: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: APIError?
    var error: APIError? {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }
}

extension HarkServer {
    /// Decides before the upgrade: a wrong key (1008), bad parameters (1008) and no free worker (1013, try again
    /// later: a live stream cannot wait in the queue, its audio would pile up) are refused on the socket.
    func admitStream(_ request: Request, context: StreamContext) -> RouterShouldUpgrade {
        context.ticket.decide(streamDecision(request))
        return .upgrade([:])
    }

    private func streamDecision(_ request: Request) -> StreamTicket.Decision {
        if let key = configuration.apiKey, !BearerKey<StreamContext>.authorized(request, key: key) {
            return .refused(.unauthorized(), closeCode: .policyViolation)
        }
        let parameters: StreamParameters, audio: PushedAudio, language: String?
        do {
            parameters = try StreamParameters(request)
            audio = try PushedAudio(parameters)
            language = try self.language(parameters.language)
        } catch {
            return .refused(error as? APIError ?? .badRequest("\(error)"), closeCode: .policyViolation)
        }
        guard workers.admission.tryEnter() else { return .refused(.busy(retryAfterSeconds: 5), closeCode: .unknown(1013)) }
        return .admitted(parameters, audio, language: language, workers.admission)
    }

    /// Binary frames are PCM; an empty binary frame ends the audio (the last text is decoded and sent, then the
    /// server closes the socket; closing it from the client's side ends the audio too, but the client no longer
    /// hears the rest). A text frame ends the audio as well, then an error event is sent and the socket closed with 1003.
    func stream(inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter,
                context: WebSocketRouterContext<StreamContext>) async throws {
        let parameters: StreamParameters, audio: PushedAudio, language: String?, admission: Admission
        switch context.requestContext.ticket.take() {
        case let .admitted(admitted, source, resolved, slot)?:
            (parameters, audio, language, admission) = (admitted, source, resolved, slot)
        case let .refused(error, closeCode)?:
            try? await outbound.write(.text(Self.errorEvent(error)))
            try? await outbound.close(closeCode, reason: error.code)
            return
        case nil:
            return
        }
        defer { admission.leave() }
        let decoder = WhisperUtteranceDecoder(model: models.whisper, language: language, shortEncoderWindows: true)
        let (events, continuation) = AsyncStream<String>.makeStream()
        let metrics = self.metrics
        // The decoding loop blocks its thread (waiting for audio, decoding), so it runs on a worker thread.
        let decoding = Task(executorPreference: workers.threads) {
            let pump = AudioPump(source: audio)
            let options = parameters.streamOptions
            let recognizer = StreamRecognizer(decoder: decoder, options: options)
            var heard = 0
            do {
                while let block = try pump.next(stepSamples: options.stepSamples) {
                    heard += block.count
                    for event in try recognizer.feed(block) { if let line = event.jsonLine { continuation.yield(line) } }
                }
                for event in try recognizer.finish() { if let line = event.jsonLine { continuation.yield(line) } }
            } catch {
                for event in (try? recognizer.finish()) ?? [] { if let line = event.jsonLine { continuation.yield(line) } }
                continuation.yield(Self.errorEvent(APIError.badRequest("\(error)")))
            }
            metrics.recognized(seconds: Double(heard) / Double(speechSampleRate))
            continuation.finish()
        }
        // The socket is read to its end, after the audio's too: the client's pings are answered there, and a long
        // recording sent faster than real time takes a while to decode.
        let refusal = Refusal()
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                do {
                    for try await message in inbound.messages(maxSize: 1 << 22) {
                        switch message {
                        case let .binary(bytes):
                            if bytes.readableBytes == 0 { audio.end() } else { audio.push(bytes) }
                        case .text:
                            refusal.error = APIError(status: .badRequest, message: "this socket takes binary frames of \(parameters.format.rawValue) PCM, not text",
                                                     code: "unsupported_data")
                            audio.end()
                            return
                        }
                    }
                } catch {
                    // The client broke the protocol or went away: the audio so far is still decoded.
                }
                audio.end()
            }
            for await line in events { try? await outbound.write(.text(line)) }
            group.cancelAll()
        }
        await decoding.value
        if let error = refusal.error {
            try? await outbound.write(.text(Self.errorEvent(error)))
            try? await outbound.close(.unacceptableData, reason: error.code)
        }
    }

    static func errorEvent(_ error: APIError) -> String {
        (try? jsonLine(["type": "error", "error": ["message": error.message, "type": error.type, "code": error.code ?? NSNull()] as [String: Any]])) ?? "{}"
    }
}
