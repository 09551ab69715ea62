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
    /// tokens do not depend on the prompt's last characters. The prompt runs once; then all continuations run
    /// together in one pass, each attending to the prompt and to its own earlier tokens, so every weight is read
    /// once for all of them.
    public func logLikelihoods(prompt: String, continuations: [String]) -> [ContinuationLogProbability] {
        let promptTokens = model.tokenizer.encode(prompt, addBOS: model.tokenizer.addsBeginOfSequence)
        var promptCache = Gemma3Cache(layers: model.config.layers)
        let promptHidden = model.forward(promptTokens, cache: &promptCache)
        let encoded = continuations.map { model.tokenizer.encode($0) }
        // Token i is predicted by the row before it: the prompt's last row, then the continuation's own rows.
        var predictors = promptHidden.rows((promptTokens.count - 1)..<promptTokens.count)
        predictors.append(rows: model.forward(branches: encoded.map { Array($0.dropLast()) }, after: promptCache))
        let logits = model.logits(predictors)
        // The prompt's last row predicts every continuation's first token: its log-softmax is taken once.
        let afterPrompt = Vector.logSoftmax(Array(logits.row(0)))
        var firstOwnRow = 1
        return encoded.map { tokens in
            guard !tokens.isEmpty else { return ContinuationLogProbability(logProbability: 0, tokenCount: 0) }
            var sum = Double(afterPrompt[tokens[0]])
            for (i, token) in tokens.enumerated().dropFirst() {
                sum += Double(Vector.logSoftmax(Array(logits.row(firstOwnRow + i - 1)))[token])
            }
            firstOwnRow += tokens.count - 1
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
