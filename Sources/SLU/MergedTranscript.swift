// One transcript that carries the n-best list's disagreements: "the vote/goal was close".
import Foundation

/// The best hypothesis with, at each word where another hypothesis heard something else, the other words after
/// a slash. Hypotheses are aligned to the best one word by word (fewest edits, case and punctuation ignored);
/// substitutions become alternatives, while words only one side has are left out, so the text keeps the best
/// hypothesis' length and order. A base model reads this as a sentence with variants, not as a numbered list.
public enum MergedTranscript {
    /// At most this many alternatives per word: more turns the sentence into noise.
    static let alternativesPerWord = 2

    public static func text(_ hypotheses: [TranscriptHypothesis]) -> String {
        guard let best = hypotheses.first else { return "" }
        let words = best.text.split(separator: " ").map(String.init)
        let keys = words.map(Marginalization.comparable)
        var alternatives = [[String]](repeating: [], count: words.count)
        var alternativeKeys = keys.map { Set([$0]) }
        for hypothesis in hypotheses.dropFirst() {
            let other = hypothesis.text.split(separator: " ").map(String.init)
            for (position, word) in substitutions(from: keys, to: other.map(Marginalization.comparable)).map({ ($0.0, other[$0.1]) }) {
                let key = Marginalization.comparable(word)
                guard !key.isEmpty, alternatives[position].count < alternativesPerWord, alternativeKeys[position].insert(key).inserted else { continue }
                alternatives[position].append(word.trimmingCharacters(in: .punctuationCharacters))
            }
        }
        return zip(words, alternatives).map { word, others in
            // Punctuation stays outside the variants: "close/closed." not "close./closed".
            let core = word.trimmingCharacters(in: .punctuationCharacters)
            guard !others.isEmpty, let range = word.range(of: core) else { return word }
            return String(word[..<range.lowerBound]) + ([core] + others).joined(separator: "/") + String(word[range.upperBound...])
        }.joined(separator: " ")
    }

    /// (position in `a`, position in `b`) of each substitution in a fewest-edits alignment of two word lists.
    static func substitutions(from a: [String], to b: [String]) -> [(Int, Int)] {
        let n = a.count, m = b.count
        guard n > 0, m > 0 else { return [] }
        var cost = [[Int]](repeating: [Int](repeating: 0, count: m + 1), count: n + 1)
        for i in 0...n { cost[i][0] = i }
        for j in 0...m { cost[0][j] = j }
        for i in 1...n {
            for j in 1...m {
                cost[i][j] = min(cost[i - 1][j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1), cost[i - 1][j] + 1, cost[i][j - 1] + 1)
            }
        }
        var pairs: [(Int, Int)] = [], i = n, j = m
        while i > 0, j > 0 {
            if cost[i][j] == cost[i - 1][j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1) {
                if a[i - 1] != b[j - 1] { pairs.append((i - 1, j - 1)) }
                i -= 1
                j -= 1
            } else if cost[i][j] == cost[i - 1][j] + 1 {
                i -= 1
            } else {
                j -= 1
            }
        }
        return pairs.reversed()
    }
}
