// The seam every consumer reads audio through: blocks of 16 kHz mono Float samples, batch or live.

/// Whisper, dMel and every later stage work at this rate.
public let speechSampleRate = 16_000

/// Header values a recording can have; anything outside is a damaged or crafted header, refused before any
/// buffer is sized from it. 1 kHz is below any telephone codec, 768 kHz above any converter's rate; 256 channels
/// are four times the largest microphone arrays' (libsndfile itself allows 1024).
public enum AudioLimits {
    public static let sampleRates = 1_000...768_000
    public static let channels = 1...256

    /// Why a header's rate and channel count cannot be a recording's, or nil when they can.
    static func problem(sampleRate: Int, channels: Int) -> String? {
        if !sampleRates.contains(sampleRate) {
            return "sample rate \(sampleRate) Hz is outside \(sampleRates.lowerBound)...\(sampleRates.upperBound) Hz"
        }
        if !self.channels.contains(channels) {
            return "\(channels) channels is outside \(self.channels.lowerBound)...\(self.channels.upperBound)"
        }
        return nil
    }
}

/// A producer of 16 kHz mono samples in blocks. A file is a stream that ends; stdin may be live.
public protocol AudioSource {
    /// Name used in messages: the file path, or "stdin".
    var name: String { get }
    /// The next block of 16 kHz mono samples, or nil once the input has ended.
    mutating func nextBlock() throws -> [Float]?
    /// Problems that did not stop decoding (for example a truncated file), one line each.
    var warnings: [String] { get }
}

extension AudioSource {
    /// Drains the source into one buffer (the batch path).
    public mutating func readAll() throws -> [Float] {
        var samples: [Float] = []
        while let block = try nextBlock() { samples.append(contentsOf: block) }
        return samples
    }
}
