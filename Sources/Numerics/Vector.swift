// Element-wise and row-wise kernels (softmax, norms, activations) in one place, vDSP-style.
import Foundation

public enum Vector {
    public static func add(_ x: inout [Float], _ y: [Float]) {
        precondition(x.count == y.count)
        x.withUnsafeMutableBufferPointer { px in
            y.withUnsafeBufferPointer { py in
                for i in 0..<px.count { px[i] += py[i] }
            }
        }
    }

    public static func scale(_ x: inout [Float], by s: Float) {
        x.withUnsafeMutableBufferPointer { px in for i in 0..<px.count { px[i] *= s } }
    }

    /// Numerically stable softmax over each row of length `width`, in place.
    public static func softmaxRows(_ x: inout [Float], width: Int) {
        x.withUnsafeMutableBufferPointer { p in
            for start in stride(from: 0, to: p.count, by: width) {
                var maxValue = -Float.infinity
                for i in start..<(start + width) { maxValue = max(maxValue, p[i]) }
                var sum: Float = 0
                for i in start..<(start + width) { let e = expf(p[i] - maxValue); p[i] = e; sum += e }
                let inv = 1 / sum
                for i in start..<(start + width) { p[i] *= inv }
            }
        }
    }

    /// log(softmax(x)) of one vector, computed stably.
    public static func logSoftmax(_ x: [Float]) -> [Float] {
        let maxValue = x.max() ?? 0
        var sum: Double = 0
        for v in x { sum += Double(expf(v - maxValue)) }
        let logSum = maxValue + Float(log(sum))
        return x.map { $0 - logSum }
    }

    /// LayerNorm over each row: (x - mean) / sqrt(var + eps) * gamma + beta.
    public static func layerNormRows(_ x: inout [Float], width: Int, gamma: [Float], beta: [Float], eps: Float = 1e-5) {
        precondition(gamma.count == width && beta.count == width)
        x.withUnsafeMutableBufferPointer { p in
            for start in stride(from: 0, to: p.count, by: width) {
                var mean: Float = 0
                for i in start..<(start + width) { mean += p[i] }
                mean /= Float(width)
                var variance: Float = 0
                for i in start..<(start + width) { let d = p[i] - mean; variance += d * d }
                let inv = 1 / sqrtf(variance / Float(width) + eps)
                for j in 0..<width { p[start + j] = (p[start + j] - mean) * inv * gamma[j] + beta[j] }
            }
        }
    }

    /// RMSNorm over each row: x / sqrt(mean(x^2) + eps) * weight.
    public static func rmsNormRows(_ x: inout [Float], width: Int, weight: [Float], eps: Float) {
        precondition(weight.count == width)
        x.withUnsafeMutableBufferPointer { p in
            for start in stride(from: 0, to: p.count, by: width) {
                // Squares summed in Double, then scale and weight applied one after the other, as llama.cpp
                // does: the next product rounds its input to 8 bits, so a last-bit difference here can move a
                // whole block's scale.
                var sumSquares: Double = 0
                for i in start..<(start + width) { sumSquares += Double(p[i] * p[i]) }
                let inv = 1 / sqrtf(Float(sumSquares / Double(width)) + eps)
                for j in 0..<width { p[start + j] = (p[start + j] * inv) * weight[j] }
            }
        }
    }

    /// GELU with the exact error function, as Whisper uses.
    public static func gelu(_ x: inout [Float]) {
        x.withUnsafeMutableBufferPointer { p in
            for i in 0..<p.count { p[i] = 0.5 * p[i] * (1 + erff(p[i] * 0.70710678118654752)) }
        }
    }

    /// GELU with the tanh approximation, as Gemma uses.
    public static func geluTanh(_ x: inout [Float]) {
        x.withUnsafeMutableBufferPointer { p in
            for i in 0..<p.count {
                let v = p[i]
                p[i] = 0.5 * v * (1 + tanhf(0.7978845608028654 * (v + 0.044715 * v * v * v)))
            }
        }
    }
}
