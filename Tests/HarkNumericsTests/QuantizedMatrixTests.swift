// Products of quantized block matrices (integer and tiled-gemm paths) against double-precision sums of the
// dequantized values, and branch attention against each branch run alone.
import XCTest
@testable import HarkNumerics

final class QuantizedMatrixTests: XCTestCase {
    private func values(_ count: Int, seed: UInt64) -> [Float] {
        var generator = SplitMix64(seed: seed)
        return (0..<count).map { _ in Float(generator.next() >> 40) / Float(1 << 23) - 1 }
    }

    /// Random blocks: any bytes are valid quantized values; the half-precision scales are set to values in
    /// [0.001, 0.065) so the sums stay finite.
    private func randomBlocks(_ format: QuantizedMatrix.Format, rows: Int, columns: Int, seed: UInt64) -> [UInt8] {
        var generator = SplitMix64(seed: seed)
        let blocks = rows * columns / format.blockValues
        var bytes = (0..<(blocks * format.blockBytes)).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
        let scaleOffsets: [Int] = switch format {
        case .q8_0, .q5_0: [0]
        case .q4_K: [0, 2]
        case .q6_K: [208]
        }
        for b in 0..<blocks {
            for offset in scaleOffsets {
                let scale = Float16(0.001 + Float(generator.next() % 1000) / 16_000)
                let bits = scale.bitPattern
                bytes[b * format.blockBytes + offset] = UInt8(bits & 0xFF)
                bytes[b * format.blockBytes + offset + 1] = UInt8(bits >> 8)
            }
        }
        return bytes
    }

    /// Every format, 1 to 8 rows (integer dot products) and 13 rows (dequantized tiles and gemm), 1 and 3 threads:
    /// equal to the double-precision product of the dequantized weights and the activations as rounded to 8 bits.
    /// Each block's integer sum is exact; what remains is float32 rounding of the scaled block sums, bounded by a
    /// few units in the last place of the sum of |w x|.
    func testProductsEqualTheDequantizedProductInDoublePrecision() {
        final class Owner {}
        let outputs = 67, columns = 512
        for format in QuantizedMatrix.Format.allCases {
            let bytes = randomBlocks(format, rows: outputs, columns: columns, seed: 7)
            bytes.withUnsafeBytes { raw in
                let matrix = QuantizedMatrix(format: format, rows: outputs, columns: columns, bytes: raw.baseAddress!, owner: Owner())
                let weights = (0..<outputs).map { matrix.row($0) }
                for rows in [1, 2, 5, QuantizedMatrix.integerRowLimit, 13] {
                    let x = values(rows * columns, seed: UInt64(rows))
                    let rounded = QuantizedActivations(x, block: format.blockValues).dequantized()
                    for threads in [1, 3] {
                        let y = matrix.multiply(x, rows: rows, pool: ThreadPool(threads: threads))
                        var worst = 0.0
                        for r in 0..<rows {
                            for o in 0..<outputs {
                                var sum = 0.0, magnitude = 0.0
                                for c in 0..<columns {
                                    let product = Double(rounded[r * columns + c]) * Double(weights[o][c])
                                    sum += product
                                    magnitude += abs(product)
                                }
                                worst = max(worst, abs(Double(y[r * outputs + o]) - sum) / magnitude)
                            }
                        }
                        XCTAssertLessThan(worst, 1e-5, "\(format), rows \(rows), threads \(threads)")
                    }
                }
            }
        }
    }

    /// Several matrices with one input (mixed block sizes, so two activation roundings) give what each gives alone,
    /// on both paths, whichever rows a thread's chunk spans.
    func testProductsOfSeveralMatricesEqualEachAlone() {
        final class Owner {}
        let columns = 512, sizes: [(QuantizedMatrix.Format, Int)] = [(.q5_0, 37), (.q4_K, 70), (.q8_0, 5), (.q6_K, 129)]
        let storage = sizes.enumerated().map { randomBlocks($1.0, rows: $1.1, columns: columns, seed: UInt64(20 + $0)) }
        var pointers: [UnsafeMutableRawPointer] = []
        defer { pointers.forEach { $0.deallocate() } }
        let matrices = zip(sizes, storage).map { size, bytes in
            let copy = UnsafeMutableRawPointer.allocate(byteCount: bytes.count, alignment: 16)
            copy.copyMemory(from: bytes, byteCount: bytes.count)
            pointers.append(copy)
            return QuantizedMatrix(format: size.0, rows: size.1, columns: columns, bytes: copy, owner: Owner())
        }
        for rows in [1, 3, QuantizedMatrix.integerRowLimit + 2] {
            let x = values(rows * columns, seed: 40 + UInt64(rows))
            for threads in [1, 3] {
                let pool = ThreadPool(threads: threads)
                let together = QuantizedMatrix.multiply(matrices, x, rows: rows, pool: pool)
                for (matrix, product) in zip(matrices, together) {
                    XCTAssertEqual(product, matrix.multiply(x, rows: rows, pool: pool), "\(matrix.format), rows \(rows), threads \(threads)")
                }
            }
        }
    }

    /// The activation rounding itself: Q8_0's scale is max|x| / 127 rounded to half (the values are rounded with
    /// the unrounded scale, so they land within half a step plus 127 times the scale's half-precision rounding,
    /// 2^-11 of it), Q8_K's -127 over the value of largest magnitude (within half a step); at most 127 steps from 0.
    func testActivationsRoundWithinHalfAStep() {
        let x = values(512, seed: 3).enumerated().map { $0.offset == 300 ? -4 : $0.element }
        for block in [32, 256] {
            let quantized = QuantizedActivations(x, block: block)
            XCTAssertEqual(quantized.values.map { abs($0) }.max(), 127)
            for (i, v) in quantized.dequantized().enumerated() {
                let step = abs(quantized.scales[i / block])
                let scaleRounding: Float = block == 32 ? 127 * step / 2048 : 0
                XCTAssertLessThanOrEqual(abs(v - x[i]), step * 0.5 + scaleRounding + 1e-6, "block \(block), value \(i)")
            }
        }
        XCTAssertEqual(QuantizedActivations(x, block: 256).scales[1], 4 / 127, accuracy: 1e-7)
        XCTAssertEqual(QuantizedActivations([Float](repeating: .nan, count: 32), block: 32).values, [Int16](repeating: 0, count: 32))
    }

    /// Three continuations of a six-key prompt in one call equal each continuation run alone after the prompt,
    /// with and without a sliding window that cuts into the prompt.
    func testBranchesSeeThePromptAndTheirOwnKeysOnly() {
        let heads = 2, headDim = 8, width = heads * headDim, prompt = 6
        let branchLengths = [3, 1, 2]
        let total = branchLengths.reduce(0, +)
        let q = values(total * width, seed: 11), k = values((prompt + total) * width, seed: 12)
        let v = values((prompt + total) * width, seed: 13)
        var starts: [Int] = []
        for (b, length) in branchLengths.enumerated() { starts += Array(repeating: branchLengths[..<b].reduce(0, +), count: length) }
        let pool = ThreadPool(threads: 2)
        for window in [nil, 4] {
            let together = Attention.groupedQuery(q: q, k: k, v: v, queries: total, keys: prompt + total, queryHeads: heads,
                                                  keyValueHeads: heads, headDim: headDim, scale: 0.3, causalOffset: prompt,
                                                  window: window, branchStarts: starts, pool: pool)
            var first = 0
            for length in branchLengths {
                let own = (prompt + first)..<(prompt + first + length)
                let keys = Array(k[0..<(prompt * width)]) + Array(k[(own.lowerBound * width)..<(own.upperBound * width)])
                let vals = Array(v[0..<(prompt * width)]) + Array(v[(own.lowerBound * width)..<(own.upperBound * width)])
                let alone = Attention.groupedQuery(q: Array(q[(first * width)..<((first + length) * width)]), k: keys, v: vals,
                                                   queries: length, keys: prompt + length, queryHeads: heads,
                                                   keyValueHeads: heads, headDim: headDim, scale: 0.3, causalOffset: prompt,
                                                   window: window, pool: pool)
                let mine = Array(together[(first * width)..<((first + length) * width)])
                for (a, b) in zip(mine, alone) { XCTAssertEqual(a, b, accuracy: 1e-6, "window \(String(describing: window))") }
                first += length
            }
        }
    }
}
