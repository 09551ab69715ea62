// Belebele-style listening comprehension: passage (n-best transcripts), question, four options; the LLM scores each
// option's text.

public enum MultipleChoicePrompt {
    public static let letters = ["A", "B", "C", "D"]

    public static func text(passage: [TranscriptHypothesis], question: String, options: [String]) -> String {
        var prompt: String
        if passage.count == 1 {
            prompt = "Passage: \(passage[0].text.trimmed)\n"
        } else {
            prompt = "Passage (alternative transcripts of the same speech, most likely first):\n"
            for (i, h) in passage.enumerated() { prompt += "\(i + 1). \(h.text.trimmed) (score \(String(format: "%.2f", h.score)))\n" }
        }
        prompt += "Question: \(question.trimmed)\n"
        for (letter, option) in zip(letters, options) { prompt += "\(letter). \(option.trimmed)\n" }
        return prompt + "Answer:"
    }
}

public struct MultipleChoiceDecision: Equatable, Sendable {
    /// 1-based, as Belebele numbers its answers.
    public var answer: Int
    public var option: String
    public var scores: [Double]
    public var rawScores: [Double]
    public var prompt: String
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
    public let scorer: LogLikelihoodScorer
    public var calibrated = true

    public init(scorer: LogLikelihoodScorer, calibrated: Bool = true) {
        self.scorer = scorer
        self.calibrated = calibrated
    }

    /// Scores each option's text after the prompt (a 270M base model picks letters at chance level: 2-3 of 10 on
    /// the test items), calibrated against the same question with an "N/A" passage.
    public func answer(passage: [TranscriptHypothesis], question: String, options: [String]) async throws -> MultipleChoiceDecision {
        guard options.count == 4 else { throw MultipleChoiceError.wrongOptionCount(options.count) }
        guard passage.contains(where: { !$0.text.trimmed.isEmpty }) else { throw SLUError.emptyInput }
        let continuations = options.map { " " + $0.trimmed }
        let prompt = MultipleChoicePrompt.text(passage: passage, question: question, options: options)
        let raw = try await scorer.logLikelihoods(prompt: prompt, continuations: continuations).map(\.logProbability)
        var scores = raw
        if calibrated {
            let neutral = MultipleChoicePrompt.text(passage: [TranscriptHypothesis(text: TopicPrompt.contentFree, score: 0)],
                                                    question: question, options: options)
            let prior = try await scorer.logLikelihoods(prompt: neutral, continuations: continuations).map(\.logProbability)
            scores = zip(raw, prior).map { $0 - $1 }
        }
        let best = scores.indices.max { scores[$0] < scores[$1] }!
        return MultipleChoiceDecision(answer: best + 1, option: options[best], scores: scores, rawScores: raw, prompt: prompt)
    }
}
