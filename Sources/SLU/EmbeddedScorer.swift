// The embedded Gemma model as the cascade's default scorer.
import LLM

public struct EmbeddedScorer: LogLikelihoodScorer {
    public let scorer: Scorer

    public init(scorer: Scorer) { self.scorer = scorer }

    public func logLikelihoods(prompt: String, continuations: [String]) async throws -> [ContinuationScore] {
        scorer.logLikelihoods(prompt: prompt, continuations: continuations)
            .map { ContinuationScore(logProbability: $0.logProbability, tokenCount: $0.tokenCount) }
    }

    public func generate(prompt: String, maxTokens: Int, stop: [String]) async throws -> String {
        scorer.generate(prompt: prompt, maxTokens: maxTokens, stop: stop)
    }

    public var fingerprint: String { scorer.fingerprint }
}
