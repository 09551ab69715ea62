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
            for start in stride(from: 0, to: p.count, by: width) { softmax(p.baseAddress! + start, count: width) }
        }
    }

    /// Softmax of `count` values in place. Maximum and sum run in eight lanes and the exponentials in a loop of
    /// their own, so all three vectorize (a running scalar sum would keep the exponentials scalar too).
    public static func softmax(_ p: UnsafeMutablePointer<Float>, count: Int) {
        let maxValue = maximum(p, count: count)
        for i in 0..<count { p[i] = exponential(p[i] - maxValue) }
        let inverse = 1 / sum(p, count: count)
        for i in 0..<count { p[i] *= inverse }
    }

    public static func maximum(_ p: UnsafePointer<Float>, count: Int) -> Float {
        var lanes = SIMD8<Float>(repeating: -.infinity)
        var i = 0
        while i + 8 <= count {
            let next = UnsafeRawPointer(p + i).loadUnaligned(as: SIMD8<Float>.self)
            lanes.replace(with: next, where: next .> lanes)
            i += 8
        }
        var result = lanes.max()
        while i < count { result = max(result, p[i]); i += 1 }
        return result
    }

    static func sum(_ p: UnsafePointer<Float>, count: Int) -> Float {
        var lanes = SIMD8<Float>(repeating: 0)
        var i = 0
        while i + 8 <= count {
            lanes += UnsafeRawPointer(p + i).loadUnaligned(as: SIMD8<Float>.self)
            i += 8
        }
        var result = lanes.sum()
        while i < count { result += p[i]; i += 1 }
        return result
    }

    /// log(softmax(x)) of one vector, computed stably. The exponentials vectorize; their sum is taken in eight
    /// float lanes per block of 1024 and over the blocks in Double, as accurate as a Double sum of 52k values.
    public static func logSoftmax(_ x: [Float]) -> [Float] {
        let count = x.count
        guard count > 0 else { return [] }
        return x.withUnsafeBufferPointer { p in
            let maxValue = maximum(p.baseAddress!, count: count)
            var exponentials = [Float](unsafeUninitializedCapacity: count) { out, initialized in
                for i in 0..<count { out[i] = exponential(p[i] - maxValue) }
                initialized = count
            }
            var total: Double = 0
            exponentials.withUnsafeMutableBufferPointer { e in
                for start in stride(from: 0, to: count, by: 1024) {
                    total += Double(sum(e.baseAddress! + start, count: min(1024, count - start)))
                }
            }
            let logSum = maxValue + Float(log(total))
            return x.map { $0 - logSum }
        }
    }

    /// LayerNorm over each row: (x - mean) / sqrt(var + eps) * gamma + beta.
    /// LayerNorm over each row of length `width`, in place; rows spread over `pool` when given. Mean and variance
    /// are summed in eight lanes (a running scalar sum is one add a cycle at best: it held a 1500-row encoder
    /// norm to 2.7 ms).
    public static func layerNormRows(_ x: inout [Float], width: Int, gamma: [Float], beta: [Float], eps: Float = 1e-5,
                                     pool: ThreadPool? = nil) {
        precondition(gamma.count == width && beta.count == width)
        gamma.withUnsafeBufferPointer { gamma in
        beta.withUnsafeBufferPointer { beta in
            eachRow(of: &x, width: width, pool: pool) { start in
                let mean = sum(start, count: width) / Float(width)
                let variance = squaredDeviations(start, count: width, from: mean) / Float(width)
                let inv = 1 / sqrtf(variance + eps)
                for j in 0..<width { start[j] = (start[j] - mean) * inv * gamma[j] + beta[j] }
            }
        }
        }
    }

    /// Calls normalize(row) for each row of `width` values of x, the rows spread over `pool` when given.
    private static func eachRow(of x: inout [Float], width: Int, pool: ThreadPool?,
                                _ normalize: (UnsafeMutablePointer<Float>) -> Void) {
        precondition(x.count % width == 0)
        let rows = x.count / width
        x.withUnsafeMutableBufferPointer { p in
            let values = p.baseAddress!
            func run(_ rows: Range<Int>, _: Int) { for row in rows { normalize(values + row * width) } }
            if let pool { pool.forEach(splitting: rows, minimum: max(1, 32_768 / width), run) } else { run(0..<rows, 0) }
        }
    }

    /// Sum of (p[i] - mean)^2, in eight lanes.
    static func squaredDeviations(_ p: UnsafePointer<Float>, count: Int, from mean: Float) -> Float {
        var lanes = SIMD8<Float>(repeating: 0)
        let center = SIMD8<Float>(repeating: mean)
        var i = 0
        while i + 8 <= count {
            let d = UnsafeRawPointer(p + i).loadUnaligned(as: SIMD8<Float>.self) - center
            lanes += d * d
            i += 8
        }
        var result = lanes.sum()
        while i < count { let d = p[i] - mean; result += d * d; i += 1 }
        return result
    }

    /// RMSNorm over each row: x / sqrt(mean(x^2) + eps) * weight.
    public static func rmsNormRows(_ x: inout [Float], width: Int, weight: [Float], eps: Float, pool: ThreadPool? = nil) {
        precondition(weight.count == width)
        weight.withUnsafeBufferPointer { weight in
            eachRow(of: &x, width: width, pool: pool) { start in
                // Squares summed in Double, then scale and weight applied one after the other, as llama.cpp does:
                // the next product rounds its input to 8 bits, so a last-bit difference here can move a whole
                // block's scale.
                var sumSquares: Double = 0
                for i in 0..<width { sumSquares += Double(start[i] * start[i]) }
                let inv = 1 / sqrtf(Float(sumSquares / Double(width)) + eps)
                for j in 0..<width { start[j] = (start[j] * inv) * weight[j] }
            }
        }
    }

    /// max(0, x) for every value.
    public static func relu(_ x: inout [Float]) {
        x.withUnsafeMutableBufferPointer { p in
            for i in 0..<p.count { p[i] = max(0, p[i]) }
        }
    }

    /// 1 / (1 + e^-x).
    @inline(__always) public static func sigmoid(_ x: Float) -> Float { 1 / (1 + exponential(-x)) }

    /// GELU with the error function, as Whisper uses; spread over `pool` when given.
    public static func gelu(_ x: inout [Float], pool: ThreadPool? = nil) {
        x.withUnsafeMutableBufferPointer { p in
            let values = p.baseAddress!
            let apply = { (range: Range<Int>, _: Int) in
                for i in range { values[i] = 0.5 * values[i] * (1 + errorFunction(values[i] * 0.70710678118654752)) }
            }
            if let pool { pool.forEach(splitting: p.count, minimum: 16_384, apply) } else { apply(0..<p.count, 0) }
        }
    }

    // libm's expf and erff are calls the compiler cannot vectorize; in a Whisper pass on two cores they ran on
    // one thread for about a third of the wall time (GELU over 6 M activations, softmax over 12 M scores).
    // These are polynomials the loops around them vectorize.

    /// e^x with a relative error below 1.2e-7 (Cephes' expf: x = n ln 2 + r, a degree-6 polynomial in r, 2^n from
    /// the exponent bits); 0 below -87.3 (so -infinity gives 0), capped at e^88.3.
    @inline(__always) static func exponential(_ input: Float) -> Float {
        let x = input < -87.3 ? -87.3 : (input > 88.3 ? 88.3 : input)
        // Adding 1.5 * 2^23 rounds x / ln 2 to an integer n held in the low mantissa bits.
        let roundingShift: Float = 12_582_912
        let shifted = x * 1.44269504088896341 + roundingShift
        let n = shifted - roundingShift
        let r = (x - n * 0.693359375) - n * -2.12194440e-4
        var p: Float = 1.9875691500e-4
        p = p * r + 1.3981999507e-3
        p = p * r + 8.3334519073e-3
        p = p * r + 4.1665795894e-2
        p = p * r + 1.6666665459e-1
        p = p * r + 5.0000001201e-1
        let twoToN = Float(bitPattern: (shifted.bitPattern &- roundingShift.bitPattern &+ 127) << 23)
        let value = (p * r * r + r + 1) * twoToN
        return input < -87.3 ? 0 : value
    }

    /// erf(x) with an absolute error below 6e-7 (Abramowitz and Stegun 7.1.26).
    @inline(__always) static func errorFunction(_ x: Float) -> Float {
        let a = abs(x)
        let t = 1 / (1 + 0.3275911 * a)
        var p: Float = 1.061405429
        p = p * t - 1.453152027
        p = p * t + 1.421413741
        p = p * t - 0.284496736
        p = p * t + 0.254829592
        let y = 1 - p * t * exponential(-a * a)
        return x < 0 ? -y : y
    }
}
