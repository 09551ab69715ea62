// Rotary position embeddings, NeoX layout: dimension i rotates with dimension i + headDim/2.
import Foundation

public enum RotaryEmbedding {
    /// Rotates each head of each row by its position: row r holds `heads` vectors of `headDim` at position
    /// positions[r], with frequencies base^(-2i/headDim).
    public static func applyNeoX(_ x: inout [Float], heads: Int, headDim: Int, positions: [Int], base: Float) {
        let half = headDim / 2
        let frequencies = (0..<half).map { pow(Double(base), -2 * Double($0) / Double(headDim)) }
        x.withUnsafeMutableBufferPointer { p in
            for (row, position) in positions.enumerated() {
                let angles = frequencies.map { Double(position) * $0 }
                let cosines = angles.map { Float(cos($0)) }, sines = angles.map { Float(sin($0)) }
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
