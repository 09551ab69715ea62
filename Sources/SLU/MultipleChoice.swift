// Belebele-style listening comprehension: passage (n-best transcripts), question, four options; the LLM scores each
// option's text.

public enum MultipleChoicePrompt {
    public static let letters = ["A", "B", "C", "D"]

    public static func text(passage: [TranscriptHypothesis], question: String, options: [String],
                            template: PromptTemplate = .defaultMultipleChoice) -> String {
        let lines = zip(letters, options).map { "\($0). \($1.trimmed)" }
        return template.render(["passage": TopicPrompt.transcriptText(passage), "question": question.trimmed,
                                "options": lines.joined(separator: "\n")])
    }

    public static func question(_ question: String, options: [String], template: PromptTemplate = .defaultMultipleChoice) -> CandidateQuestion {
        CandidateQuestion(candidates: options) { text(passage: $0, question: question, options: options, template: template) }
    }
}

public struct MultipleChoiceDecision: Equatable, Sendable {
    /// 1-based, as Belebele numbers its answers.
    public var answer: Int
    public var option: String
    public var scores: [Double]
    public var rawScores: [Double]
    public var prompt: String
    /// Marginal mode: the posterior weight of each distinct hypothesis of the passage, best first.
    public var weights: [Double]?
}

public enum MultipleChoiceError: Error, CustomStringConvertible, Equatable {
    case wrongOptionCount(Int)

    public var description: String {
        switch self {
        case let .wrongOptionCount(count): return "expected 4 options separated by '|', got \(count)"
        }
    }
}

public struct MultipleChoice {
    public var scoring: ScoreKind
    public var template = PromptTemplate.defaultMultipleChoice
    public var nBestMode = NBestMode.chosen
    public var temperature = Marginalization.defaultTemperature
    private let candidates: CandidateScorer

    public init(scorer: LogLikelihoodScorer, scoring: ScoreKind = .chosen(for: .multipleChoice)) {
        candidates = CandidateScorer(scorer: scorer)
        self.scoring = scoring
    }

    /// Scores each option's text as the answer after the prompt (a 270M base model picks letters at chance
    /// level: 2-3 of 10 on the test items).
    public func answer(passage: [TranscriptHypothesis], question: String, options: [String]) async throws -> MultipleChoiceDecision {
        guard options.count == 4 else { throw MultipleChoiceError.wrongOptionCount(options.count) }
        guard passage.contains(where: { !$0.text.trimmed.isEmpty }) else { throw SLUError.emptyInput }
        let decision = try await candidates.decide(MultipleChoicePrompt.question(question, options: options, template: template),
                                                   hypotheses: passage, mode: nBestMode, temperature: temperature,
                                                   kind: scoring)
        return MultipleChoiceDecision(answer: decision.best + 1, option: options[decision.best], scores: decision.scores,
                                      rawScores: decision.rawScores, prompt: decision.prompt, weights: decision.weights)
    }
}
