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

    /// Softmax of `count` values in place.
    public static func softmax(_ p: UnsafeMutablePointer<Float>, count: Int) {
        let inverse = 1 / exponentials(p, minus: maximum(p, count: count), count: count, into: p)
        for i in 0..<count { p[i] *= inverse }
    }

    /// The columns `columnExponentials` takes: four vectors of sixteen.
    static let columnSoftmaxColumns = 64

    /// Softmax down each column of a row-major [rows, columnSoftmaxColumns] block whose columns' maxima are known,
    /// in place but for the last step: the exponentials (less their column's maximum) stay, and factors[c] = 1 /
    /// column c's sum of them (the caller normalizes what it computes from them). A vector lane per column: no
    /// sums across a vector.
    static func columnExponentials(_ p: UnsafeMutablePointer<Float>, rows: Int, maxima: SixtyFourLanes,
                                   factors: UnsafeMutablePointer<Float>) {
        var sums = SixtyFourLanes(repeating: 0)
        var row = UnsafeMutableRawPointer(p)
        for _ in 0..<rows {
            let e = SixtyFourLanes(row).exponentials(minus: maxima)
            e.store(to: row)
            sums.add(e)
            row += MemoryLayout<Float>.size * columnSoftmaxColumns
        }
        sums.reciprocals().store(to: UnsafeMutableRawPointer(factors))
    }

    /// The largest value (-infinity for none): `Sequence.max()` compares one value at a time.
    public static func maximum(_ x: ArraySlice<Float>) -> Float {
        x.withUnsafeBufferPointer { p in p.isEmpty ? -.infinity : maximum(p.baseAddress!, count: p.count) }
    }

    /// The largest of `count` values, in four accumulators of eight lanes (one compare-and-blend chain waits on
    /// the previous blend). Sixteen lanes, with blends or with pointwiseMax, compiled to code three times slower.
    public static func maximum(_ p: UnsafePointer<Float>, count: Int) -> Float {
        var lanes = InlineArray<4, SIMD8<Float>>(repeating: SIMD8(repeating: -.infinity))
        var i = 0
        while i + 32 <= count {
            for k in 0..<4 {
                let next = UnsafeRawPointer(p + i + 8 * k).loadUnaligned(as: SIMD8<Float>.self)
                lanes[k].replace(with: next, where: next .> lanes[k])
            }
            i += 32
        }
        for k in 1..<4 { lanes[0].replace(with: lanes[k], where: lanes[k] .> lanes[0]) }
        var result = lanes[0].max()
        while i < count { result = max(result, p[i]); i += 1 }
        return result
    }

    /// out[i] = e^(input[i] - shift) for i < count (out may be input); returns their sum. Sixteen lanes at a time
    /// with fused multiply-adds (a Whisper encoder window softmaxes 18 M scores): one zmm register with AVX-512,
    /// two independent ymm chains with AVX2; eight lanes took 0.8 ns a value, the scalar polynomial 1.0-1.2.
    static func exponentials(_ input: UnsafePointer<Float>, minus shift: Float, count: Int,
                             into out: UnsafeMutablePointer<Float>) -> Float {
        var lanes = SIMD16<Float>(repeating: 0)
        let shifts = SIMD16<Float>(repeating: shift)
        var i = 0
        while i + 16 <= count {
            let values = exponential(UnsafeRawPointer(input + i).loadUnaligned(as: SIMD16<Float>.self) - shifts)
            UnsafeMutableRawPointer(out + i).storeBytes(of: values, as: SIMD16<Float>.self)
            lanes += values
            i += 16
        }
        var result = lanes.sum()
        while i < count { out[i] = exponential(input[i] - shift); result += out[i]; i += 1 }
        return result
    }

    /// The sum of |p[i]| for i < count.
    static func absoluteSum(_ p: UnsafePointer<Float>, count: Int) -> Float {
        var lanes = SIMD8<Float>(repeating: 0)
        var i = 0
        while i + 8 <= count {
            let values = UnsafeRawPointer(p + i).loadUnaligned(as: SIMD8<Float>.self)
            lanes += values.replacing(with: -values, where: values .< 0)
            i += 8
        }
        var result = lanes.sum()
        while i < count { result += abs(p[i]); i += 1 }
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
            // Only the exponentials' sum is kept: each block's go to a scratch block that stays in the L1 cache.
            var total: Double = 0
            withUnsafeTemporaryAllocation(of: Float.self, capacity: 1024) { scratch in
                for start in stride(from: 0, to: count, by: 1024) {
                    total += Double(exponentials(p.baseAddress! + start, minus: maxValue, count: min(1024, count - start),
                                                 into: scratch.baseAddress!))
                }
            }
            let logSum = maxValue + Float(log(total))
            return x.map { $0 - logSum }
        }
    }

    /// Layer norm of each row of `width` values, (x - mean) / sqrt(variance + eps) * gamma + beta, into a new
    /// array written row by row on the pool's threads (copying x and normalizing the copy in place took a
    /// single-threaded pass over fresh memory first). Mean and variance are summed in eight lanes (a running
    /// scalar sum is one add a cycle at best: it held a 1500-row encoder norm to 2.7 ms).
    public static func layerNormRows(_ x: [Float], width: Int, gamma: [Float], beta: [Float], eps: Float = 1e-5,
                                     pool: ThreadPool? = nil) -> [Float] {
        precondition(gamma.count == width && beta.count == width && x.count % width == 0)
        let rows = x.count / width
        return [Float](unsafeUninitializedCapacity: x.count) { buffer, count in
            let out = buffer.baseAddress!
            x.withUnsafeBufferPointer { input in
                gamma.withUnsafeBufferPointer { gamma in
                    beta.withUnsafeBufferPointer { beta in
                        let normalize = { (range: Range<Int>) in
                            for row in range {
                                let source = input.baseAddress! + row * width, destination = out + row * width
                                let mean = sum(source, count: width) / Float(width)
                                let variance = squaredDeviations(source, count: width, from: mean) / Float(width)
                                let inv = 1 / sqrtf(variance + eps)
                                for j in 0..<width { destination[j] = (source[j] - mean) * inv * gamma[j] + beta[j] }
                            }
                        }
                        if let pool {
                            pool.forEach(splitting: rows, minimum: max(1, 32_768 / width)) { range, _ in normalize(range) }
                        } else {
                            normalize(0..<rows)
                        }
                    }
                }
            }
            count = x.count
        }
    }

    /// Calls normalize(row) for each row of `width` values of x, the rows spread over `pool` when given.
    private static func eachRow(of x: inout [Float], width: Int, pool: ThreadPool?,
                                _ normalize: (UnsafeMutablePointer<Float>) -> Void) {
        precondition(x.count % width == 0)
        apply({ values, count in for row in stride(from: 0, to: count, by: width) { normalize(values + row) } },
              to: &x, pool: pool, minimum: 32_768, multiple: width)
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

    /// A function that rewrites `count` values in place (an activation), for the pieces of a larger array.
    public typealias InPlace = (_ values: UnsafeMutablePointer<Float>, _ count: Int) -> Void

    /// f over pieces of x that together cover it, spread over `pool` when given: pieces of at least `minimum`
    /// values (enough work to wake a thread for), each a whole number of `multiple` values (of rows).
    public static func apply(_ f: InPlace, to x: inout [Float], pool: ThreadPool?, minimum: Int = 16_384,
                             multiple: Int = 1) {
        x.withUnsafeMutableBufferPointer { p in
            let values = p.baseAddress!
            if let pool {
                pool.forEach(splitting: p.count, minimum: minimum, multiple: multiple) { range, _ in
                    f(values + range.lowerBound, range.count)
                }
            } else {
                f(values, p.count)
            }
        }
    }

    /// GELU with the error function, as Whisper uses; spread over `pool` when given.
    public static func gelu(_ x: inout [Float], pool: ThreadPool? = nil) { apply(gelu, to: &x, pool: pool) }

    /// GELU of `count` values in place, sixteen at a time and the last few in a zero-padded vector: every value
    /// takes the same instructions wherever a piece of the array ends, so any split over threads gives the same bits.
    public static func gelu(_ p: UnsafeMutablePointer<Float>, count: Int) {
        var i = 0
        while i + 16 <= count {
            let lanes = UnsafeMutableRawPointer(p + i)
            lanes.storeBytes(of: gelu(lanes.loadUnaligned(as: SIMD16<Float>.self)), as: SIMD16<Float>.self)
            i += 16
        }
        guard i < count else { return }
        var tail = SIMD16<Float>(repeating: 0)
        for k in 0..<(count - i) { tail[k] = p[i + k] }
        tail = gelu(tail)
        for k in 0..<(count - i) { p[i + k] = tail[k] }
    }

    @inline(__always) static func gelu(_ x: SIMD16<Float>) -> SIMD16<Float> {
        0.5 * x * (1 + errorFunction(x * 0.70710678118654752))
    }

    // libm's expf and erff are calls the compiler cannot vectorize; in a Whisper pass on two cores they ran on
    // one thread for about a third of the wall time (GELU over 6 M activations, softmax over 12 M scores).
    // These are polynomials the loops around them vectorize.

    /// e^x with a relative error below 1.2e-7 (Cephes' expf: x = n ln 2 + r, a degree-6 polynomial in r, 2^n from
    /// the exponent bits); 0 below -87.3 (so -infinity gives 0), capped at e^88.3.
    @inline(__always) static func exponential(_ input: Float) -> Float {
        let x = input < Cephes.lowest ? Cephes.lowest : (input > Cephes.highest ? Cephes.highest : input)
        let shifted = x * Cephes.log2e + Cephes.roundingShift
        let n = shifted - Cephes.roundingShift
        let r = (x - n * Cephes.ln2High) - n * Cephes.ln2Low
        var p = Cephes.polynomial.0
        p = p * r + Cephes.polynomial.1
        p = p * r + Cephes.polynomial.2
        p = p * r + Cephes.polynomial.3
        p = p * r + Cephes.polynomial.4
        p = p * r + Cephes.polynomial.5
        let twoToN = Float(bitPattern: (shifted.bitPattern &- Cephes.roundingShift.bitPattern &+ 127) << 23)
        let value = (p * r * r + r + 1) * twoToN
        return input < Cephes.lowest ? 0 : value
    }

    /// The same for sixteen values, with fused multiply-adds (within the same bound).
    @inline(__always) static func exponential(_ input: SIMD16<Float>) -> SIMD16<Float> {
        let lowest = SIMD16<Float>(repeating: Cephes.lowest), highest = SIMD16<Float>(repeating: Cephes.highest)
        var x = input
        x.replace(with: lowest, where: x .< lowest)
        x.replace(with: highest, where: x .> highest)
        let shift = SIMD16<Float>(repeating: Cephes.roundingShift)
        let shifted = shift.addingProduct(x, Cephes.log2e)
        let n = shifted - shift
        let r = x.addingProduct(n, -Cephes.ln2High).addingProduct(n, -Cephes.ln2Low)
        var p = SIMD16<Float>(repeating: Cephes.polynomial.0)
        p = SIMD16(repeating: Cephes.polynomial.1).addingProduct(p, r)
        p = SIMD16(repeating: Cephes.polynomial.2).addingProduct(p, r)
        p = SIMD16(repeating: Cephes.polynomial.3).addingProduct(p, r)
        p = SIMD16(repeating: Cephes.polynomial.4).addingProduct(p, r)
        p = SIMD16(repeating: Cephes.polynomial.5).addingProduct(p, r)
        let exponentBits = (unsafeBitCast(shifted, to: SIMD16<Int32>.self) &- Int32(bitPattern: Cephes.roundingShift.bitPattern)
            &+ 127) &<< 23
        var value = (r + 1).addingProduct(p, r * r) * unsafeBitCast(exponentBits, to: SIMD16<Float>.self)
        value.replace(with: 0, where: input .< lowest)
        return value
    }

    /// Cephes' expf constants, for both exponentials.
    private enum Cephes {
        static let lowest: Float = -87.3, highest: Float = 88.3
        static let log2e: Float = 1.44269504088896341
        /// Adding 1.5 * 2^23 rounds x / ln 2 to an integer n held in the low mantissa bits.
        static let roundingShift: Float = 12_582_912
        /// ln 2 in two parts, so that x - n ln 2 is exact for the n that occur.
        static let ln2High: Float = 0.693359375, ln2Low: Float = -2.12194440e-4
        static let polynomial: (Float, Float, Float, Float, Float, Float) =
            (1.9875691500e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1)
    }

    /// erf(x) with an absolute error below 6e-7 (Abramowitz and Stegun 7.1.26), sixteen values at a time.
    @inline(__always) static func errorFunction(_ x: SIMD16<Float>) -> SIMD16<Float> {
        let a = x.replacing(with: -x, where: x .< 0)
        let t = 1 / (1 + 0.3275911 * a)
        var p = SIMD16<Float>(repeating: 1.061405429)
        p = SIMD16(repeating: -1.453152027).addingProduct(p, t)
        p = SIMD16(repeating: 1.421413741).addingProduct(p, t)
        p = SIMD16(repeating: -0.284496736).addingProduct(p, t)
        p = SIMD16(repeating: 0.254829592).addingProduct(p, t)
        let y = 1 - p * t * exponential(-(a * a))
        return y.replacing(with: -y, where: x .< 0)
    }
}
