// Long-form recognition: 30-s windows over the features, language detection, prompts, fallback and segments.
import Features
import Foundation
import HarkNumerics
internal import CZlib

public struct Transcriber {
    public let model: WhisperModel
    /// Where each stage's wall time is added (`--timings`), if anywhere.
    public let timings: StageTimings?
    /// 10 ms per feature frame; the encoder halves it, so timestamps count 20 ms steps.
    static let secondsPerFrame = 0.01
    public static let secondsPerTimestep = 0.02

    public init(model: WhisperModel, timings: StageTimings? = nil) {
        self.model = model
        self.timings = timings
    }


    /// Throws when these options cannot run on this model (an unknown language, or another language than English
    /// on an English-only model), so a caller can refuse them before any work.
    public func check(_ options: DecodingOptions) throws {
        guard let code = options.language else { return }
        _ = try model.tokenizer.languageToken(code)
        guard model.isMultilingual || code == "en" else { throw WhisperError.englishOnlyModel(language: code) }
    }

    /// Features as faster-whisper computes them for transcription: 160 zero samples appended first.
    public func features(_ samples: [Float]) throws -> Tensor {
        try timings.measure("features") { try WhisperLogMel(melBins: model.melBins)(samples, padding: WhisperLogMel.hopLength) }
    }

    /// `progress` hears the fraction done after each window and may throw to stop (a client that went away);
    /// `decoded` hears each window's new segments as soon as they are final (a live caption, a streamed response).
    public func transcribe(_ samples: [Float], options: DecodingOptions = DecodingOptions(),
                           progress: ((Double) throws -> Void)? = nil,
                           decoded: (([Segment]) throws -> Void)? = nil) throws -> Transcription {
        try transcribe(features: features(samples), options: options, progress: progress, decoded: decoded)
    }

    /// Language probabilities from the first window, most likely first.
    public func detectLanguage(_ samples: [Float]) throws -> [LanguageProbability] {
        detectLanguage(memory: memory(window(try features(samples), at: 0)))
    }

    /// Recognizes Whisper log-mel features [frames, melBins] (from audio, or decoded from .dmel tokens).
    public func transcribe(features: Tensor, options: DecodingOptions = DecodingOptions(),
                           progress: ((Double) throws -> Void)? = nil,
                           decoded: (([Segment]) throws -> Void)? = nil) throws -> Transcription {
        try transcribe(features: features, options: options, firstWindow: nil, progress: progress, decoded: decoded)
    }

    /// The first window's encoder output and temperature-0 decoding, computed already (with other windows').
    struct FirstWindow {
        let memory: CrossMemory
        let decoding: WindowDecoding
    }

    func transcribe(features: Tensor, options: DecodingOptions, firstWindow: FirstWindow?,
                    progress: ((Double) throws -> Void)?, decoded onSegments: (([Segment]) throws -> Void)? = nil) throws -> Transcription {
        guard features.columns == model.melBins else {
            throw WhisperError.featureMismatch(expectedMels: model.melBins, actualMels: features.columns)
        }
        let tokenizer = model.tokenizer
        let specials = tokenizer.specials
        // The extractor's extra frame is padding, not content.
        let contentFrames = max(0, features.rows - 1)
        var seek = 0
        var segments: [Segment] = []
        var nBestTexts = [String](repeating: "", count: max(1, options.nBest))
        var nBestTokens = [[Int]](repeating: [], count: max(1, options.nBest))
        var nBestLogProb = [Float](repeating: 0, count: max(1, options.nBest))
        var history = promptTokens(options.initialPrompt)
        var historyStart = 0
        // Where the last word before the current window ended (the rules for words after a pause measure from it).
        var lastSpeech = 0.0
        try check(options)
        var language = model.isMultilingual ? options.language : "en"
        var languageProbabilities: [LanguageProbability] = []
        var generator = SplitMix64(seed: options.seed)
        let decoder = WindowDecoder(model: model, options: options)

        while seek < contentFrames {
            let windowFrames = min(WhisperLogMel.windowFrames, contentFrames - seek)
            let timeOffset = Double(seek) * Self.secondsPerFrame
            let memory = seek == 0 && firstWindow != nil ? firstWindow!.memory
                : windowMemory(features, seek: seek, contentFrames: contentFrames, options: options)
            if language == nil {
                languageProbabilities = timings.measure("language detection") { detectLanguage(memory: memory) }
                language = languageProbabilities.first?.language ?? "en"
            }
            let previous = options.conditionOnPreviousText || seek == 0 ? Array(history[historyStart...]) : []
            let (prompt, startIndex) = try windowPrompt(previous: previous, language: language!, options: options)

            let decoded = decodeWithFallback(decoder, memory: memory, prompt: prompt, startIndex: startIndex,
                                             draft: seek == 0 ? options.draft : [], first: seek == 0 ? firstWindow?.decoding : nil,
                                             generator: &generator)
            let best = decoded.hypotheses[0]
            if let threshold = options.noSpeechThreshold, decoded.noSpeechProbability > threshold,
               !(options.logProbThreshold.map { best.averageLogProbability > $0 } ?? false) {
                seek += windowFrames
                try progress?(Double(seek) / Double(max(contentFrames, 1)))
                continue
            }
            var (windowSegments, advance, singleTimestampEnding) = split(best.tokens, seek: seek, timeOffset: timeOffset,
                                                                         windowFrames: windowFrames)
            if options.withoutTimestamps && seek + windowFrames < contentFrames {
                advance = min(advance, coveredFrames(memory: memory, prompt: prompt, startIndex: startIndex, textTokens: best.tokens.count))
            }
            var segmentWords = [[TimedWord]](repeating: [], count: windowSegments.count)
            if options.wordTimestamps {
                segmentWords = timings.measure("word timing") {
                    timeWords(of: &windowSegments, memory: memory, contentPositions: windowFrames / 2,
                              startSequence: prompt[startIndex...].filter { $0 != specials.noTimestamps },
                              language: language!, offset: timeOffset, lastSpeech: lastSpeech, options: options)
                }
                // The next window starts where the last word ends rather than at the last timestamp, as in
                // openai-whisper and faster-whisper: the words after it are then timed from there, not earlier.
                // Unless the timestamps reached the end of the audio (a speech chunk's end, mostly): Whisper given
                // only the few frames after the last word repeats its prompt there.
                if !singleTimestampEnding, seek + advance < contentFrames,
                   let lastWordEnd = Self.speechEnd(segmentWords, windowSegments), lastWordEnd > timeOffset {
                    advance = max(1, Int((lastWordEnd / Self.secondsPerFrame).rounded()) - seek)
                }
                if let threshold = options.hallucinationSilenceThreshold {
                    let windowEnd = timeOffset + Double(WhisperLogMel.windowFrames) * Self.secondsPerFrame
                    switch Self.skipHallucination(segmentWords, timeOffset: timeOffset, windowEnd: windowEnd,
                                             windowDuration: Double(windowFrames) * Self.secondsPerFrame,
                                             contentDuration: Double(contentFrames) * Self.secondsPerFrame,
                                             lastSpeech: lastSpeech, threshold: threshold) {
                    case .keep:
                        break
                    case let .redecode(from):
                        // Silence, then what looks like a hallucination: decode again from where the words begin.
                        seek += max(1, Int((from / Self.secondsPerFrame).rounded()) - seek)
                        try progress?(Double(min(seek, contentFrames)) / Double(max(contentFrames, 1)))
                        continue
                    case let .truncate(keeping, resumeAt):
                        windowSegments.removeSubrange(keeping...)
                        segmentWords.removeSubrange(keeping...)
                        advance = max(1, Int((resumeAt / Self.secondsPerFrame).rounded()) - seek)
                    }
                }
                if let end = Self.speechEnd(segmentWords, windowSegments) { lastSpeech = end }
            }
            let segmentsBefore = segments.count
            for (k, segmentTokens) in windowSegments.enumerated() {
                let words = segmentWords[k]
                let text = words.isEmpty ? tokenizer.decode(segmentTokens.tokens) : words.map(\.text).joined()
                guard !text.trimmingCharacters(in: .whitespaces).isEmpty else { continue }
                segments.append(Segment(start: segmentTokens.start, end: segmentTokens.end, text: text,
                                        tokens: segmentTokens.tokens, averageLogProbability: best.averageLogProbability,
                                        noSpeechProbability: decoded.noSpeechProbability,
                                        compressionRatio: compressionRatio(best.text), temperature: decoded.temperature,
                                        words: words))
            }
            for k in nBestTexts.indices {
                let hypothesis = decoded.hypotheses[min(k, decoded.hypotheses.count - 1)]
                nBestTexts[k] += tokenizer.decode(hypothesis.tokens.filter { !tokenizer.isTimestamp($0) })
                nBestTokens[k] += hypothesis.tokens
                nBestLogProb[k] += hypothesis.logProbability
            }
            if segments.count > segmentsBefore { try onSegments?(Array(segments[segmentsBefore...])) }
            history += best.tokens
            if !options.conditionOnPreviousText || decoded.temperature > 0.5 { historyStart = history.count }
            seek += advance
            try progress?(Double(min(seek, contentFrames)) / Double(max(contentFrames, 1)))
        }
        let nBest = nBestTexts.indices.map { k in
            Hypothesis(text: nBestTexts[k], tokens: nBestTokens[k], logProbability: nBestLogProb[k],
                       averageLogProbability: nBestLogProb[k] / Float(max(1, nBestTokens[k].count + 1)))
        }
        return Transcription(language: language ?? "en", languageProbabilities: languageProbabilities, segments: segments,
                             nBest: nBest, duration: Double(contentFrames) * Self.secondsPerFrame)
    }

    // MARK: Pieces

    /// The encoder output of the window at `seek` (frames), seen through the decoder's cross-attention.
    func windowMemory(_ features: Tensor, seek: Int, contentFrames: Int, options: DecodingOptions) -> CrossMemory {
        let windowFrames = min(WhisperLogMel.windowFrames, contentFrames - seek)
        let encoderFrames = options.shortEncoderWindows ? min(WhisperLogMel.windowFrames, max(1000, (windowFrames + 99) / 100 * 100))
                                                        : WhisperLogMel.windowFrames
        return memory(window(features, at: seek, frames: windowFrames), paddedTo: encoderFrames)
    }

    /// A window's prompt: the previous text (if any) after <|startofprev|>, then the start sequence; and where the
    /// start sequence begins.
    func windowPrompt(previous: [Int], language: String, options: DecodingOptions) throws -> (prompt: [Int], startIndex: Int) {
        let specials = model.tokenizer.specials
        var prompt: [Int] = []
        if !previous.isEmpty {
            prompt.append(specials.startOfPrevious)
            prompt += previous.suffix(model.decoder.maxPositions / 2 - 1)
        }
        let startIndex = prompt.count
        prompt.append(specials.startOfTranscript)
        if model.isMultilingual {
            prompt.append(try model.tokenizer.languageToken(language))
            prompt.append(options.task == .translate ? specials.translate : specials.transcribe)
        }
        if options.withoutTimestamps { prompt.append(specials.noTimestamps) }
        return (prompt, startIndex)
    }

    /// The tokens of a text given as a prompt (a leading space, as the reference adds).
    func promptTokens(_ text: String?) -> [Int] {
        text.map { model.tokenizer.encode(" " + $0.trimmingCharacters(in: .whitespaces)) } ?? []
    }

    private func window(_ features: Tensor, at seek: Int, frames: Int = WhisperLogMel.windowFrames) -> Tensor {
        features.rows(seek..<min(features.rows, seek + frames))
    }

    func memory(_ window: Tensor, paddedTo frames: Int = WhisperLogMel.windowFrames) -> CrossMemory {
        let encoded = timings.measure("encoder") { model.encoder(WhisperLogMel.padOrTrim(window, frames: frames)) }
        return timings.measure("cross-attention memory") { model.decoder.memory(encoded) }
    }

    func detectLanguage(memory: CrossMemory) -> [LanguageProbability] {
        let tokenizer = model.tokenizer
        var cache = [DecoderCache(layers: model.decoder.layers.count)]
        let hidden = model.decoder([[tokenizer.specials.startOfTranscript]], caches: &cache, memory: memory)
        let logits = model.decoder.logits(hidden).data
        let first = tokenizer.specials.firstLanguage
        var languageLogits = Array(logits[first..<(first + tokenizer.languages.count)])
        Vector.softmaxRows(&languageLogits, width: languageLogits.count)
        return zip(tokenizer.languages, languageLogits)
            .map { LanguageProbability(language: $0, probability: $1) }
            .sorted { $0.probability > $1.probability }
    }

    /// Without timestamps a window's text says nothing of where it stopped, and the reference seeks a whole
    /// window on: speech after an early end-of-text is lost (seconds of it, after a pause). A greedy pass with
    /// timestamps over the same window tells where the speech that the text covers ends; when that is 2 s or
    /// more before the window's end, seek there, else (the text ran to the end) seek a whole window, as the
    /// reference does.
    private func coveredFrames(memory: CrossMemory, prompt: [Int], startIndex: Int, textTokens: Int) -> Int {
        var timed = DecodingOptions()
        timed.beamSize = 1
        var generator = SplitMix64(seed: 0)
        let result = WindowDecoder(model: model, options: timed)
            .decode(memory: memory, prompt: Array(prompt.dropLast()), startIndex: startIndex, temperature: 0, generator: &generator)
        let begin = model.tokenizer.specials.timestampBegin
        var counted = 0
        for token in result.hypotheses[0].tokens {
            if token < begin { counted += 1; continue }
            guard counted >= textTokens else { continue }
            let frames = (token - begin) * 2
            return frames <= WhisperLogMel.windowFrames - 200 ? max(frames, 100) : WhisperLogMel.windowFrames
        }
        return WhisperLogMel.windowFrames
    }

    /// Tries each temperature until the text is neither too repetitive nor too unlikely (faster-whisper's rule).
    /// `first`, when given, is the first temperature's result, decoded already (with other windows).
    private func decodeWithFallback(_ decoder: WindowDecoder, memory: CrossMemory, prompt: [Int], startIndex: Int,
                                    draft: [Int], first: WindowDecoding?, generator: inout SplitMix64) -> WindowDecoding {
        let options = decoder.options
        var candidates: [WindowDecoding] = []
        for (index, temperature) in (options.temperatures.isEmpty ? [0] : options.temperatures).enumerated() {
            let result = index == 0 && first != nil ? first!
                : timings.measure("decoding") {
                    decoder.decode(memory: memory, prompt: prompt, startIndex: startIndex, temperature: temperature,
                                   draft: draft, generator: &generator)
                }
            let best = result.hypotheses[0]
            let tooRepetitive = options.compressionRatioThreshold.map { compressionRatio(best.text) > $0 } ?? false
            let tooUnlikely = options.logProbThreshold.map { best.averageLogProbability < $0 } ?? false
            let silent = options.noSpeechThreshold.map { result.noSpeechProbability > $0 } ?? false
            if !tooRepetitive && (!tooUnlikely || silent) { return result }
            candidates.append(result)
        }
        // Nothing passed: keep the likeliest attempt.
        return candidates.max { $0.hypotheses[0].averageLogProbability < $1.hypotheses[0].averageLogProbability }!
    }

    /// Where a window's speech ends: its last timed word's end, else its last segment's end (faster-whisper's
    /// get_end).
    private static func speechEnd(_ segmentWords: [[TimedWord]], _ segments: [(start: Double, end: Double, tokens: [Int])]) -> Double? {
        segmentWords.last(where: { !$0.isEmpty })?.last?.end ?? segments.last?.end
    }

    /// Segments of a window's tokens between timestamp pairs, and how far to seek (in frames).
    private func split(_ tokens: [Int], seek: Int, timeOffset: Double, windowFrames: Int)
        -> (segments: [(start: Double, end: Double, tokens: [Int])], advance: Int, singleTimestampEnding: Bool) {
        let tokenizer = model.tokenizer
        let begin = tokenizer.specials.timestampBegin
        let isTimestamp = tokens.map { $0 >= begin }
        let singleTimestampEnding = tokens.count >= 2 && !isTimestamp[tokens.count - 2] && isTimestamp[tokens.count - 1]
        let pairs = (1..<max(1, tokens.count)).filter { isTimestamp[$0] && isTimestamp[$0 - 1] }
        func time(_ token: Int) -> Double { timeOffset + Double(token - begin) * Self.secondsPerTimestep }
        guard !pairs.isEmpty else {
            var duration = Double(windowFrames) * Self.secondsPerFrame
            if let last = tokens.last(where: { $0 >= begin }), last != begin { duration = Double(last - begin) * Self.secondsPerTimestep }
            let text = tokens.filter { $0 < begin }
            return ([(timeOffset, timeOffset + duration, text)], windowFrames, singleTimestampEnding)
        }
        var slices = pairs
        if singleTimestampEnding { slices.append(tokens.count) }
        var segments: [(Double, Double, [Int])] = []
        var last = 0
        for current in slices {
            let piece = Array(tokens[last..<current])
            segments.append((time(piece.first!), time(piece.last!), piece.filter { $0 < begin }))
            last = current
        }
        // Seek to the last complete timestamp, or past the window when speech ended before it.
        let advance = singleTimestampEnding ? windowFrames : (tokens[last - 1] - begin) * 2
        return (segments, max(advance, 1), singleTimestampEnding)
    }

    enum HallucinationCheck: Equatable {
        case keep
        /// Decode again from this time (seconds), where the words begin after a silence.
        case redecode(from: Double)
        /// Keep the segments before this index; the next window starts at the time given.
        case truncate(keeping: Int, resumeAt: Double)
    }

    /// faster-whisper's hallucination_silence_threshold: a first segment that looks like a hallucination
    /// (`isAnomaly`) after more than `threshold` seconds of silence is decoded again from its start; any other such
    /// segment with silence (or another such segment) on both sides is dropped with all after it, and decoding
    /// goes on from its start (or past the audio, when it ends within `threshold` of the end).
    static func skipHallucination(_ segmentWords: [[TimedWord]], timeOffset: Double, windowEnd: Double, windowDuration: Double,
                                   contentDuration: Double, lastSpeech: Double, threshold: Double) -> HallucinationCheck {
        let timed = segmentWords.indices.filter { !segmentWords[$0].isEmpty }
        if let first = timed.first, Self.isAnomaly(segmentWords[first]), segmentWords[first][0].start - timeOffset > threshold {
            return .redecode(from: segmentWords[first][0].start)
        }
        var previousEnd = lastSpeech
        for (position, index) in timed.enumerated() {
            let words = segmentWords[index]
            let start = words[0].start, end = words[words.count - 1].end
            if Self.isAnomaly(words) {
                let next = position + 1 < timed.count ? segmentWords[timed[position + 1]] : nil
                let nextStart = next?[0].start ?? timeOffset + windowDuration
                let silenceBefore = start - previousEnd > threshold || start < threshold || start - timeOffset < 2
                let silenceAfter = nextStart - end > threshold || next.map(Self.isAnomaly) ?? false || windowEnd - end < 2
                if silenceBefore && silenceAfter {
                    let resume = contentDuration - end < threshold ? contentDuration : max(timeOffset + 1, start)
                    return .truncate(keeping: index, resumeAt: resume)
                }
            }
            previousEnd = end
        }
        return .keep
    }

    /// Length of the UTF-8 text over its zlib-compressed length; repetitive hallucinations compress well.
    public func compressionRatio(_ text: String) -> Float {
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty else { return 0 }
        var compressedLength = compressBound(uLong(bytes.count))
        var compressed = [UInt8](repeating: 0, count: Int(compressedLength))
        let status = compress2(&compressed, &compressedLength, bytes, uLong(bytes.count), 6)
        guard status == Z_OK else { return 0 }
        return Float(bytes.count) / Float(compressedLength)
    }
}
