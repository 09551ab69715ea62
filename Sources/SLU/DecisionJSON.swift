// The JSON objects `hark classify --json`, `hark answer --json` and the server's /v1/classify and /v1/answer print.
import Foundation

extension Array where Element == TranscriptHypothesis {
    public var jsonObjects: [[String: Any]] {
        map { hypothesis in
            var object: [String: Any] = ["text": hypothesis.text, "score": Double(hypothesis.score)]
            if let total = hypothesis.logProbability { object["logprob"] = Double(total) }
            return object
        }
    }
}

extension TopicDecision {
    public func jsonObject(input: String, transcripts: [TranscriptHypothesis]) -> [String: Any] {
        var object: [String: Any] = ["input": input, "label": label, "scores": scores, "raw_scores": rawScores,
                                     "transcripts": transcripts.jsonObjects, "prompt": prompt]
        object["weights"] = weights
        return object
    }
}

extension MultipleChoiceDecision {
    public func jsonObject(passage: [TranscriptHypothesis]) -> [String: Any] {
        var object: [String: Any] = ["answer": answer, "option": option, "scores": scores, "raw_scores": rawScores, "prompt": prompt,
                                     "transcripts": passage.jsonObjects]
        object["weights"] = weights
        return object
    }
}

/// One line of JSON with sorted keys, as every command and the server write it.
public func jsonLine(_ object: [String: Any]) throws -> String {
    String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]), as: UTF8.self)
}
