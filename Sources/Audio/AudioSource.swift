// The seam every consumer reads audio through: blocks of 16 kHz mono Float samples, batch or live.

/// Whisper, dMel and every later stage work at this rate.
public let speechSampleRate = 16_000

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
