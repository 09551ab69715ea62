// Scoring a question's candidates (topic labels, answer options) after a prompt, and combining n-best hypotheses.
import Foundation

/// What the LLM is asked: the candidate strings it scores and how transcripts become the prompt before them.
public struct CandidateQuestion: Sendable {
    /// Labels or option texts, in the order decisions report them.
    public let candidates: [String]
    private let render: @Sendable ([TranscriptHypothesis]) -> String

    public init(candidates: [String], render: @escaping @Sendable ([TranscriptHypothesis]) -> String) {
        self.candidates = candidates
        self.render = render
    }

    /// Each candidate after a space, as a continuation of the prompt's last word.
    public var continuations: [String] { candidates.map { " " + $0.trimmed } }

    public func prompt(_ hypotheses: [TranscriptHypothesis]) -> String { render(hypotheses) }
}

/// How candidate scores are read: the calibrated difference to a content-free input ("Calibrate before use",
/// Zhao et al. 2021), the raw log-likelihood (lm-evaluation-harness' `acc`), or the raw log-likelihood per byte
/// of the candidate (its `acc_norm`).
public enum ScoreKind: String, CaseIterable, Sendable, Codable {
    case calibrated = "cal", raw, normalized = "norm"

    /// The kind chosen per task on the held-out set's dev split (Benchmarks/results/slu-heldout/): calibration
    /// for topic labels; per-byte log-likelihoods for answer options, whose lengths differ.
    public static func chosen(for task: PromptTemplate.Task) -> ScoreKind { task == .topic ? .calibrated : .normalized }
}

/// The LLM's scores of one prompt's candidates, with what every score kind needs.
public struct CandidateScores: Equatable, Sendable, Codable {
    public var raw: [Double]
    /// The same candidates after the content-free input; nil when calibration was not asked for.
    public var prior: [Double]?
    /// UTF-8 length of each continuation, for the per-byte normalization.
    public var byteCounts: [Int]

    public init(raw: [Double], prior: [Double]?, byteCounts: [Int]) {
        self.raw = raw
        self.prior = prior
        self.byteCounts = byteCounts
    }

    public func values(_ kind: ScoreKind) -> [Double] {
        switch kind {
        case .raw: return raw
        case .calibrated: return zip(raw, prior ?? raw.map { _ in 0 }).map { $0 - $1 }
        case .normalized: return zip(raw, byteCounts).map { $0 / Double(max(1, $1)) }
        }
    }
}

/// Asks the scorer for candidate scores; the content-free prompt's scores are cached by prompt, so a topic run
/// scores its label prior once, and copies of this value share the cache.
public struct CandidateScorer {
    public let scorer: LogLikelihoodScorer
    private let priors = PriorCache()

    public init(scorer: LogLikelihoodScorer) { self.scorer = scorer }

    public func scores(_ question: CandidateQuestion, prompt: String, calibrate: Bool) async throws -> CandidateScores {
        let continuations = question.continuations
        let raw = try await scorer.logLikelihoods(prompt: prompt, continuations: continuations).map(\.logProbability)
        var prior: [Double]?
        if calibrate {
            let neutral = question.prompt([TranscriptHypothesis(text: TopicPrompt.contentFree, score: 0)])
            if let cached = priors[neutral] {
                prior = cached
            } else {
                prior = try await scorer.logLikelihoods(prompt: neutral, continuations: continuations).map(\.logProbability)
                priors[neutral] = prior
            }
        }
        return CandidateScores(raw: raw, prior: prior, byteCounts: continuations.map(\.utf8.count))
    }

    /// The decision over n-best hypotheses, its prompts scored concurrently as far as the scorer allows.
    public func decide(_ question: CandidateQuestion, hypotheses: [TranscriptHypothesis], mode: NBestMode,
                       temperature: Double, kind: ScoreKind) async throws -> CandidateDecision {
        let plan = NBestPlan(question, hypotheses: hypotheses, mode: mode, temperature: temperature)
        let scores = try await concurrentMap(plan.prompts, limit: scorer.maxConcurrentRequests) {
            try await self.scores(question, prompt: $0, calibrate: kind == .calibrated)
        }
        return plan.decision(scores, kind: kind)
    }
}

/// The prompts an n-best decision asks: one (the list, the merged transcript, or a lone hypothesis), or in
/// marginal mode one per distinct hypothesis with its posterior weight. Callers that score prompts their own way
/// (`hark bench` reuses scores across configurations) share the rule through this value.
public struct NBestPlan: Sendable {
    public let prompts: [String]
    /// Marginal mode: each prompt's posterior weight; nil when one prompt decides.
    public let weights: [Double]?

    public init(_ question: CandidateQuestion, hypotheses: [TranscriptHypothesis], mode: NBestMode, temperature: Double) {
        if mode == .marginal, hypotheses.count > 1 {
            let distinct = Marginalization.distinct(hypotheses, temperature: temperature)
            prompts = distinct.map { question.prompt([$0.hypothesis]) }
            weights = distinct.map(\.weight)
        } else {
            prompts = [question.prompt(mode.promptInput(hypotheses))]
            weights = nil
        }
    }

    /// The decision from the prompts' scores, in the plan's order.
    public func decision(_ scores: [CandidateScores], kind: ScoreKind) -> CandidateDecision {
        guard let weights else {
            return CandidateDecision(scores: scores[0].values(kind), rawScores: scores[0].raw, prompt: prompts[0], weights: nil)
        }
        return Marginalization.decision(scores, weights: weights, kind: kind, prompt: prompts[0])
    }
}

/// A decision's scores per candidate, best = the highest.
public struct CandidateDecision: Equatable, Sendable {
    public var scores: [Double]
    public var rawScores: [Double]
    /// The prompt (marginal mode: the best hypothesis' prompt).
    public var prompt: String
    /// Marginal mode: each distinct hypothesis' posterior weight.
    public var weights: [Double]?

    public init(scores: [Double], rawScores: [Double], prompt: String, weights: [Double]?) {
        self.scores = scores
        self.rawScores = rawScores
        self.prompt = prompt
        self.weights = weights
    }

    /// The first of the highest-scoring candidates.
    public var best: Int { scores.indices.max { scores[$0] < scores[$1] || (scores[$0] == scores[$1] && $0 > $1) }! }
}

/// The results of `transform` in input order, with at most `limit` calls running at once.
public func concurrentMap<T, R>(_ items: [T], limit: Int, _ transform: @escaping (T) async throws -> R) async throws -> [R] {
    guard limit > 1, items.count > 1 else {
        var results: [R] = []
        for item in items { results.append(try await transform(item)) }
        return results
    }
    return try await withThrowingTaskGroup(of: (Int, R).self) { group in
        var results = [R?](repeating: nil, count: items.count), next = 0, running = 0
        while next < items.count || running > 0 {
            if next < items.count, running < limit {
                let index = next, item = items[index]
                group.addTask { (index, try await transform(item)) }
                next += 1
                running += 1
            } else if let (index, result) = try await group.next() {
                results[index] = result
                running -= 1
            }
        }
        return results.map { $0! }
    }
}

/// How an n-best list reaches the LLM: all hypotheses in one prompt as a numbered list, each hypothesis in its
/// own prompt with the decisions averaged under the recognizer's posterior (hypothesis marginalization), or one
/// transcript marked with the variants the others heard.
public enum NBestMode: String, CaseIterable, Sendable, Codable {
    case list, marginal
    /// The best hypothesis with the others' differing words as inline variants (`MergedTranscript`).
    case merged

    /// What one prompt holds in the single-prompt modes: the list itself, or the merged transcript.
    public func promptInput(_ hypotheses: [TranscriptHypothesis]) -> [TranscriptHypothesis] {
        guard self == .merged, hypotheses.count > 1 else { return hypotheses }
        return [TranscriptHypothesis(text: MergedTranscript.text(hypotheses), score: hypotheses[0].score, logProbability: hypotheses[0].logProbability)]
    }

    /// The mode chosen on the held-out set's dev split (Benchmarks/results/slu-heldout/).
    public static let chosen = NBestMode.marginal
}

/// Hypothesis marginalization: P(candidate) = sum over hypotheses of P(hypothesis | audio) P(candidate | hypothesis).
public enum Marginalization {
    /// The posterior temperature chosen on the held-out set's dev split (Benchmarks/results/slu-heldout/).
    public static let defaultTemperature = 2.0

    /// Softmax of the hypotheses' total log-probabilities divided by the temperature: a high temperature spreads
    /// the weight evenly, a low one keeps the 1-best alone.
    public static func posterior(_ logProbabilities: [Double], temperature: Double) -> [Double] {
        softmax(logProbabilities.map { $0 / max(temperature, 1e-6) })
    }

    /// The log of the weighted mixture of each hypothesis' candidate distribution (softmax of its scores).
    public static func mixture(_ scores: [[Double]], weights: [Double]) -> [Double] {
        guard let count = scores.first?.count else { return [] }
        var mixed = [Double](repeating: 0, count: count)
        for (row, weight) in zip(scores, weights) {
            for (i, p) in softmax(row).enumerated() { mixed[i] += weight * p }
        }
        return mixed.map { log(max($0, .leastNormalMagnitude)) }
    }

    /// The decision from each distinct hypothesis' scores: the mixture of its score kind, and of the raw scores.
    public static func decision(_ scores: [CandidateScores], weights: [Double], kind: ScoreKind, prompt: String) -> CandidateDecision {
        CandidateDecision(scores: mixture(scores.map { $0.values(kind) }, weights: weights),
                          rawScores: mixture(scores.map(\.raw), weights: weights), prompt: prompt, weights: weights)
    }

    /// Hypotheses that read the same after normalization (case, punctuation, spacing: beam search's n-best is full
    /// of them) are one input to the LLM; their posterior weights add up. Order is kept: best first.
    public static func distinct(_ hypotheses: [TranscriptHypothesis], temperature: Double) -> [(hypothesis: TranscriptHypothesis, weight: Double)] {
        let weights = posterior(hypotheses.map(\.totalLogProbability), temperature: temperature)
        var result: [(hypothesis: TranscriptHypothesis, weight: Double)] = [], index: [String: Int] = [:]
        for (hypothesis, weight) in zip(hypotheses, weights) {
            let key = comparable(hypothesis.text)
            if let seen = index[key] {
                result[seen].weight += weight
            } else {
                index[key] = result.count
                result.append((hypothesis, weight))
            }
        }
        return result
    }

    /// Lowercased letters and digits separated by single spaces.
    static func comparable(_ text: String) -> String {
        let kept = text.lowercased().unicodeScalars.map { CharacterSet.alphanumerics.contains($0) ? Character($0) : " " }
        return String(kept).split(separator: " ").joined(separator: " ")
    }

    static func softmax(_ values: [Double]) -> [Double] {
        guard let top = values.max(), top.isFinite else { return values.map { _ in 1 / Double(max(1, values.count)) } }
        let exps = values.map { exp($0 - top) }
        let sum = exps.reduce(0, +)
        return exps.map { $0 / sum }
    }
}

/// Prompt -> the content-free prompt's scores. Copies of a scorer may run in concurrent tasks: the lock guards
/// the dictionary (two tasks missing at once both score the prior, with the same result).
private final class PriorCache: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [String: [Double]] = [:]

    subscript(prompt: String) -> [Double]? {
        get { lock.withLock { values[prompt] } }
        set { lock.withLock { values[prompt] = newValue } }
    }
}
