// The SIMD kernels and the thread pool against plain double-precision loops over the same values.
import Dispatch
import Synchronization
import XCTest
@testable import HarkNumerics

final class KernelTests: XCTestCase {
    /// Values in [-1, 1) from a fixed seed, so a failure repeats.
    private func values(_ count: Int, seed: UInt64) -> [Float] {
        var generator = SplitMix64(seed: seed)
        return (0..<count).map { _ in Float(generator.next() >> 40) / Float(1 << 23) - 1 }
    }

    /// x W^T + b for every row, in Double, from the matrix's own (float16, or int8 times scale) values.
    private func reference<Element>(_ x: Tensor, _ w: PanelMatrix<Element>, bias: [Float]?) -> [Double] {
        var out: [Double] = []
        for r in 0..<x.rows {
            for o in 0..<w.rows {
                var sum = Double(bias?[o] ?? 0)
                for c in 0..<w.columns { sum += Double(x[r, c]) * Double(w[o, c]) }
                out.append(sum)
            }
        }
        return out
    }

    /// Every row count the panel kernel dispatches on (1 to 12 per group, groups split evenly, up to the hundreds
    /// of a prompt, and an encoder's 1500 in two row blocks), an output count that leaves a partial last panel,
    /// with and without bias, on 1 and 3 threads; 53 columns go four panels at a time where vectors are 512 bits
    /// wide, 300 one panel at a time up to 12 rows, and past them from rows packed in tiles of 6
    /// (`Kernels.packTiles`), four panels at a time where vectors are 512 bits wide.
    func testHalfMatrixProductMatchesDoublePrecisionReference() {
        for columns in [53, 300] {
            let outputs = 77
            let weight = HalfMatrix(Tensor(shape: [outputs, columns], data: values(outputs * columns, seed: 1)))
            let bias = values(outputs, seed: 2)
            for rows in Array(1...13) + [25, 227, 1500] {
                let x = Tensor(shape: [rows, columns], data: values(rows * columns, seed: UInt64(rows)))
                for threads in [1, 3] {
                    for b in [nil, bias] {
                        let y = weight.product(x, bias: b, pool: ThreadPool(threads: threads))
                        XCTAssertEqual(y.shape, [rows, outputs])
                        let expected = reference(x, weight, bias: b)
                        let worst = zip(y.data, expected).map { abs(Double($0) - $1) }.max()!
                        // Products of values below 1: float32 sums stay within a few units in the last place of
                        // ~7 (53 columns) or ~30 (300); a row or column out of place is off by whole products.
                        XCTAssertLessThan(worst, columns == 53 ? 5e-6 : 3e-5, "rows \(rows), threads \(threads), bias \(b != nil)")
                    }
                }
            }
        }
    }

    /// A row's outputs are the same bits whatever tile it shares (each output sums the columns in one order), so
    /// the tile shape chosen for the CPU (`Kernels.tileRows`) never changes a transcript; a row alone goes four
    /// whole panels at a time (77 outputs: four whole panels, then one partial panel on its own).
    func testEveryTileShapeGivesARowTheSameBits() {
        // 53 columns: four panels fit the L1 cache, so every row count takes four-panel tiles where vectors are
        // 512 bits wide; 300: up to 6 rows do in place, 7 to 12 go one panel at a time, more are packed in tiles
        // of 6 that go four panels at a time (the partial last panel on its own).
        for columns in [53, 300] {
            let weight = HalfMatrix(Tensor(shape: [77, columns], data: values(77 * columns, seed: 5)))
            let pool = ThreadPool(threads: 1)
            for rows in [2, 5, 6, 7, 12, 13, 25] {
                let x = Tensor(shape: [rows, columns], data: values(rows * columns, seed: UInt64(100 + rows)))
                let together = weight.product(x, pool: pool).data
                let alone = (0..<rows).flatMap { r in
                    weight.product(Tensor(shape: [1, columns], data: Array(x.data[r * columns..<(r + 1) * columns])), pool: pool).data
                }
                XCTAssertEqual(together, alone, "\(rows) rows of \(columns)")
            }
        }
    }

    /// Rows read column-major (side by side, `.columnMajor`: four panels at a time in tiles of up to 6 where
    /// vectors are 512 bits wide, the rest in tiles of up to 16) give each row the bits it gets in place, with
    /// whole and partial panels (83 outputs: four panels, one, and a partial one).
    func testColumnMajorInputGivesEveryRowTheSameBits() {
        let outputs = 83
        for columns in [53, 300] {
            let weight = PanelMatrix<Float>(Tensor(shape: [outputs, columns], data: values(outputs * columns, seed: 6)))
            for rows in [1, 5, 6, 7, 16, 17, 40] {
                let x = values(rows * columns, seed: UInt64(200 + rows)), stride = rows + 3
                var columnMajor = [Float](repeating: .nan, count: columns * stride)
                for r in 0..<rows { for c in 0..<columns { columnMajor[c * stride + r] = x[r * columns + c] } }
                var inPlace = [Float](repeating: 0, count: rows * outputs), read = inPlace
                weight.multiply(x, rows: rows, into: &inPlace, outputStride: outputs)
                columnMajor.withUnsafeBufferPointer { input in
                    weight.multiply(.columnMajor(input.baseAddress!, stride: stride), rows: rows, into: &read, outputStride: outputs)
                }
                XCTAssertEqual(read, inPlace, "\(rows) rows of \(columns)")
            }
        }
    }

    /// An activation passed to the product rewrites exactly the values it would rewrite afterwards, over two row
    /// blocks and a partial last panel.
    func testProductThenActivationEqualsTheActivationAfterwards() {
        let weight = HalfMatrix(Tensor(shape: [37, 53], data: values(37 * 53, seed: 3)))
        let x = Tensor(shape: [1500, 53], data: values(1500 * 53, seed: 4))
        for threads in [1, 3] {
            let pool = ThreadPool(threads: threads)
            var expected = weight.product(x, pool: pool)
            Vector.gelu(&expected.data)
            XCTAssertEqual(weight.product(x, pool: pool, then: Vector.gelu).data, expected.data, "threads \(threads)")
        }
    }

    /// int8 panels (the float16 logits' screen) keep every value within half a step (the row's largest magnitude
    /// / 127 / 2) and multiply like their dequantized values, for a step's rows and a prompt's.
    func testInt8PanelsQuantizePerRowAndMultiplyLikeTheirValues() {
        let outputs = 77, columns = 40  // four whole panels and a partial one
        var raw = values(outputs * columns, seed: 5)
        for c in 0..<columns { raw[3 * columns + c] *= 100 }  // one row 100 times larger: its own scale
        for c in 0..<columns { raw[4 * columns + c] = 0 }     // and an all-zero row
        // The screen quantizes a float16 matrix: the values it holds are the reference.
        let half = HalfMatrix(Tensor(shape: [outputs, columns], data: raw))
        let source = half.floats()
        let weight = PanelMatrix<Int8>(quantizing: half, pool: ThreadPool(threads: 2))
        for r in 0..<outputs {
            let largest = source[(r * columns)..<((r + 1) * columns)].map(abs).max()!
            for c in 0..<columns {
                XCTAssertLessThanOrEqual(abs(weight[r, c] - source[r * columns + c]), largest / 127 / 2 * 1.0001, "(\(r), \(c))")
            }
        }
        for rows in [1, 5, 49] {
            let x = Tensor(shape: [rows, columns], data: values(rows * columns, seed: 6))
            let y = weight.product(x, bias: values(outputs, seed: 7), pool: ThreadPool(threads: 2))
            let expected = reference(x, weight, bias: values(outputs, seed: 7))
            let worst = zip(y.data, expected).map { abs(Double($0) - $1) }.max()!
            // Float32 sums of products up to ~100 (the large row): relative to the largest output.
            XCTAssertLessThan(worst, 1e-6 * expected.map(abs).max()!, "rows \(rows)")
        }
    }

    /// Whisper's int8 weights: each value within half a step of its row's scale; a product is exactly the integer
    /// sum of the weights' codes times the activations' (each input row rounded to nearest even on its own
    /// scale, max |x| / 127), times both scales, plus the bias, whatever the row count, block or thread count; and
    /// within the rounding's reach of the float product.
    func testInt8MatrixProductsAreExactIntegerSumsOfRowQuantizedInputs() {
        let outputs = 77, columns = 130  // a partial last panel; columns not a whole number of quads
        var source = values(outputs * columns, seed: 5)
        for c in 0..<columns { source[3 * columns + c] *= 100 }  // one row 100 times larger: its own scale
        for c in 0..<columns { source[4 * columns + c] = 0 }     // and an all-zero row
        let weight = Int8Matrix(quantizing: Tensor(shape: [outputs, columns], data: source))
        var codes = [[Int]](), weightScales = [Float]()
        for o in 0..<outputs {
            let largest = source[(o * columns)..<((o + 1) * columns)].map(abs).max()!
            weightScales.append(largest / 127)
            codes.append((0..<columns).map { Int((weight[o, $0] / max(largest / 127, .leastNonzeroMagnitude)).rounded()) })
            for c in 0..<columns {
                XCTAssertLessThanOrEqual(abs(weight[o, c] - source[o * columns + c]), largest / 127 / 2 * 1.0001, "(\(o), \(c))")
            }
        }
        XCTAssertEqual(weight.row(2), (0..<columns).map { weight[2, $0] })
        let bias = values(outputs, seed: 7)
        for rows in [1, 2, 5, 13, 49, 1100] {  // 1100 rows of 132 bytes are two blocks
            var xValues = values(rows * columns, seed: 6)
            for c in 0..<columns { xValues[c] *= 30 }  // an input row with a larger scale
            let x = Tensor(shape: [rows, columns], data: xValues)
            let y = weight.product(x, bias: bias, pool: ThreadPool(threads: 2))
            var worstAgainstFloat = 0.0, largestOutput = 0.0
            for r in 0..<rows {
                let row = xValues[(r * columns)..<((r + 1) * columns)]
                let scale = row.map(abs).max()! / 127, inverse = 1 / scale
                let quantized = row.map { Int(($0 * inverse).rounded(.toNearestOrEven)) }
                for o in 0..<outputs {
                    let sum = zip(quantized, codes[o]).reduce(0) { $0 + $1.0 * $1.1 }
                    let expected = Float(sum) * (weightScales[o] * scale) + bias[o]
                    XCTAssertEqual(y[r, o], expected, "rows \(rows): (\(r), \(o))")
                    if y[r, o] != expected { return }
                    let exact = zip(row, 0..<columns).reduce(Double(bias[o])) { $0 + Double($1.0) * Double(source[o * columns + $1.1]) }
                    worstAgainstFloat = max(worstAgainstFloat, abs(Double(y[r, o]) - exact))
                    largestOutput = max(largestOutput, abs(exact))
                }
            }
            XCTAssertLessThan(worstAgainstFloat, 0.01 * largestOutput, "rows \(rows)")
            XCTAssertEqual(weight.product(x, bias: bias, pool: ThreadPool(threads: 1)).data, y.data, "rows \(rows), one thread")
            var activated = y
            Vector.gelu(&activated.data)
            XCTAssertEqual(weight.product(x, bias: bias, pool: ThreadPool(threads: 3), then: Vector.gelu).data, activated.data)
        }
    }

    func testHalfMatrixKeepsFloat16ValuesExactlyAndWidensThem() {
        let source = Tensor(shape: [3, 5], data: [0.1, -2, 65504, 1e-7, 3.14159, 0, -0.5, 1, 2, 3, 4, 5, 6, 7, 8])
        let matrix = HalfMatrix(source)
        for r in 0..<3 {
            for c in 0..<5 { XCTAssertEqual(matrix[r, c], Float(Float16(source[r, c])), "(\(r), \(c))") }
        }
        XCTAssertEqual(matrix.row(1), [0, -0.5, 1, 2, 3])
        XCTAssertEqual(matrix.floats(), source.data.map { Float(Float16($0)) })
        let tall = HalfMatrix(Tensor(shape: [37, 3], data: (0..<111).map { Float($0) }))
        XCTAssertEqual(tall.floats(), (0..<111).map { Float($0) }, "a full panel, and a last one with 5 of 16 rows")
    }

    /// A block of a wider matrix's columns and its transpose (the attention's keys and values), float16 and float32,
    /// with a last panel of 5 of 16 rows: every element where the strides put it, the padding zero.
    func testPackingFromStridesPutsEveryElementInItsPlace() {
        let source = values(40 * 50, seed: 12)
        for (rows, columns, rowStride, columnStride) in [(37, 6, 50, 1), (21, 6, 50, 1), (6, 37, 1, 50), (6, 21, 1, 50)] {
            let read = { (r: Int, c: Int) in source[r * rowStride + c * columnStride + 3] }
            let half = source.withUnsafeBufferPointer {
                HalfMatrix($0.baseAddress! + 3, rows: rows, columns: columns, rowStride: rowStride, columnStride: columnStride)
            }
            let single = source.withUnsafeBufferPointer {
                PanelMatrix<Float>($0.baseAddress! + 3, rows: rows, columns: columns, rowStride: rowStride, columnStride: columnStride)
            }
            for r in 0..<rows {
                for c in 0..<columns {
                    XCTAssertEqual(half[r, c], Float(Float16(read(r, c))), "\(rows) x \(columns): (\(r), \(c))")
                    XCTAssertEqual(single[r, c], read(r, c), "\(rows) x \(columns): (\(r), \(c))")
                }
            }
            for r in rows..<HalfMatrix.paddedRows(rows) {
                XCTAssertEqual((0..<columns).map { half[r, $0] }, Array(repeating: 0, count: columns), "\(rows) x \(columns): padding row \(r)")
                XCTAssertEqual((0..<columns).map { single[r, $0] }, Array(repeating: 0, count: columns), "\(rows) x \(columns): padding row \(r)")
            }
        }
    }

    /// The encoder attention's scores kernel adds each score's products in the panel product's order (so the
    /// encoder's numbers are those of the product it replaced), over whole tiles of six keys and a remainder, and
    /// returns each query's largest score.
    func testSequenceAttentionScoresAreThePanelProductsBits() {
        for (keys, headDim) in [(151, 64), (7, 20)] {
            let keyRows = values(keys * headDim, seed: 40), queries = PanelMatrix<Float>(Tensor(shape: [64, headDim], data: values(64 * headDim, seed: 41)))
            var expected = [Float](repeating: 0, count: keys * 64), got = expected
            var maxima = SixtyFourLanes(repeating: 0)
            keyRows.withUnsafeBufferPointer { k in
                queries.panels.withUnsafeBufferPointer { q in
                    Kernels.panelProduct(q.baseAddress!, scales: nil, panels: 0..<4, columns: headDim, outputs: 64,
                                         .rows(k.baseAddress!), rows: keys, bias: nil, &expected, outputStride: 64)
                    maxima = SequenceAttention.scoreKeys(q.baseAddress!, keys: k.baseAddress!, positions: keys, headDim: headDim,
                                                         into: &got)
                }
            }
            XCTAssertEqual(got.map(\.bitPattern), expected.map(\.bitPattern), "\(keys) keys of \(headDim) values")
            let lanes = [maxima.lanes0, maxima.lanes1, maxima.lanes2, maxima.lanes3].flatMap { v in (0..<16).map { v[$0] } }
            XCTAssertEqual(lanes, (0..<64).map { i in (0..<keys).map { expected[$0 * 64 + i] }.max()! }, "\(keys) keys of \(headDim) values")
        }
    }

    /// softmax(q k^T * scale) v per head, in Double, with the causal and window masks of `groupedQuery`.
    private func attentionReference(q: [Float], k: [Float], v: [Float], queries: Int, keys: Int, queryHeads: Int,
                                    keyValueHeads: Int, headDim: Int, scale: Float, causalOffset: Int?, window: Int?) -> [Double] {
        let qWidth = queryHeads * headDim, kvWidth = keyValueHeads * headDim
        var out = [Double](repeating: 0, count: queries * qWidth)
        for h in 0..<queryHeads {
            let kvHead = h / (queryHeads / keyValueHeads)
            for i in 0..<queries {
                let last = causalOffset.map { min(keys, $0 + i + 1) } ?? keys
                let first = window.map { max(0, last - $0) } ?? 0
                let scores = (first..<last).map { j in
                    (0..<headDim).reduce(0.0) { $0 + Double(q[i * qWidth + h * headDim + $1]) * Double(k[j * kvWidth + kvHead * headDim + $1]) } * Double(scale)
                }
                let top = scores.max()!
                let weights = scores.map { Foundation.exp($0 - top) }
                let total = weights.reduce(0, +)
                for d in 0..<headDim {
                    var sum = 0.0
                    for (n, j) in (first..<last).enumerated() { sum += weights[n] / total * Double(v[j * kvWidth + kvHead * headDim + d]) }
                    out[i * qWidth + h * headDim + d] = sum
                }
            }
        }
        return out
    }

    /// The fused loops (up to `fusedQueryLimit` queries) and the gemm path, grouped heads, causal offset and window.
    func testAttentionMatchesDoublePrecisionReferenceOnBothPaths() {
        let keys = 80, queryHeads = 4, keyValueHeads = 2, headDim = 40
        // 70 queries: a block of 64 through gemm, then 6 through the fused loops, the causal offset moved along.
        for queries in [1, 3, Attention.fusedQueryLimit, Attention.fusedQueryLimit + 4, 70] {
            for (causalOffset, window) in [(nil, nil), (keys - queries, nil), (keys - queries, 9)] as [(Int?, Int?)] {
                let q = values(queries * queryHeads * headDim, seed: 10), k = values(keys * keyValueHeads * headDim, seed: 11)
                let v = values(keys * keyValueHeads * headDim, seed: 12)
                let got = Attention.groupedQuery(q: q, k: k, v: v, queries: queries, keys: keys, queryHeads: queryHeads,
                                                 keyValueHeads: keyValueHeads, headDim: headDim, scale: 0.3,
                                                 causalOffset: causalOffset, window: window, pool: ThreadPool(threads: 2))
                let expected = attentionReference(q: q, k: k, v: v, queries: queries, keys: keys, queryHeads: queryHeads,
                                                  keyValueHeads: keyValueHeads, headDim: headDim, scale: 0.3,
                                                  causalOffset: causalOffset, window: window)
                let worst = zip(got, expected).map { abs(Double($0) - $1) }.max()!
                XCTAssertLessThan(worst, 2e-6, "queries \(queries), causal \(String(describing: causalOffset)), window \(String(describing: window))")
            }
        }
    }

    /// Keys and values packed once (float32, and float16 as the decoder's cross-attention keeps them): a decoding
    /// step's few queries, and an encoder's many in several blocks with a partial one, 83 positions (a partial panel).
    func testPackedAttentionMatchesDoublePrecisionReferenceAcrossQueryBlocks() {
        let keys = 83, heads = 3, headDim = 24, blockRows = PackedKeysValues<Float>.queryBlock
        let k = values(keys * heads * headDim, seed: 21), v = values(keys * heads * headDim, seed: 22)
        let halved = { (x: [Float]) in x.map { Float(Float16($0)) } }
        for queries in [1, 5, 2 * blockRows + 5] {
            let q = values(queries * heads * headDim, seed: 20)
            for threads in [1, 2] {
                let pool = ThreadPool(threads: threads)
                let single = PackedKeysValues<Float>(keys: k, values: v, positions: keys, heads: heads, headDim: headDim, pool: pool)
                let half = PackedKeysValues<Float16>(keys: k, values: v, positions: keys, heads: heads, headDim: headDim, pool: pool)
                for (got, kept) in [(single.attend(q, queries: queries, scale: 0.3, pool: pool), { (x: [Float]) in x }),
                                    (half.attend(q, queries: queries, scale: 0.3, pool: pool), halved)] {
                    let expected = attentionReference(q: q, k: kept(k), v: kept(v), queries: queries, keys: keys,
                                                      queryHeads: heads, keyValueHeads: heads, headDim: headDim, scale: 0.3,
                                                      causalOffset: nil, window: nil)
                    let worst = zip(got, expected).map { abs(Double($0) - $1) }.max()!
                    XCTAssertLessThan(worst, 2e-6, "queries \(queries), threads \(threads)")
                }
            }
        }
    }

    /// Whole-sequence attention from fused projection rows (with columns to skip), over one block of queries, a
    /// whole one and a partial second, against the reference on the same queries, keys and values; heads of whole
    /// panels (Whisper's 64 values) and of partial ones (the fuzz tests' tiny models).
    func testSequenceAttentionMatchesDoublePrecisionReference() {
        for (positions, headDim) in [(5, 32), (SequenceAttention.blockQueries, 32), (2 * SequenceAttention.blockQueries + 22, 32),
                                     (2 * SequenceAttention.blockQueries + 22, 20), (7, 4)] {
            let heads = 3, width = heads * headDim, rowStride = 3 * width + 7
            let qkv = values(positions * rowStride, seed: UInt64(30 + positions))
            func columns(_ first: Int) -> [Float] {
                (0..<positions).flatMap { p in qkv[(p * rowStride + first)..<(p * rowStride + first + width)] }
            }
            let expected = attentionReference(q: columns(0), k: columns(width), v: columns(2 * width), queries: positions,
                                              keys: positions, queryHeads: heads, keyValueHeads: heads, headDim: headDim,
                                              scale: 0.3, causalOffset: nil, window: nil)
            for threads in [1, 2] {
                let got = qkv.withUnsafeBufferPointer {
                    SequenceAttention.attend($0.baseAddress!, rowStride: rowStride, positions: positions, heads: heads,
                                             headDim: headDim, scale: 0.3, pool: ThreadPool(threads: threads))
                }
                XCTAssertEqual(got.count, expected.count)
                let worst = zip(got, expected).map { abs(Double($0) - $1) }.max()!
                XCTAssertLessThan(worst, 2e-6, "positions \(positions), head of \(headDim), threads \(threads)")
            }
        }
    }

    func testThreadPoolRunsEveryChunkOnceAndNamesWorkersWithinItsSize() {
        let pool = ThreadPool(threads: 3)
        let lock = NSLock()
        var counts = [Int](repeating: 0, count: 100), workers = Set<Int>()
        pool.forEach(chunks: 100) { chunk, worker in
            lock.lock(); counts[chunk] += 1; workers.insert(worker); lock.unlock()
        }
        XCTAssertEqual(counts, Array(repeating: 1, count: 100))
        XCTAssertTrue(workers.isSubset(of: 0..<3), "workers \(workers)")

        var covered = [Int](repeating: 0, count: 1000)
        pool.forEach(splitting: 1000, minimum: 7, multiple: 16) { range, _ in
            XCTAssertTrue(range.lowerBound % 16 == 0 && (range.count >= 7 || range.upperBound == 1000))
            lock.lock(); for i in range { covered[i] += 1 }; lock.unlock()
        }
        XCTAssertEqual(covered, Array(repeating: 1, count: 1000))
    }

    /// Jobs back to back (the workers polling between them), a job started from inside a chunk (run by its
    /// caller alone) and jobs started from four threads at once: every chunk runs exactly once.
    func testThreadPoolRunsBackToBackNestedAndConcurrentJobsCompletely() {
        let pool = ThreadPool(threads: 2)
        let backToBack = Atomic<Int>(0)
        for _ in 0..<2_000 { pool.forEach(chunks: 3) { _, _ in backToBack.add(1, ordering: .relaxed) } }
        XCTAssertEqual(backToBack.load(ordering: .relaxed), 6_000)

        let nested = Atomic<Int>(0)
        pool.forEach(chunks: 4) { _, _ in pool.forEach(chunks: 5) { _, _ in nested.add(1, ordering: .relaxed) } }
        XCTAssertEqual(nested.load(ordering: .relaxed), 20)

        let concurrent = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: 4) { _ in
            for _ in 0..<200 { pool.forEach(chunks: 7) { _, _ in concurrent.add(1, ordering: .relaxed) } }
        }
        XCTAssertEqual(concurrent.load(ordering: .relaxed), 4 * 200 * 7)
    }
}
