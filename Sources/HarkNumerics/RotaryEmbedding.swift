// Rotary position embeddings, NeoX layout: dimension i rotates with dimension i + headDim/2.
import Foundation

/// The rotation of each row's position (cosines and sines of its angles), computed once per forward pass for a
/// RoPE base and shared by every layer with that base and by queries and keys alike.
public struct RotaryEmbedding: Sendable {
    public let headDim: Int
    /// [rows, headDim / 2] each.
    let cosines: [Float]
    let sines: [Float]

    /// Frequencies base^(-2i/headDim) at each of `positions`.
    public init(positions: [Int], headDim: Int, base: Float) {
        let half = headDim / 2
        // Angles in Float, each the previous times base^(-2/headDim), as ggml computes them: the rotated values
        // feed an 8-bit quantization, where a last-bit difference can move a rounding.
        let ratio = powf(base, -2 / Float(headDim))
        var angles = [Float](repeating: 0, count: positions.count * half)
        for (row, position) in positions.enumerated() {
            var angle = Float(position)
            for i in 0..<half { angles[row * half + i] = angle; angle *= ratio }
        }
        self.headDim = headDim
        cosines = angles.map { cosf($0) }
        sines = angles.map { sinf($0) }
    }

    /// Rotates each head of each row by its row's position: row r holds `heads` vectors of headDim.
    public func applyNeoX(_ x: inout [Float], heads: Int) {
        let half = headDim / 2
        precondition(x.count == cosines.count / half * heads * headDim, "rotation: rows do not match the positions")
        x.withUnsafeMutableBufferPointer { p in
            for row in 0..<(cosines.count / half) {
                let cosine = row * half
                for h in 0..<heads {
                    let start = (row * heads + h) * headDim
                    for i in 0..<half {
                        let a = p[start + i], b = p[start + i + half]
                        p[start + i] = a * cosines[cosine + i] - b * sines[cosine + i]
                        p[start + i + half] = a * sines[cosine + i] + b * cosines[cosine + i]
                    }
                }
            }
        }
    }
}
