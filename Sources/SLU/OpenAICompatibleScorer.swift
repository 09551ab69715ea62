// An OpenAI-compatible completions server (llama.cpp's server, llama-cpp-python, vLLM) as the cascade's scorer.
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

public enum LLMServerError: Error, CustomStringConvertible, Equatable {
    case cannotReach(url: String, reason: String)
    case timedOut(url: String, seconds: Double)
    case httpStatus(url: String, status: Int, message: String)
    case notCompletions(url: String)
    case noLogProbabilities(url: String)
    case noModels(url: String)

    public var description: String {
        switch self {
        case let .cannotReach(url, reason): return "cannot reach the LLM server at \(url): \(reason)"
        case let .timedOut(url, seconds): return "the LLM server at \(url) did not answer within \(String(format: "%g", seconds)) s (--llm-timeout)"
        case let .httpStatus(url, status, message): return "the LLM server at \(url) answered HTTP \(status): \(message)"
        case let .notCompletions(url): return "the LLM server at \(url) answered something that is not an OpenAI completions response"
        case let .noLogProbabilities(url):
            return "the LLM server at \(url) gave no log-probabilities for the prompt: it must support echo with logprobs (llama-cpp-python: --logits_all true)"
        case let .noModels(url): return "the LLM server at \(url) lists no model at /v1/models (give --llm-model)"
        }
    }
}

/// Scores continuations through `POST /v1/completions` with `echo` and `logprobs`: the server returns the
/// log-probability of every prompt token, and the continuation's are summed.
public struct OpenAICompatibleScorer: LogLikelihoodScorer {
    public let baseURL: URL
    public let model: String
    public let timeout: Double
    /// Requests in flight at once (`--llm-concurrency`), counted across every prompt being scored.
    public let maxConcurrentRequests: Int
    private let session: URLSession
    private let limiter: RequestLimiter

    /// Connects to the server; without a model name, takes the first model `/v1/models` lists.
    public static func connect(url: URL, model: String?, timeout: Double, concurrency: Int = 1) async throws -> OpenAICompatibleScorer {
        var scorer = OpenAICompatibleScorer(baseURL: url, model: model ?? "", timeout: timeout, concurrency: concurrency)
        if model == nil {
            let listing = try await scorer.request(path: "v1/models", body: nil)
            guard let models = listing["data"] as? [[String: Any]] else { throw LLMServerError.notCompletions(url: url.absoluteString) }
            guard let first = models.first?["id"] as? String else { throw LLMServerError.noModels(url: url.absoluteString) }
            scorer = OpenAICompatibleScorer(baseURL: url, model: first, timeout: timeout, concurrency: concurrency)
        }
        return scorer
    }

    public init(baseURL: URL, model: String, timeout: Double, concurrency: Int = 1) {
        self.baseURL = baseURL
        self.model = model
        self.timeout = timeout
        maxConcurrentRequests = max(1, concurrency)
        limiter = RequestLimiter(permits: max(1, concurrency))
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        configuration.timeoutIntervalForResource = timeout
        session = URLSession(configuration: configuration)
    }

    public var fingerprint: String { "\(baseURL.absoluteString)#\(model)" }

    /// One request per continuation, up to `maxConcurrentRequests` at once: servers keep the prompt's cache
    /// between requests sharing a prefix (llama.cpp reuses the longest common prefix) and batch concurrent ones.
    public func logLikelihoods(prompt: String, continuations: [String]) async throws -> [ContinuationScore] {
        try await concurrentMap(continuations, limit: maxConcurrentRequests) { try await self.score(prompt: prompt, continuation: $0) }
    }

    private func score(prompt: String, continuation: String) async throws -> ContinuationScore {
        // max_tokens 1: some servers read 0 as "no limit"; the one generated token lies past the text and is skipped.
        let answer = try await completion(["prompt": prompt + continuation, "max_tokens": 1, "echo": true, "logprobs": 1, "temperature": 0])
        guard let logprobs = answer["logprobs"] as? [String: Any],
              let offsets = logprobs["text_offset"] as? [Int],
              let values = logprobs["token_logprobs"] as? [Any], offsets.count == values.count, !offsets.isEmpty
        else { throw LLMServerError.noLogProbabilities(url: baseURL.absoluteString) }
        // Offsets count Unicode code points (Python string indices) of the detokenized text. llama.cpp-based
        // servers measure them by decoding token prefixes, which loses a few code points in some scripts
        // (measured: 12 of 203 in a Hindi prompt), so the offsets are shifted by the shortfall between the
        // echoed text and the end of the last token. A token that starts inside the prompt belongs to the
        // prompt; our prompts end in a word and continuations start with a space, so none straddles them.
        var shortfall = 0
        if let echoed = answer["text"] as? String, let tokens = logprobs["tokens"] as? [String], let last = tokens.last {
            shortfall = max(0, echoed.unicodeScalars.count - (offsets[offsets.count - 1] + last.unicodeScalars.count))
        }
        let start = prompt.unicodeScalars.count - shortfall, end = start + continuation.unicodeScalars.count
        var sum = 0.0, count = 0
        for (offset, value) in zip(offsets, values) where offset >= start && offset < end {
            guard let logProbability = (value as? NSNumber)?.doubleValue else {
                throw LLMServerError.noLogProbabilities(url: baseURL.absoluteString)
            }
            sum += logProbability
            count += 1
        }
        guard count > 0 else { throw LLMServerError.noLogProbabilities(url: baseURL.absoluteString) }
        return ContinuationScore(logProbability: sum, tokenCount: count)
    }

    public func generate(prompt: String, maxTokens: Int, stop: [String]) async throws -> String {
        let answer = try await completion(["prompt": prompt, "max_tokens": max(1, maxTokens), "temperature": 0, "stop": stop])
        guard let text = answer["text"] as? String else { throw LLMServerError.notCompletions(url: baseURL.absoluteString) }
        return text
    }

    /// The first choice of a completions response.
    private func completion(_ parameters: [String: Any]) async throws -> [String: Any] {
        var body = parameters
        body["model"] = model
        let response = try await request(path: "v1/completions", body: body)
        guard let choices = response["choices"] as? [[String: Any]], let first = choices.first else {
            throw LLMServerError.notCompletions(url: baseURL.absoluteString)
        }
        return first
    }

    private func request(path: String, body: [String: Any]?) async throws -> [String: Any] {
        await limiter.acquire()
        do {
            let answer = try await send(path: path, body: body)
            await limiter.release()
            return answer
        } catch {
            await limiter.release()
            throw error
        }
    }

    private func send(path: String, body: [String: Any]?) async throws -> [String: Any] {
        let url = baseURL.appendingPathComponent(path)
        var request = URLRequest(url: url, timeoutInterval: timeout)
        if let body {
            request.httpMethod = "POST"
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.httpBody = try JSONSerialization.data(withJSONObject: body)
        }
        let data: Data, response: URLResponse
        do {
            (data, response) = try await session.data(for: request)
        } catch let error as URLError where error.code == .timedOut {
            throw LLMServerError.timedOut(url: baseURL.absoluteString, seconds: timeout)
        } catch {
            throw LLMServerError.cannotReach(url: baseURL.absoluteString, reason: (error as NSError).localizedDescription)
        }
        let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        if let http = response as? HTTPURLResponse, !(200..<300).contains(http.statusCode) {
            let message = ((object?["error"] as? [String: Any])?["message"] as? String)
                ?? (object?["detail"] as? String)
                ?? String(decoding: data.prefix(200), as: UTF8.self)
            throw LLMServerError.httpStatus(url: baseURL.absoluteString, status: http.statusCode,
                                            message: message.replacingOccurrences(of: "\n", with: " "))
        }
        guard let object else { throw LLMServerError.notCompletions(url: baseURL.absoluteString) }
        return object
    }
}

/// At most `permits` requests in flight across every copy of a scorer; waiters are served in arrival order.
private actor RequestLimiter {
    private var available: Int
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(permits: Int) { available = permits }

    func acquire() async {
        if available > 0 {
            available -= 1
        } else {
            await withCheckedContinuation { waiting.append($0) }
        }
    }

    func release() {
        if waiting.isEmpty { available += 1 } else { waiting.removeFirst().resume() }
    }
}
