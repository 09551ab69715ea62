// Topic classification of transcripts: an n-best prompt, every label scored, calibrated against a content-free input.
import Foundation

/// A transcript hypothesis with the recognizer's score (average log-probability), best first.
public struct TranscriptHypothesis: Equatable, Sendable, Codable {
    public var text: String
    public var score: Float

    public init(text: String, score: Float) {
        self.text = text
        self.score = score
    }
}

public enum SLUError: Error, CustomStringConvertible, Equatable {
    case emptyLabels
    case emptyInput

    public var description: String {
        switch self {
        case .emptyLabels: return "the label list is empty (give --labels a,b,c or leave it out for the seven SIB-Fleurs topics)"
        case .emptyInput: return "nothing to classify: the transcript is empty"
        }
    }
}

/// The prompts, in one place. The embedded Gemma 3 270M is a base model, so these are plain completions.
public enum TopicPrompt {
    /// SIB-Fleurs' seven topics, in the dataset's label order.
    public static let sibFleursLabels = ["science/technology", "travel", "politics", "sports", "health", "entertainment", "geography"]
    /// The content-free input of "Calibrate before use" (Zhao et al., 2021).
    public static let contentFree = "N/A"

    /// One hypothesis as a plain sentence; several as a numbered list with their scores, best first.
    public static func text(labels: [String], hypotheses: [TranscriptHypothesis]) -> String {
        var prompt = "Possible topics: \(labels.joined(separator: ", ")).\n"
        if hypotheses.count == 1 {
            prompt += "Text: \(hypotheses[0].text.trimmed)\n"
        } else {
            prompt += "Text (alternative transcripts of the same speech, most likely first):\n"
            for (i, h) in hypotheses.enumerated() {
                prompt += "\(i + 1). \(h.text.trimmed) (score \(String(format: "%.2f", h.score)))\n"
            }
        }
        return prompt + "The topic of this text is"
    }
}

public struct TopicDecision: Equatable, Sendable, Codable {
    public var label: String
    /// Calibrated scores (label log-probability minus its log-probability after the content-free input).
    public var scores: [String: Double]
    public var rawScores: [String: Double]
    public var prompt: String
}

public struct TopicClassifier {
    public let scorer: LogLikelihoodScorer
    public var calibrated = true
    /// The content-free prompt's label scores depend only on the labels: computed once per label set, and shared
    /// by every copy of this classifier.
    private let priors = PriorCache()

    public init(scorer: LogLikelihoodScorer, calibrated: Bool = true) {
        self.scorer = scorer
        self.calibrated = calibrated
    }

    public func classify(_ hypotheses: [TranscriptHypothesis], labels: [String] = TopicPrompt.sibFleursLabels) async throws -> TopicDecision {
        guard !labels.isEmpty else { throw SLUError.emptyLabels }
        guard hypotheses.contains(where: { !$0.text.trimmed.isEmpty }) else { throw SLUError.emptyInput }
        let continuations = labels.map { " " + $0 }
        let prompt = TopicPrompt.text(labels: labels, hypotheses: hypotheses)
        let raw = try await scorer.logLikelihoods(prompt: prompt, continuations: continuations).map(\.logProbability)
        var scores = raw
        if calibrated {
            let prior: [Double]
            if let cached = priors[labels] {
                prior = cached
            } else {
                prior = try await scorer.logLikelihoods(
                    prompt: TopicPrompt.text(labels: labels, hypotheses: [TranscriptHypothesis(text: TopicPrompt.contentFree, score: 0)]),
                    continuations: continuations).map(\.logProbability)
                priors[labels] = prior
            }
            scores = zip(raw, prior).map { $0 - $1 }
        }
        let best = scores.indices.max { scores[$0] < scores[$1] }!
        return TopicDecision(label: labels[best], scores: Dictionary(uniqueKeysWithValues: zip(labels, scores)),
                             rawScores: Dictionary(uniqueKeysWithValues: zip(labels, raw)), prompt: prompt)
    }
}

/// Label set -> the content-free prompt's label scores. Copies of a classifier may run in concurrent tasks: the
/// lock guards the dictionary (two tasks missing at once both score the prior, with the same result).
private final class PriorCache: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [[String]: [Double]] = [:]

    subscript(labels: [String]) -> [Double]? {
        get { lock.withLock { values[labels] } }
        set { lock.withLock { values[labels] = newValue } }
    }
}

extension String {
    var trimmed: String { trimmingCharacters(in: .whitespacesAndNewlines) }
}

