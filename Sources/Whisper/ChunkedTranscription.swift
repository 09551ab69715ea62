// Recognition of speech chunks cut from a long recording (by a voice activity detector), on the recording's time line.
import Foundation
import HarkNumerics
import VAD

extension Transcriber {
    /// Transcribes each chunk of `samples` on its own (a chunk joins stretches of speech, the pauses between them
    /// left out) and maps every time back to `samples`' time line. The language detected in the first chunk holds
    /// for the rest; with `conditionOnPreviousText`, a chunk's text is the next chunk's prompt, as a window's is
    /// the next window's (unless it needed a temperature above 0.5: likely wrong, it would mislead).
    ///
    /// With `batchSize` above 1, that many chunks at a time go through the encoder one after the other and then
    /// through the decoder together, every step of all their beams in one pass (faster-whisper's
    /// BatchedInferencePipeline); their prompt is the initial prompt only, as they are decoded at once. A chunk
    /// whose text fails the fallback checks is decoded again on its own at higher temperatures, as without
    /// batching.
    public func transcribe(_ samples: [Float], chunks: [SpeechChunk], batchSize: Int = 1,
                           options: DecodingOptions = DecodingOptions(),
                           progress: ((Double) throws -> Void)? = nil) throws -> Transcription {
        try check(options)
        let total = Double(max(1, chunks.reduce(0) { $0 + $1.sampleCount }))
        var done = 0
        var language = options.language
        var languageProbabilities: [LanguageProbability] = []
        // Each decoded piece's segments (on the original time line) and n-best list, in the order of the audio.
        var pieces: [(segments: [Segment], nBest: [Hypothesis])] = []
        var previousText = options.initialPrompt
        func chunkOptions(_ chunk: SpeechChunk) -> DecodingOptions {
            var chunkOptions = options
            chunkOptions.language = language
            chunkOptions.initialPrompt = previousText
            // Where a chunk joins stretches, a segment's words tell which stretch each part belongs to.
            chunkOptions.wordTimestamps = options.wordTimestamps || chunk.stretches.count > 1
            return chunkOptions
        }
        func decode(_ chunk: SpeechChunk, features given: Tensor? = nil, first: FirstWindow? = nil,
                    report: Bool) throws -> (segments: [Segment], nBest: [Hypothesis], text: String, confident: Bool) {
            let features = try given ?? self.features(chunk.samples(of: samples))
            let result = try transcribe(features: features, options: chunkOptions(chunk), firstWindow: first) { fraction in
                if report { try progress?((Double(done) + fraction * Double(chunk.sampleCount)) / total) }
            }
            if language == nil {
                language = result.language
                languageProbabilities = result.languageProbabilities
            }
            let segments = result.segments.flatMap { onOriginalTimeLine($0, chunk: chunk) }
            return (segments, result.nBest, result.text.trimmingCharacters(in: .whitespaces),
                    result.segments.allSatisfy { $0.temperature <= 0.5 })
        }
        for batchStart in stride(from: 0, to: chunks.count, by: max(1, batchSize)) {
            let batch = Array(chunks[batchStart..<min(chunks.count, batchStart + max(1, batchSize))])
            var features: [Tensor?] = Array(repeating: nil, count: batch.count)
            var firsts: [FirstWindow?] = Array(repeating: nil, count: batch.count)
            if batchSize > 1 {
                previousText = options.initialPrompt
                features = try batch.map { try self.features($0.samples(of: samples)) }
                let batchOptions = chunkOptions(batch[0])
                let memories = features.map { chunkFeatures -> CrossMemory in
                    let frames = chunkFeatures!.rows
                    return windowMemory(chunkFeatures!, seek: 0, contentFrames: max(0, frames - 1), options: batchOptions)
                }
                if language == nil {
                    languageProbabilities = timings.measure("language detection") { detectLanguage(memory: memories[0]) }
                    language = languageProbabilities.first?.language ?? "en"
                }
                let (prompt, startIndex) = try windowPrompt(previous: promptTokens(options.initialPrompt), language: language!,
                                                            options: batchOptions)
                let decodings = timings.measure("batched decoding") {
                    WindowDecoder(model: model, options: batchOptions).decodeTogether(memories: memories, prompt: prompt, startIndex: startIndex)
                }
                firsts = zip(memories, decodings).map { FirstWindow(memory: $0, decoding: $1) }
            }
            for (index, chunk) in batch.enumerated() {
                let decoded = try decode(chunk, features: features[index], first: firsts[index], report: true)
                done += chunk.sampleCount
                var chunkPieces = [(decoded.segments, decoded.nBest)]
                // Whisper sometimes ends a window's text early, at a pause, and what follows is lost; a stretch of
                // two seconds or more that got no word is decoded again on its own.
                if chunk.stretches.count > 1 {
                    let rate = Double(SileroVAD.sampleRate)
                    let heard = Set(decoded.segments.flatMap(\.words).compactMap { word in
                        chunk.stretches.firstIndex { Double($0.upperBound) >= (word.start + word.end) / 2 * rate }
                    })
                    for (stretchIndex, stretch) in chunk.stretches.enumerated()
                    where !heard.contains(stretchIndex) && stretch.count >= 2 * SileroVAD.sampleRate {
                        let again = try decode(SpeechChunk(stretches: [stretch]), report: false)
                        chunkPieces.append((again.segments, again.nBest))
                    }
                }
                for (segments, nBest) in chunkPieces {
                    let kept = options.wordTimestamps ? segments : segments.map { var s = $0; s.words = []; return s }
                    pieces.append((kept, nBest))
                }
                if batchSize <= 1 {
                    previousText = options.conditionOnPreviousText && decoded.confident && !decoded.text.isEmpty ? decoded.text : nil
                }
            }
        }
        try progress?(1)
        pieces.sort { ($0.segments.first?.start ?? 0) < ($1.segments.first?.start ?? 0) }
        let nBest = pieces.map(\.nBest).filter { !$0.isEmpty }.reduce([Hypothesis]()) { joined, next in
            joined.isEmpty ? next : zip(joined, next).map { a, b in
                Hypothesis(text: a.text + b.text, tokens: a.tokens + b.tokens, logProbability: a.logProbability + b.logProbability,
                           averageLogProbability: (a.logProbability + b.logProbability) / Float(a.tokens.count + b.tokens.count + 1))
            }
        }
        return Transcription(language: language ?? "en", languageProbabilities: languageProbabilities,
                             segments: pieces.flatMap(\.segments), nBest: nBest,
                             duration: Double(samples.count) / Double(SileroVAD.sampleRate))
    }

    /// A segment decoded from a chunk, on the original time line: split where its words pass from one stretch to
    /// the next (a pause was cut out there), each part from its first word's start to its last word's end. Without
    /// words, its start and end are mapped as they are.
    private func onOriginalTimeLine(_ segment: Segment, chunk: SpeechChunk) -> [Segment] {
        // To the millisecond, as times within a chunk are.
        func original(_ seconds: Double, _ stretch: Int) -> Double {
            (chunk.originalTime(seconds, inStretch: stretch) * 1000).rounded() / 1000
        }
        guard !segment.words.isEmpty else {
            // One stretch (or no words): start and end as they are.
            var mapped = segment
            mapped.start = original(segment.start, chunk.stretch(at: segment.start))
            mapped.end = original(segment.end, chunk.stretch(at: max(segment.start, segment.end - 0.001)))
            return [mapped]
        }
        var parts: [Segment] = []
        var words: [TimedWord] = []
        var currentStretch = -1
        func close() {
            guard let first = words.first, let last = words.last else { return }
            var part = segment
            part.tokens = words.flatMap(\.tokens)
            part.text = words.map(\.text).joined()
            part.start = first.start
            part.end = last.end
            part.words = words
            parts.append(part)
            words = []
        }
        for var word in segment.words {
            let stretch = chunk.stretch(at: (word.start + word.end) / 2)
            if stretch != currentStretch { close() }
            currentStretch = stretch
            word.start = original(word.start, stretch)
            word.end = original(word.end, stretch)
            words.append(word)
        }
        close()
        return parts
    }
}
