// The seam between the SLU cascade and a language model: log-likelihoods of continuations after a prompt.

/// The score of one continuation after a prompt.
public struct ContinuationScore: Equatable, Sendable, Codable {
    /// Sum of the continuation tokens' log-probabilities (natural log).
    public var logProbability: Double
    public var tokenCount: Int

    public init(logProbability: Double, tokenCount: Int) {
        self.logProbability = logProbability
        self.tokenCount = tokenCount
    }
}

/// A language model that scores continuations: the embedded Gemma model or an OpenAI-compatible server.
public protocol LogLikelihoodScorer {
    /// Summed log-probability of each continuation given the prompt, in the order given.
    func logLikelihoods(prompt: String, continuations: [String]) async throws -> [ContinuationScore]
    /// Greedy generation of up to `maxTokens` tokens after the prompt, stopping at any of `stop`.
    func generate(prompt: String, maxTokens: Int, stop: [String]) async throws -> String
    /// Identifies the model for caches and reports (file fingerprint or server URL plus model name).
    var fingerprint: String { get }
    /// How many prompts may be scored at once: a server batches concurrent requests, the embedded model does not.
    var maxConcurrentRequests: Int { get }
}

extension LogLikelihoodScorer {
    public var maxConcurrentRequests: Int { 1 }
}
