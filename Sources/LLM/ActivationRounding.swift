// The rounding llama.cpp's CPU kernels apply to activations, reproduced so logits agree with the reference:
// a product with a quantized weight first quantizes the activation row (Q8_0 for 32-blocks, Q8_K for 256-blocks);
// a product with a half-precision operand (the KV cache) rounds to half; GELU reads a half-precision table;
// attention weights are rounded to half before they meet the half-precision value cache.
import Foundation
import HarkNumerics

public enum ActivationRounding {
    /// Quantize-dequantize each row of `x` as llama.cpp does before multiplying by a weight of `weightType`.
    public static func forProduct(with weightType: GGMLType, _ x: inout [Float]) {
        switch weightType {
        case .q4_0, .q4_1, .q5_0, .q5_1, .q8_0, .q8_1: q8_0(&x)
        case .q2_K, .q3_K, .q4_K, .q5_K, .q6_K, .q8_K: q8_K(&x)
        case .f16, .bf16: toHalf(&x)
        case .f32: break
        }
    }

    /// Round to IEEE half and back (round to nearest even), as the f16 KV cache stores values.
    public static func toHalf(_ x: inout [Float]) {
        for i in x.indices { x[i] = HalfPrecision.rounded(x[i]) }
    }

    /// Q8_0 (x86 SIMD path): scale max|x| / 127 stored as half, values x * 127 / max|x| rounded to nearest even.
    static func q8_0(_ x: inout [Float]) {
        precondition(x.count % 32 == 0)
        for start in stride(from: 0, to: x.count, by: 32) {
            var amax: Float = 0
            for j in start..<(start + 32) { amax = max(amax, abs(x[j])) }
            let d = HalfPrecision.rounded(amax / 127)
            let inverse = amax != 0 ? 127 / amax : 0
            for j in start..<(start + 32) { x[j] = d * nearestEven(x[j] * inverse) }
        }
    }

    /// Q8_K: scale -127 / (the signed value of largest magnitude), values rounded to nearest even, capped at 127.
    static func q8_K(_ x: inout [Float]) {
        precondition(x.count % 256 == 0)
        for start in stride(from: 0, to: x.count, by: 256) {
            var amax: Float = 0, signedMax: Float = 0
            for j in start..<(start + 256) where abs(x[j]) > amax { amax = abs(x[j]); signedMax = x[j] }
            guard amax != 0 else { for j in start..<(start + 256) { x[j] = 0 }; continue }
            let inverseScale = -127 / signedMax
            let d = 1 / inverseScale
            for j in start..<(start + 256) { x[j] = d * min(127, nearestEven(inverseScale * x[j])) }
        }
    }

    /// Round to the nearest integer, ties to even, for |v| < 2^22: adding 1.5 * 2^23 leaves no fraction bits, and
    /// the hardware's default rounding does the rest (the trick llama.cpp's nearest_int uses; no library call).
    @inline(__always)
    static func nearestEven(_ v: Float) -> Float { (v + 12_582_912) - 12_582_912 }

    /// GELU (tanh form) through a half-precision table: input and output rounded to half; |x| >= 10 passes through.
    public static func geluTanhHalfTable(_ x: inout [Float]) {
        geluTable.withUnsafeBufferPointer { table in
            for i in x.indices {
                let v = x[i]
                if v <= -10 { x[i] = 0 } else if v < 10 { x[i] = table[Int(HalfPrecision.halfBits(from: v))] }
            }
        }
    }

    /// GELU of every half value, rounded to half, indexed by the input's bits (llama.cpp's ggml_table_gelu_f16).
    static let geluTable: [Float] = HalfPrecision.floatTable.map { h in
        HalfPrecision.rounded(0.5 * h * (1 + tanhf(0.7978845608028654 * h * (1 + 0.044715 * h * h))))
    }

    /// Attention weights of one query row, in place, as llama.cpp computes them on the CPU: libm's expf and a
    /// running sum (the Gemma comparisons were measured with these), then each weight rounded to half.
    public static func halfPrecisionSoftmax(_ row: UnsafeMutablePointer<Float>, count: Int) {
        let maxValue = Vector.maximum(row, count: count)
        var sum: Float = 0
        for j in 0..<count { let e = expf(row[j] - maxValue); row[j] = e; sum += e }
        let inverse = 1 / sum
        for j in 0..<count { row[j] = HalfPrecision.rounded(row[j] * inverse) }
    }
}
