// Word timings: where each text token is spoken, from the cross-attention of the alignment heads and time warping.
import Foundation
import HarkNumerics

/// A word with where it is spoken, in seconds, and its tokens.
public struct TimedWord: Equatable, Sendable, Codable {
    public var text: String
    public var start: Double
    public var end: Double
    public var tokens: [Int]

    public init(text: String, start: Double, end: Double, tokens: [Int]) {
        self.text = text
        self.start = start
        self.end = end
        self.tokens = tokens
    }
}

extension Transcriber {
    /// The median filter over time applied to each head's weights (openai-whisper's and CTranslate2's 7).
    static let alignmentFilterWidth = 7

    /// When each of `textTokens` starts, and then when the end of text does (textTokens.count + 1 times, seconds
    /// from the window's start). The decoder reads start sequence, <|notimestamps|>, the text and <|endoftext|>
    /// in one pass; each alignment head's attention from the token before each text token to the encoder
    /// positions that hold audio (`contentPositions`) is softmaxed, standardized over the tokens, median-filtered
    /// over time and averaged over the heads; the cheapest monotonic path through the negated average gives, for
    /// each token, the first encoder position (20 ms each) it holds. This is openai-whisper's `find_alignment`.
    func tokenStartTimes(memory: CrossMemory, contentPositions: Int, startSequence: [Int], textTokens: [Int]) -> [Double] {
        let specials = model.tokenizer.specials
        let input = startSequence + [specials.noTimestamps] + textTokens + [specials.endOfText]
        let positions = min(contentPositions, memory.positions)
        guard positions > 0, !textTokens.isEmpty else { return Array(repeating: 0, count: textTokens.count + 1) }
        let decoder = model.decoder
        let headDim = decoder.width / decoder.heads
        let heads = model.alignmentHeads
        var weights: [[Float]] = Array(repeating: [], count: heads.count)
        var cache = [DecoderCache(layers: decoder.layers.count)]
        _ = decoder([input], caches: &cache, memory: memory) { layer, queries in
            for (index, head) in heads.enumerated() where head.layer == layer {
                let scores = memory.layers[layer].scores(queries, queries: input.count, head: head.head,
                                                         scale: 1 / Float(headDim).squareRoot())
                // Only the positions that hold audio.
                weights[index] = (0..<input.count).flatMap { scores[($0 * memory.positions)..<($0 * memory.positions + positions)] }
            }
        }
        // Rows from <|notimestamps|> (which predicts the first text token) to the last text token (which predicts
        // the end of text).
        let first = startSequence.count, rows = textTokens.count + 1
        var average = [Float](repeating: 0, count: rows * positions)
        for var head in weights where !head.isEmpty {
            Vector.softmaxRows(&head, width: positions)
            TimeAlignment.standardizeColumns(&head, rows: input.count, columns: positions)
            TimeAlignment.medianFilterRows(&head, columns: positions, width: Self.alignmentFilterWidth)
            for i in 0..<(rows * positions) { average[i] += head[first * positions + i] }
        }
        let path = TimeAlignment.warpingPath(cost: average.map { -$0 / Float(heads.count) }, rows: rows, columns: positions)
        // A token starts where the path first enters its row.
        var starts: [Double] = []
        var previousRow = -1
        for step in path where step.row != previousRow {
            starts.append(Double(step.column) * Self.secondsPerTimestep)
            previousRow = step.row
        }
        return starts
    }

    /// Groups text tokens into words at the tokens that begin with a space, each from its first token's start to
    /// the next word's start (`starts` from `tokenStartTimes`, shifted by `offset` seconds).
    func words(_ textTokens: [Int], starts: [Double], offset: Double) -> [TimedWord] {
        let tokenizer = model.tokenizer
        // Milliseconds: the sum of a window offset and 20-ms steps would print as 3.3000000000000003.
        func time(_ seconds: Double) -> Double { (seconds * 1000).rounded() / 1000 }
        var words: [TimedWord] = []
        var boundaries = textTokens.indices.filter { $0 == 0 || tokenizer.startsWithSpace(textTokens[$0]) }
        boundaries.append(textTokens.count)
        for (start, end) in zip(boundaries, boundaries.dropFirst()) {
            let tokens = Array(textTokens[start..<end])
            let text = tokenizer.decode(tokens).trimmingCharacters(in: .whitespaces)
            guard !text.isEmpty else { continue }
            words.append(TimedWord(text: text, start: time(offset + starts[start]), end: time(offset + starts[end]), tokens: tokens))
        }
        return words
    }
}
