// Rotary position embeddings, NeoX layout: dimension i rotates with dimension i + headDim/2.
import Foundation

public enum RotaryEmbedding {
    /// Rotates each head of each row by its position: row r holds `heads` vectors of `headDim` at position
    /// positions[r], with frequencies base^(-2i/headDim).
    public static func applyNeoX(_ x: inout [Float], heads: Int, headDim: Int, positions: [Int], base: Float) {
        let half = headDim / 2
        // Angles in Float, each the previous times base^(-2/headDim), as ggml computes them: the rotated values
        // feed an 8-bit quantization, where a last-bit difference can move a rounding.
        let ratio = powf(base, -2 / Float(headDim))
        x.withUnsafeMutableBufferPointer { p in
            for (row, position) in positions.enumerated() {
                var angles = [Float](repeating: 0, count: half)
                var angle = Float(position)
                for i in 0..<half { angles[i] = angle; angle *= ratio }
                let cosines = angles.map { cosf($0) }, sines = angles.map { sinf($0) }
                for h in 0..<heads {
                    let start = (row * heads + h) * headDim
                    for i in 0..<half {
                        let a = p[start + i], b = p[start + i + half]
                        p[start + i] = a * cosines[i] - b * sines[i]
                        p[start + i + half] = a * sines[i] + b * cosines[i]
                    }
                }
            }
        }
    }
}
