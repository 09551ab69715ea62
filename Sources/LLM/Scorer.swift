// Log-likelihoods of continuations after a prompt, reusing the prompt's cache, and greedy generation.
import Foundation
import HarkNumerics

/// Summed natural-log probability of a continuation's tokens, and how many there were.
public struct ContinuationLogProbability: Equatable, Sendable {
    public let logProbability: Double
    public let tokenCount: Int
}

public final class Scorer {
    public let model: Gemma3Model
    /// Identifies the weights for caches and reports: file name and size.
    public let fingerprint: String

    public init(model: Gemma3Model) {
        self.model = model
        let size = (try? FileManager.default.attributesOfItem(atPath: model.path)[.size] as? Int) ?? 0
        fingerprint = "\(URL(fileURLWithPath: model.path).lastPathComponent):\(size)"
    }

    /// Prompt and continuation are tokenized separately and joined (as lm-evaluation-harness does), so a label's
    /// tokens do not depend on the prompt's last characters; the prompt runs once and its cache is copied per label.
    public func logLikelihoods(prompt: String, continuations: [String]) -> [ContinuationLogProbability] {
        let promptTokens = model.tokenizer.encode(prompt, addBOS: model.tokenizer.addsBeginOfSequence)
        var promptCache = Gemma3Cache(layers: model.config.layers)
        let promptHidden = model.forward(promptTokens, cache: &promptCache)
        let lastPrompt = promptHidden.rows((promptTokens.count - 1)..<promptTokens.count)
        return continuations.map { continuation in
            let tokens = model.tokenizer.encode(continuation)
            guard !tokens.isEmpty else { return ContinuationLogProbability(logProbability: 0, tokenCount: 0) }
            var cache = promptCache
            // Token i is predicted by the row before it: the prompt's last row, then the continuation's own rows.
            var predictors = lastPrompt
            if tokens.count > 1 { predictors.append(rows: model.forward(Array(tokens.dropLast()), cache: &cache)) }
            let logits = model.logits(predictors)
            var sum = 0.0
            for (i, token) in tokens.enumerated() { sum += Double(Vector.logSoftmax(Array(logits.row(i)))[token]) }
            return ContinuationLogProbability(logProbability: sum, tokenCount: tokens.count)
        }
    }

    /// Greedy continuation of the prompt, up to `maxTokens` or the first stop string or end-of-sequence.
    public func generate(prompt: String, maxTokens: Int, stop: [String] = []) -> String {
        var cache = Gemma3Cache(layers: model.config.layers)
        var hidden = model.forward(model.tokenizer.encode(prompt, addBOS: model.tokenizer.addsBeginOfSequence), cache: &cache)
        var generated: [Int] = []
        var text = ""
        for _ in 0..<maxTokens {
            let next = model.greedyToken(after: hidden)
            if next == model.tokenizer.endOfSequence { break }
            generated.append(next)
            text = model.tokenizer.decode(generated)
            if let cut = stop.compactMap({ text.range(of: $0) }).min(by: { $0.lowerBound < $1.lowerBound }) {
                return String(text[..<cut.lowerBound])
            }
            hidden = model.forward([next], cache: &cache)
        }
        return text
    }
}
