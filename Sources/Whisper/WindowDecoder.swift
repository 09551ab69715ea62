// Decoding one 30-s window: greedy, sampling or beam search over the decoder, with Whisper's logit rules.
import Foundation
import HarkNumerics

/// What decoding one window produced: hypotheses best first, and the no-speech probability.
struct WindowDecoding {
    var hypotheses: [Hypothesis]
    var noSpeechProbability: Float
    var temperature: Float
}

struct WindowDecoder {
    let model: WhisperModel
    let options: DecodingOptions
    /// The reference samples at most half the 448 positions.
    let maxSampledTokens = 224
    /// The first timestamp may be at most 1.0 s into the window (50 steps of 0.02 s).
    let maxInitialTimestampIndex = 50

    private var specials: WhisperTokenizer.SpecialTokens { model.tokenizer.specials }

    /// Decodes after `prompt` (whose `startIndex` is the <|startoftranscript|> position).
    func decode(memory: CrossMemory, prompt: [Int], startIndex: Int, temperature: Float, draft: [Int] = [],
                generator: inout SplitMix64) -> WindowDecoding {
        var cache = [DecoderCache(layers: model.decoder.layers.count)]
        let hidden = model.decoder([prompt], caches: &cache, memory: memory)
        let startLogits = model.decoder.logits(hidden.rows(startIndex..<(startIndex + 1))).data
        let noSpeech = specials.noSpeech >= 0 ? probability(of: specials.noSpeech, in: startLogits) : 0
        let firstLogits = model.decoder.logits(hidden.rows((prompt.count - 1)..<prompt.count)).data
        let maxLength = min(options.maxNewTokens ?? maxSampledTokens, maxSampledTokens, model.decoder.maxPositions - prompt.count)
        let hypotheses: [Hypothesis]
        if options.beamSize > 1 && temperature == 0 {
            hypotheses = beamSearch(firstLogits: firstLogits, cache: cache[0], memory: memory, maxLength: maxLength)
        } else {
            hypotheses = [sample(firstLogits: firstLogits, cache: cache[0], memory: memory, maxLength: maxLength,
                                 temperature: temperature, draft: temperature == 0 ? draft : [], generator: &generator)]
        }
        return WindowDecoding(hypotheses: hypotheses, noSpeechProbability: noSpeech, temperature: temperature)
    }

    // MARK: Greedy and sampling

    /// With a `draft` (greedy only), the decoder runs over all of it at once and its logits stand in for the
    /// step-by-step ones for as long as each chosen token equals the draft's. Where a timestamp differs from the
    /// draft's (a segment end moved by a step as the audio grew), the rest of the draft is checked again after
    /// it; at any other difference decoding goes on step by step. The cache is cut back to the chosen tokens.
    private func sample(firstLogits: [Float], cache: DecoderCache, memory: CrossMemory, maxLength: Int,
                        temperature: Float, draft: [Int], generator: inout SplitMix64) -> Hypothesis {
        var caches = [cache]
        var logits = firstLogits
        var tokens: [Int] = []
        var sum: Float = 0
        // Draft tokens the next choices are compared with; row checkedRows + i of `draftLogits` follows expected[i].
        var expected = Array(draft.prefix(maxLength - 1))
        var draftLogits: Tensor?
        var checked = 0, rowOffset = 0, redrafts = 0
        if !expected.isEmpty { draftLogits = model.decoder.logits(model.decoder([expected], caches: &caches, memory: memory)) }
        while tokens.count < maxLength {
            let logProbs = logProbabilities(logits, after: tokens)
            let token: Int
            if temperature == 0 {
                token = logProbs.indices.max { logProbs[$0] < logProbs[$1] }!
            } else {
                token = drawSample(logits: logits, allowed: logProbs, temperature: temperature, generator: &generator)
            }
            sum += logProbs[token]
            tokens.append(token)
            if token == specials.endOfText { break }
            if let rows = draftLogits {
                if token == expected[checked] {
                    logits = Array(rows.row(rowOffset + checked))
                    checked += 1
                    if checked == expected.count { draftLogits = nil }
                    continue
                }
                caches[0].truncate(to: cache.length + tokens.count - 1)
                draftLogits = nil
                let rest = Array(expected[(checked + 1)...].prefix(maxLength - tokens.count - 1))
                let begin = specials.timestampBegin
                if token >= begin, expected[checked] >= begin, !rest.isEmpty, redrafts < 4 {
                    redrafts += 1
                    let rows = model.decoder.logits(model.decoder([[token] + rest], caches: &caches, memory: memory))
                    logits = Array(rows.row(0))
                    (expected, draftLogits, checked, rowOffset) = (rest, rows, 0, 1)
                    continue
                }
            }
            let hidden = model.decoder([[token]], caches: &caches, memory: memory)
            logits = model.decoder.logits(hidden).data
        }
        return hypothesis(tokens, logProbability: sum)
    }

    private func drawSample(logits: [Float], allowed: [Float], temperature: Float, generator: inout SplitMix64) -> Int {
        var scaled = zip(logits, allowed).map { $1 == -.infinity ? -Float.infinity : $0 / temperature }
        Vector.softmaxRows(&scaled, width: scaled.count)
        var threshold = Float(Double(generator.next() >> 11) / Double(1 << 53))
        for (token, p) in scaled.enumerated() {
            threshold -= p
            if threshold <= 0, p > 0 { return token }
        }
        return allowed.indices.max { allowed[$0] < allowed[$1] }!
    }

    // MARK: Beam search

    private struct Beam {
        var tokens: [Int]
        var logProbability: Float
        var cache: DecoderCache
    }

    /// openai-whisper's BeamSearchDecoder: keep the beamSize best unfinished sequences each step; collect finished
    /// ones until beamSize * patience have ended; rank by length-normalized log-probability.
    private func beamSearch(firstLogits: [Float], cache: DecoderCache, memory: CrossMemory, maxLength: Int) -> [Hypothesis] {
        let beamSize = options.beamSize
        let maxFinished = max(1, Int((Float(beamSize) * options.patience).rounded()))
        var beams = [Beam(tokens: [], logProbability: 0, cache: cache)]
        var logitsPerBeam = [firstLogits]
        var finished: [([Int], Float)] = []
        for _ in 0..<maxLength {
            var candidates: [(parent: Int, token: Int, score: Float)] = []
            for (b, beam) in beams.enumerated() {
                let logProbs = logProbabilities(logitsPerBeam[b], after: beam.tokens)
                for token in topIndices(logProbs, count: beamSize + 1) {
                    candidates.append((b, token, beam.logProbability + logProbs[token]))
                }
            }
            candidates.sort { $0.score > $1.score }
            var chosen: [(parent: Int, tokens: [Int], score: Float)] = []
            var seen = Set<[Int]>()
            for candidate in candidates {
                let tokens = beams[candidate.parent].tokens + [candidate.token]
                guard seen.insert(tokens).inserted else { continue }
                if candidate.token == specials.endOfText {
                    if finished.count < maxFinished { finished.append((tokens, candidate.score)) }
                } else {
                    chosen.append((candidate.parent, tokens, candidate.score))
                    if chosen.count == beamSize { break }
                }
            }
            if finished.count >= maxFinished || chosen.isEmpty { break }
            // Each parent's cache moves to its last child and is copied for the others: a cache shared by two
            // beams would be copied on every append.
            var parentCaches = beams.map(\.cache)
            beams = []
            var caches: [DecoderCache] = []
            for (i, choice) in chosen.enumerated() {
                caches.append(parentCaches[choice.parent])
                if !chosen[(i + 1)...].contains(where: { $0.parent == choice.parent }) {
                    parentCaches[choice.parent] = DecoderCache(layers: 0)
                }
            }
            parentCaches = []
            let hidden = model.decoder(chosen.map { [$0.tokens.last!] }, caches: &caches, memory: memory)
            let logits = model.decoder.logits(hidden)
            logitsPerBeam = (0..<chosen.count).map { Array(logits.row($0)) }
            beams = chosen.indices.map { Beam(tokens: chosen[$0].tokens, logProbability: chosen[$0].score, cache: caches[$0]) }
        }
        if finished.count < maxFinished {
            finished += beams.prefix(maxFinished - finished.count).map { ($0.tokens, $0.logProbability) }
        }
        let ranked = finished.sorted { rank($0) > rank($1) }
        return ranked.prefix(max(1, options.nBest)).map { hypothesis($0.0, logProbability: $0.1) }
    }

    private func rank(_ candidate: ([Int], Float)) -> Float {
        let length = Float(candidate.0.count)
        let penalty = options.lengthPenalty.map { powf((5 + length) / 6, $0) } ?? length
        return candidate.1 / penalty
    }

    private func topIndices(_ values: [Float], count: Int) -> [Int] {
        var best: [Int] = []
        for i in values.indices where values[i] > -.infinity {
            if best.count < count {
                best.append(i); best.sort { values[$0] > values[$1] }
            } else if values[i] > values[best[count - 1]] {
                best[count - 1] = i; best.sort { values[$0] > values[$1] }
            }
        }
        return best
    }

    // MARK: Logit rules

    /// Log-softmax of the logits after Whisper's rules for the position following `tokens` (the sampled tokens).
    func logProbabilities(_ logits: [Float], after tokens: [Int]) -> [Float] {
        var masked = logits
        for token in model.suppressedTokens where token < masked.count { masked[token] = -.infinity }
        if tokens.isEmpty {
            for token in model.suppressedAtBegin where token < masked.count { masked[token] = -.infinity }
        }
        guard !options.withoutTimestamps else { return Vector.logSoftmax(masked) }
        applyTimestampRules(&masked, after: tokens)
        let logProbs = Vector.logSoftmax(masked)
        // If all timestamps together are likelier than any single text token, sample a timestamp.
        let begin = specials.timestampBegin
        let bestText = logProbs[0..<begin].max() ?? -.infinity
        guard bestText > -.infinity, logSumExp(logProbs[begin...]) > bestText else { return logProbs }
        for t in 0..<begin { masked[t] = -.infinity }
        return Vector.logSoftmax(masked)
    }

    /// Timestamps come in pairs (end, start) between segments, never decrease, and the first comes early.
    private func applyTimestampRules(_ logits: inout [Float], after tokens: [Int]) {
        let begin = specials.timestampBegin
        logits[specials.noTimestamps] = -.infinity
        let lastIsTimestamp = tokens.last.map { $0 >= begin } ?? false
        let penultimateIsTimestamp = tokens.count < 2 || tokens[tokens.count - 2] >= begin
        if lastIsTimestamp {
            if penultimateIsTimestamp {
                for t in begin..<logits.count { logits[t] = -.infinity }
            } else {
                for t in 0..<specials.endOfText { logits[t] = -.infinity }
            }
        }
        if let lastTimestamp = tokens.last(where: { $0 >= begin }) {
            // A segment may not end where it started, except by closing the pair just opened.
            let lowest = lastIsTimestamp && !penultimateIsTimestamp ? lastTimestamp : lastTimestamp + 1
            for t in begin..<min(lowest, logits.count) { logits[t] = -.infinity }
        }
        if tokens.isEmpty {
            for t in 0..<begin { logits[t] = -.infinity }
            for t in (begin + maxInitialTimestampIndex + 1)..<logits.count { logits[t] = -.infinity }
        }
    }

    private func logSumExp(_ values: ArraySlice<Float>) -> Float {
        guard let maxValue = values.max(), maxValue > -.infinity else { return -.infinity }
        return maxValue + logf(values.reduce(0) { $0 + expf($1 - maxValue) })
    }

    private func probability(of token: Int, in logits: [Float]) -> Float {
        expf(Vector.logSoftmax(logits)[token])
    }

    private func hypothesis(_ tokens: [Int], logProbability: Float) -> Hypothesis {
        let content = tokens.last == specials.endOfText ? Array(tokens.dropLast()) : tokens
        // faster-whisper divides by the content length plus one (the end-of-text token).
        return Hypothesis(text: model.tokenizer.decode(content), tokens: content, logProbability: logProbability,
                          averageLogProbability: logProbability / Float(content.count + 1))
    }
}
