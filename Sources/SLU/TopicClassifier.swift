// Topic classification of transcripts: every label scored after a prompt, calibrated against a content-free input.
import Foundation

/// A transcript hypothesis with the recognizer's scores, best first.
public struct TranscriptHypothesis: Equatable, Sendable, Codable {
    public var text: String
    /// Average log-probability per token (Whisper's avg_logprob).
    public var score: Float
    /// Total log-probability of the hypothesis' tokens, which the n-best posterior is computed from; nil for text
    /// that no recognizer scored (a reference, a typed text).
    public var logProbability: Float?
    /// True when the recognizer looped and the repeats were cut from the text (absent otherwise).
    public var repetitionCut: Bool?

    public init(text: String, score: Float, logProbability: Float? = nil, repetitionCut: Bool? = nil) {
        self.text = text
        self.score = score
        self.logProbability = logProbability
        self.repetitionCut = repetitionCut
    }

    enum CodingKeys: String, CodingKey { case text, score, logProbability = "logprob", repetitionCut = "repetition_cut" }

    /// The total when known, else the average (results written before totals were recorded).
    var totalLogProbability: Double { Double(logProbability ?? score) }
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

/// The topic prompt. The embedded Gemma 3 270M is a base model, so prompts are plain completions.
public enum TopicPrompt {
    /// SIB-Fleurs' seven topics, in the dataset's label order.
    public static let sibFleursLabels = ["science/technology", "travel", "politics", "sports", "health", "entertainment", "geography"]
    /// The content-free input of "Calibrate before use" (Zhao et al., 2021).
    public static let contentFree = "N/A"

    public static func text(labels: [String], hypotheses: [TranscriptHypothesis], template: PromptTemplate = .defaultTopic) -> String {
        template.render(["labels": labels.joined(separator: ", "), "text": transcriptText(hypotheses)])
    }

    public static func question(labels: [String], template: PromptTemplate = .defaultTopic) -> CandidateQuestion {
        CandidateQuestion(candidates: labels) { text(labels: labels, hypotheses: $0, template: template) }
    }

    /// One hypothesis as a plain sentence; several as a numbered list with their scores, best first.
    static func transcriptText(_ hypotheses: [TranscriptHypothesis]) -> String {
        guard hypotheses.count > 1 else { return hypotheses.first?.text.trimmed ?? "" }
        let lines = hypotheses.enumerated().map { "\($0 + 1). \($1.text.trimmed) (score \(String(format: "%.2f", $1.score)))" }
        return (["(alternative transcripts of the same speech, most likely first)"] + lines).joined(separator: "\n")
    }
}

public struct TopicDecision: Equatable, Sendable, Codable {
    public var label: String
    /// Calibrated scores (label log-probability minus its log-probability after the content-free input), or
    /// the log of the posterior-weighted mixture of them in marginal mode.
    public var scores: [String: Double]
    public var rawScores: [String: Double]
    public var prompt: String
    /// Marginal mode: the posterior weight of each distinct hypothesis, best first.
    public var weights: [Double]?
}

public struct TopicClassifier {
    public var scoring: ScoreKind
    public var template = PromptTemplate.defaultTopic
    public var nBestMode = NBestMode.chosen
    public var temperature = Marginalization.defaultTemperature
    /// Copies share the content-free prior's cache: it is scored once per label set.
    private let candidates: CandidateScorer

    public init(scorer: LogLikelihoodScorer, scoring: ScoreKind = .chosen(for: .topic)) {
        candidates = CandidateScorer(scorer: scorer)
        self.scoring = scoring
    }

    public func classify(_ hypotheses: [TranscriptHypothesis], labels: [String] = TopicPrompt.sibFleursLabels) async throws -> TopicDecision {
        guard !labels.isEmpty else { throw SLUError.emptyLabels }
        guard hypotheses.contains(where: { !$0.text.trimmed.isEmpty }) else { throw SLUError.emptyInput }
        let decision = try await candidates.decide(TopicPrompt.question(labels: labels, template: template), hypotheses: hypotheses,
                                                   mode: nBestMode, temperature: temperature, kind: scoring)
        return TopicDecision(label: labels[decision.best], scores: Dictionary(uniqueKeysWithValues: zip(labels, decision.scores)),
                             rawScores: Dictionary(uniqueKeysWithValues: zip(labels, decision.rawScores)), prompt: decision.prompt,
                             weights: decision.weights)
    }
}

extension String {
    var trimmed: String { trimmingCharacters(in: .whitespacesAndNewlines) }
}
