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

    /// Decodes windows that share `prompt` together at temperature 0 (greedy is a beam of one): the prompt and
    /// then every step of all their beams go through one decoder pass, so each weight is read once per step for
    /// all of them rather than once per window.
    func decodeTogether(memories: [CrossMemory], prompt: [Int], startIndex: Int) -> [WindowDecoding] {
        let count = memories.count, length = prompt.count
        var caches = (0..<count).map { _ in DecoderCache(layers: model.decoder.layers.count) }
        let hidden = model.decoder(Array(repeating: prompt, count: count), caches: &caches,
                                   memories: memories.enumerated().map { ($1, $0..<($0 + 1)) })
        let maxLength = min(options.maxNewTokens ?? maxSampledTokens, maxSampledTokens, model.decoder.maxPositions - length)
        var searches: [BeamSearch] = []
        var noSpeech: [Float] = []
        for b in 0..<count {
            let startLogits = model.decoder.logits(hidden.rows((b * length + startIndex)..<(b * length + startIndex + 1))).data
            noSpeech.append(specials.noSpeech >= 0 ? probability(of: specials.noSpeech, in: startLogits) : 0)
            let firstLogits = model.decoder.logits(hidden.rows((b * length + length - 1)..<(b * length + length))).data
            var cache = DecoderCache(layers: 0)
            swap(&cache, &caches[b])
            searches.append(BeamSearch(firstLogits: firstLogits, cache: cache, maxLength: maxLength))
        }
        while true {
            // The windows' beam steps on the pool: each beam's log-softmax over the vocabulary and best tokens. On the
            // calling thread alone they were 5% of a batched run's perf samples (eight windows, forty beams).
            searches = model.decoder.pool.map(searches.count) { b in
                var search = searches[b]
                if !search.isDone { advance(&search) }
                return search
            }
            let active = searches.indices.filter { !searches[$0].isDone }
            guard !active.isEmpty else { break }
            var stepCaches: [DecoderCache] = []
            var tokens: [[Int]] = []
            var ranges: [(CrossMemory, Range<Int>)] = []
            for b in active {
                let first = stepCaches.count
                stepCaches += searches[b].takeCaches()
                tokens += searches[b].beams.map { [$0.tokens.last!] }
                ranges.append((memories[b], first..<stepCaches.count))
            }
            let logits = model.decoder.logits(model.decoder(tokens, caches: &stepCaches, memories: ranges))
            var row = 0
            for b in active {
                searches[b].logits = []
                for i in searches[b].beams.indices {
                    swap(&searches[b].beams[i].cache, &stepCaches[row])
                    searches[b].logits.append(logits.row(row))
                    row += 1
                }
            }
        }
        return searches.indices.map { WindowDecoding(hypotheses: hypotheses(searches[$0]), noSpeechProbability: noSpeech[$0], temperature: 0) }
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
            let logProbs = logProbabilities(logits[...], after: tokens)
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
            logits = temperature == 0 ? model.greedyLogits(hidden) : model.decoder.logits(hidden).data
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

    struct Beam {
        var tokens: [Int]
        var logProbability: Float
        var cache: DecoderCache
    }

    /// One window's beam search between decoder passes (openai-whisper's BeamSearchDecoder): keep the beamSize
    /// best unfinished sequences each step; collect finished ones until beamSize * patience have ended; rank by
    /// length-normalized log-probability. Kept apart from the decoder so that several windows share its passes.
    struct BeamSearch {
        var beams: [Beam]
        /// The next-token logits of each beam.
        var logits: [ArraySlice<Float>]
        var finished: [([Int], Float)] = []
        var steps = 0
        let maxLength: Int
        var isDone = false

        init(firstLogits: [Float], cache: DecoderCache, maxLength: Int) {
            beams = [Beam(tokens: [], logProbability: 0, cache: cache)]
            logits = [firstLogits[...]]
            self.maxLength = maxLength
            if maxLength <= 0 {
                finished = [([], 0)]
                isDone = true
            }
        }

        /// The beams' caches, moved out (a cache still held by its beam would be copied on the next append).
        mutating func takeCaches() -> [DecoderCache] {
            beams.indices.map { i in
                var cache = DecoderCache(layers: 0)
                swap(&cache, &beams[i].cache)
                return cache
            }
        }
    }

    /// Chooses the next beams from the current ones' logits. Unless that ends the search, `search.beams` are then
    /// the chosen sequences, each with its parent's cache, to be run on its last token.
    func advance(_ search: inout BeamSearch) {
        let beamSize = options.beamSize
        let maxFinished = max(1, Int((Float(beamSize) * options.patience).rounded()))
        var candidates: [(parent: Int, token: Int, score: Float)] = []
        for (b, beam) in search.beams.enumerated() {
            let logProbs = logProbabilities(search.logits[b], after: beam.tokens)
            for token in topIndices(logProbs, count: beamSize + 1) {
                candidates.append((b, token, beam.logProbability + logProbs[token]))
            }
        }
        candidates.sort { $0.score > $1.score }
        var chosen: [(parent: Int, tokens: [Int], score: Float)] = []
        var seen = Set<[Int]>()
        for candidate in candidates {
            let tokens = search.beams[candidate.parent].tokens + [candidate.token]
            guard seen.insert(tokens).inserted else { continue }
            if candidate.token == specials.endOfText {
                if search.finished.count < maxFinished { search.finished.append((tokens, candidate.score)) }
            } else {
                chosen.append((candidate.parent, tokens, candidate.score))
                if chosen.count == beamSize { break }
            }
        }
        search.steps += 1
        if search.finished.count >= maxFinished || chosen.isEmpty || search.steps >= search.maxLength {
            search.isDone = true
            if search.finished.count < maxFinished {
                let unfinished = chosen.isEmpty ? search.beams.map { ($0.tokens, $0.logProbability) } : chosen.map { ($0.tokens, $0.score) }
                search.finished += unfinished.prefix(maxFinished - search.finished.count)
            }
            return
        }
        // Each parent's cache moves to its last child and is copied for the others.
        var parentCaches = search.takeCaches()
        var beams: [Beam] = []
        for (i, choice) in chosen.enumerated() {
            beams.append(Beam(tokens: choice.tokens, logProbability: choice.score, cache: parentCaches[choice.parent]))
            if !chosen[(i + 1)...].contains(where: { $0.parent == choice.parent }) {
                parentCaches[choice.parent] = DecoderCache(layers: 0)
            }
        }
        search.beams = beams
    }

    /// The search's hypotheses, best first, at most nBest.
    func hypotheses(_ search: BeamSearch) -> [Hypothesis] {
        let ranked = search.finished.sorted { rank($0) > rank($1) }
        return ranked.prefix(max(1, options.nBest)).map { hypothesis($0.0, logProbability: $0.1) }
    }

    private func beamSearch(firstLogits: [Float], cache: DecoderCache, memory: CrossMemory, maxLength: Int) -> [Hypothesis] {
        var search = BeamSearch(firstLogits: firstLogits, cache: cache, maxLength: maxLength)
        while !search.isDone {
            advance(&search)
            if search.isDone { break }
            var caches = search.takeCaches()
            let hidden = model.decoder(search.beams.map { [$0.tokens.last!] }, caches: &caches, memory: memory)
            let logits = model.decoder.logits(hidden)
            search.logits = search.beams.indices.map { logits.row($0) }
            for i in caches.indices { search.beams[i].cache = caches[i] }
        }
        return hypotheses(search)
    }

    private func rank(_ candidate: ([Int], Float)) -> Float {
        let length = Float(candidate.0.count)
        let penalty = options.lengthPenalty.map { powf((5 + length) / 6, $0) } ?? length
        return candidate.1 / penalty
    }

    private func topIndices(_ values: [Float], count: Int) -> [Int] {
        var best: [Int] = []
        // What a value must beat to enter `best`: one comparison for most of the vocabulary.
        var threshold = -Float.infinity
        for i in values.indices where values[i] > threshold {
            if best.count < count { best.append(i) } else { best[count - 1] = i }
            best.sort { values[$0] > values[$1] }
            if best.count == count { threshold = values[best[count - 1]] }
        }
        return best
    }

    // MARK: Logit rules

    /// Log-softmax of the logits after Whisper's rules for the position following `tokens` (the sampled tokens).
    /// `logits` is a row of a step's logits, shared with the other beams' rows (copied once, here, to be masked).
    func logProbabilities(_ logits: ArraySlice<Float>, after tokens: [Int]) -> [Float] {
        var masked = Array(logits)
        for token in model.suppressedTokens where token < masked.count { masked[token] = -.infinity }
        if tokens.isEmpty {
            for token in model.suppressedAtBegin where token < masked.count { masked[token] = -.infinity }
        }
        guard !options.withoutTimestamps else { return Vector.logSoftmax(masked) }
        applyTimestampRules(&masked, after: tokens)
        let logProbs = Vector.logSoftmax(masked)
        // If all timestamps together are likelier than any single text token, sample a timestamp.
        let begin = specials.timestampBegin
        let bestText = Vector.maximum(logProbs[0..<begin])
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
