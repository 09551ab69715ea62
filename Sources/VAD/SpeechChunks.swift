// Speech stretches joined into chunks a recognizer takes at once, and the way from a chunk's time back to the audio's.

/// Stretches of speech joined in order, the pauses between them replaced by a short silence (or none), and where
/// each came from.
public struct SpeechChunk: Equatable, Sendable {
    /// Sample ranges of the original audio, in order.
    public let stretches: [Range<Int>]
    /// Zero samples between two stretches.
    public let gapSamples: Int

    public init(stretches: [Range<Int>], gapSamples: Int = 0) {
        self.stretches = stretches
        self.gapSamples = gapSamples
    }

    public var sampleCount: Int { stretches.reduce(0) { $0 + $1.count } + max(0, stretches.count - 1) * gapSamples }

    /// Where stretch `index` begins in the chunk, in samples.
    private func offset(of index: Int) -> Int { stretches[..<index].reduce(0) { $0 + $1.count } + index * gapSamples }

    /// The chunk's samples, cut from the original audio.
    public func samples(of audio: [Float]) -> [Float] {
        var out: [Float] = []
        out.reserveCapacity(sampleCount)
        for (index, stretch) in stretches.enumerated() {
            if index > 0 { out += [Float](repeating: 0, count: gapSamples) }
            out += audio[stretch.clamped(to: 0..<audio.count)]
        }
        return out
    }

    /// The index of the stretch that holds `seconds` into the chunk; in a gap, the nearer one; past the end, the last.
    public func stretch(at seconds: Double) -> Int {
        let position = seconds * Double(SileroVAD.sampleRate)
        for index in stretches.indices {
            let end = Double(offset(of: index) + stretches[index].count)
            if position < end + Double(gapSamples) / 2 { return index }
        }
        return max(0, stretches.count - 1)
    }

    /// Where `seconds` into the chunk lies in the original audio, in seconds, held within stretch `index` (a time
    /// before it is its start, after it its end: a word does not run on into the pause cut out after it).
    public func originalTime(_ seconds: Double, inStretch index: Int) -> Double {
        let rate = Double(SileroVAD.sampleRate)
        let stretch = stretches[index]
        let position = min(max(seconds * rate - Double(offset(of: index)), 0), Double(stretch.count))
        return (Double(stretch.lowerBound) + position) / rate
    }

    /// Stretches joined in order into chunks of at most `maxSamples`, gaps included (faster-whisper's
    /// collect_chunks, which joins them without gaps); a stretch longer than that is a chunk of its own.
    public static func group(_ stretches: [Range<Int>], maxSamples: Int, gapSamples: Int = 0) -> [SpeechChunk] {
        var chunks: [SpeechChunk] = []
        var current: [Range<Int>] = [], length = 0
        for stretch in stretches where !stretch.isEmpty {
            if !current.isEmpty && length + gapSamples + stretch.count > maxSamples {
                chunks.append(SpeechChunk(stretches: current, gapSamples: gapSamples))
                current = []
                length = 0
            }
            length += (current.isEmpty ? 0 : gapSamples) + stretch.count
            current.append(stretch)
        }
        if !current.isEmpty { chunks.append(SpeechChunk(stretches: current, gapSamples: gapSamples)) }
        return chunks
    }
}
