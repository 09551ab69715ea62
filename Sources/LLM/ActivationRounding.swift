// The rounding llama.cpp's CPU kernels apply to activations, reproduced so logits agree with the reference:
// a product with a half-precision operand (an F16 weight, the KV cache) rounds to half; GELU reads a
// half-precision table; attention weights are rounded to half before they meet the half-precision value cache.
// (Products with quantized weights quantize their activation rows in HarkNumerics' QuantizedMatrix.)
import Foundation
import HarkNumerics

public enum ActivationRounding {
    /// Rounds `x` as llama.cpp does before multiplying it by a weight stored as `weightType` (F32, F16 or BF16).
    public static func forProduct(with weightType: GGMLType, _ x: inout [Float]) {
        precondition(weightType.blockFormat == nil, "quantized weights multiply in QuantizedMatrix")
        if weightType == .f16 || weightType == .bf16 { toHalf(&x) }
    }

    /// Round to IEEE half and back (round to nearest even), as the f16 KV cache stores values.
    public static func toHalf(_ x: inout [Float]) {
        for i in x.indices { x[i] = HalfPrecision.rounded(x[i]) }
    }

    /// GELU (tanh form) through a half-precision table: input and output rounded to half; |x| >= 10 passes through.
    public static func geluTanhHalfTable(_ x: inout [Float], pool: ThreadPool) {
        let count = x.count
        geluTable.withUnsafeBufferPointer { table in
        x.withUnsafeMutableBufferPointer { x in
            pool.forEach(splitting: count, minimum: 32_768) { range, _ in
                for i in range {
                    let v = x[i]
                    if v <= -10 { x[i] = 0 } else if v < 10 { x[i] = table[Int(Float16(v).bitPattern)] }
                }
            }
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
