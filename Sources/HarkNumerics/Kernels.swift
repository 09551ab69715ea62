// SIMD inner loops that BLAS has no routine for: packed float16, int8 or float32 matrices times a few float32
// rows, and the dot products and weighted sums of a decoding step's attention.

import CInt8Kernels

enum Kernels {
    /// Where a product's input rows are and how they are laid out: input[r, c] for r < rows, c < columns.
    enum PanelInput {
        /// Row after row, `columns` apart.
        case rows(UnsafePointer<Float>)
        /// As `packTiles` lays them out: tiles of `packedTileRows` rows in the place their rows had, each tile
        /// column after column (a column's values adjacent).
        case packedTiles(UnsafePointer<Float>)
        /// Column after column: input[r, c] at pointer[c * stride + r] (rows side by side, any number of them).
        case columnMajor(UnsafePointer<Float>, stride: Int)

        /// The tile of `count` rows from `row`: where its first value is, and the distance from one column's
        /// values to the next (nil: rows in place, `columns` apart).
        @inline(__always)
        func tile(row: Int, count: Int, columns: Int) -> (start: UnsafePointer<Float>, columnStride: Int?) {
            switch self {
            case let .rows(x): return (x + row * columns, nil)
            case let .packedTiles(x): return (x + row * columns, count)
            case let .columnMajor(x, stride): return (x + row, stride)
            }
        }

        var isRowsInPlace: Bool {
            if case .rows = self { return true }
            return false
        }

        /// Rows per tile where a tile meets one panel at a time: `tileRows` in place, `packedTileRows` packed,
        /// `columnMajorTileRows` column-major.
        var onePanelTileRows: Int {
            switch self {
            case .rows: return tileRows
            case .packedTiles: return packedTileRows
            case .columnMajor: return columnMajorTileRows
            }
        }
    }

    /// output[r, o] = bias[o] + scale[o] * sum_c input[r, c] * W[o, c] for the panels in `panels` (16 outputs each,
    /// the layout of `PanelMatrix`), every row r < rows; output rows are `outputStride` apart; without scales,
    /// scale[o] = 1.
    /// With AVX2, a tile of 6 rows x 16 outputs is 12 eight-lane accumulators, which with the two weight vectors
    /// and one broadcast fill the 16 registers, so each loaded weight feeds 12 FMAs. With AVX-512 a row's 16
    /// outputs are one register of the 32: 12 rows x 1 panel keep enough sums in flight for the two FMA pipes, but
    /// take a broadcast load per FMA; 6 rows x 4 panels (below) take 10 loads for 24 FMAs, which made the encoder's
    /// products 12-20% faster. Every output's sum runs over the columns in the same order whatever the tile, so
    /// the results are the same bits.
    // Specialized here: the matrices' element types are known only where a model builds them, in other modules.
    @_specialize(where Element == Float16)
    @_specialize(where Element == Float)
    static func panelProduct<Element: PanelElement>(_ weights: UnsafePointer<Element>, scales: UnsafePointer<Float>?,
                                                    panels: Range<Int>, columns: Int, outputs: Int,
                                                    _ input: PanelInput, rows: Int, bias: UnsafePointer<Float>?,
                                                    _ output: UnsafeMutablePointer<Float>, outputStride: Int) {
        var panels = panels
        if takesFourPanels(rowsInPlace: input.isRowsInPlace, rows: rows, columns: columns, Element.self) {
            while panels.count >= 4 && (panels.lowerBound + 4) * 16 <= outputs {
                let first = panels.lowerBound * 16, w = weights + panels.lowerBound * columns * 16
                let panelScales = scales.map { $0 + first }, panelBias = bias.map { $0 + first }
                forEachTile(rows: rows, atMost: fourPanelTileRows) { row, count in
                    let (x, stride) = input.tile(row: row, count: count, columns: columns)
                    let y = output + row * outputStride + first
                    switch count {
                    case 1: fourPanelTile(w, columns, x, stride, y, outputStride, panelScales, panelBias, InlineArray<1, Int>.self)
                    case 2: fourPanelTile(w, columns, x, stride, y, outputStride, panelScales, panelBias, InlineArray<2, Int>.self)
                    case 3: fourPanelTile(w, columns, x, stride, y, outputStride, panelScales, panelBias, InlineArray<3, Int>.self)
                    case 4: fourPanelTile(w, columns, x, stride, y, outputStride, panelScales, panelBias, InlineArray<4, Int>.self)
                    case 5: fourPanelTile(w, columns, x, stride, y, outputStride, panelScales, panelBias, InlineArray<5, Int>.self)
                    default: fourPanelTile(w, columns, x, stride, y, outputStride, panelScales, panelBias, InlineArray<6, Int>.self)
                    }
                }
                panels = (panels.lowerBound + 4)..<panels.upperBound
            }
        }
        for panel in panels {
            let w = weights + panel * columns * 16
            let firstOutput = panel * 16, valid = min(16, outputs - firstOutput)
            let panelScales = scales.map { $0 + firstOutput }, panelBias = bias.map { $0 + firstOutput }
            forEachTile(rows: rows, atMost: input.onePanelTileRows) { row, count in
                let (x, stride) = input.tile(row: row, count: count, columns: columns)
                panelTile(rows: count, w, columns, x, columnStride: stride, output + row * outputStride + firstOutput,
                          outputStride, valid, panelScales, panelBias)
            }
        }
    }

    /// Whether `panelProduct` runs these rows four panels at a time. Where vectors are 512 bits wide: rows side by
    /// side (packed or column-major); rows in place up to 6 (one tile), or any number of them when the four panels
    /// stay in the L1 cache for all their tiles (attention's 64-value heads); otherwise 7 to 12 rows in place are
    /// one tile of one panel, and more are packed (`readsPackedInput`). Everywhere for a single row (a greedy step,
    /// Silero's LSTM: one panel's sum would be one chain of dependent FMAs).
    private static func takesFourPanels<Element>(rowsInPlace: Bool, rows: Int, columns: Int, _: Element.Type) -> Bool {
        guard rowsInPlace else { return tileRows == 12 }
        return rows == 1 || (tileRows == 12 && (rows <= 6 || 64 * columns * MemoryLayout<Element>.size <= 16_384))
    }

    /// Whether `panelProduct` should be given these rows packed (`packTiles`): more than one tile of them, and
    /// not the few-columns case that reads them in place four panels at a time.
    static func readsPackedInput<Element>(rows: Int, columns: Int, _ element: Element.Type) -> Bool {
        rows > tileRows && !takesFourPanels(rowsInPlace: true, rows: rows, columns: columns, element)
    }

    /// body(first row, row count) for tiles of at most `atMost` rows covering 0..<rows, as even as possible (13
    /// rows in twelves are 6 and 7, not 12 and 1: a one-row tile leaves its FMAs waiting on each other).
    @inline(__always)
    private static func forEachTile(rows: Int, atMost: Int, _ body: (_ row: Int, _ count: Int) -> Void) {
        let tiles = (rows + atMost - 1) / atMost
        var row = 0
        for tile in 0..<tiles {
            let count = (rows - row) / (tiles - tile)
            body(row, count)
            row += count
        }
    }

    /// Input rows per tile: 12 where the build's vectors are 512 bits wide, else 6 (see `panelProduct`).
    static let tileRows = hark_vector_bits() >= 512 ? 12 : 6

    /// Rows per tile of four panels: 24 sums, four weight vectors and a broadcast fill 29 of AVX-512's 32 registers.
    static let fourPanelTileRows = 6

    /// Rows per tile of a packed input: the four-panel tile's, which reads them with AVX-512 (and `tileRows`,
    /// 6, with AVX2, where one panel does).
    static let packedTileRows = fourPanelTileRows

    /// Rows per tile of a column-major input one panel at a time (with AVX-512, the panels outside whole groups of
    /// four): a whole panel's worth (16 sums, a weight and a broadcast fill 18 of the 32 registers) where vectors
    /// are 512 bits wide, so that a column's values are one cache line.
    static let columnMajorTileRows = tileRows == 12 ? 16 : tileRows

    /// `panelTile` for a tile of `rows` rows (1...16), with R a compile-time count.
    @inline(__always)
    private static func panelTile<Element: PanelElement>(rows: Int, _ w: UnsafePointer<Element>, _ columns: Int,
                                                         _ x: UnsafePointer<Float>, columnStride: Int?,
                                                         _ y: UnsafeMutablePointer<Float>, _ stride: Int, _ valid: Int,
                                                         _ scales: UnsafePointer<Float>?, _ bias: UnsafePointer<Float>?) {
        switch rows {
        case 1: panelTile(w, columns, x, columnStride, y, stride, valid, scales, bias, InlineArray<1, Int>.self)
        case 2: panelTile(w, columns, x, columnStride, y, stride, valid, scales, bias, InlineArray<2, Int>.self)
        case 3: panelTile(w, columns, x, columnStride, y, stride, valid, scales, bias, InlineArray<3, Int>.self)
        case 4: panelTile(w, columns, x, columnStride, y, stride, valid, scales, bias, InlineArray<4, Int>.self)
        case 5: panelTile(w, columns, x, columnStride, y, stride, valid, scales, bias, InlineArray<5, Int>.self)
        case 6: panelTile(w, columns, x, columnStride, y, stride, valid, scales, bias, InlineArray<6, Int>.self)
        case 7: panelTile(w, columns, x, columnStride, y, stride, valid, scales, bias, InlineArray<7, Int>.self)
        case 8: panelTile(w, columns, x, columnStride, y, stride, valid, scales, bias, InlineArray<8, Int>.self)
        case 9: panelTile(w, columns, x, columnStride, y, stride, valid, scales, bias, InlineArray<9, Int>.self)
        case 10: panelTile(w, columns, x, columnStride, y, stride, valid, scales, bias, InlineArray<10, Int>.self)
        case 11: panelTile(w, columns, x, columnStride, y, stride, valid, scales, bias, InlineArray<11, Int>.self)
        case 12: panelTile(w, columns, x, columnStride, y, stride, valid, scales, bias, InlineArray<12, Int>.self)
        case 13: panelTile(w, columns, x, columnStride, y, stride, valid, scales, bias, InlineArray<13, Int>.self)
        case 14: panelTile(w, columns, x, columnStride, y, stride, valid, scales, bias, InlineArray<14, Int>.self)
        case 15: panelTile(w, columns, x, columnStride, y, stride, valid, scales, bias, InlineArray<15, Int>.self)
        default: panelTile(w, columns, x, columnStride, y, stride, valid, scales, bias, InlineArray<16, Int>.self)
        }
    }

    /// R rows of x times one 16-row panel: R x 16 outputs, written to y (row stride `stride`), the first `valid` of
    /// each row. R is a compile-time count so the accumulators live in registers (`rows` only carries it). The
    /// rows are in place (`columns` apart) or, with a `columnStride`, side by side (a tile from `packTiles`, or a
    /// column-major input): a column's R inputs in one run, reached from one moving pointer, where rows in place
    /// take an address computation beside each FMA.
    @inline(__always)
    private static func panelTile<Element: PanelElement, let R: Int>(_ w: UnsafePointer<Element>, _ columns: Int,
                                                                     _ x: UnsafePointer<Float>, _ columnStride: Int?,
                                                                     _ y: UnsafeMutablePointer<Float>, _ stride: Int,
                                                                     _ valid: Int, _ scales: UnsafePointer<Float>?,
                                                                     _ bias: UnsafePointer<Float>?,
                                                                     _ rows: InlineArray<R, Int>.Type) {
        // One 16-wide accumulator per row: one zmm register with AVX-512, two ymm with AVX2.
        var sums = InlineArray<R, SIMD16<Float>>(repeating: .zero)
        var panelColumn = w
        if let columnStride {
            var inputColumn = x
            for _ in 0..<columns {
                let weight = Element.widenSixteen(UnsafeRawPointer(panelColumn))
                for r in 0..<R { sums[r].addProduct(SIMD16<Float>(repeating: inputColumn[r]), weight) }
                panelColumn += 16
                inputColumn += columnStride
            }
        } else {
            // Row pointers and a moving weight pointer keep index arithmetic (and Swift's overflow checks on it,
            // which took as many instructions as the FMAs) out of the loop.
            var rowStarts = InlineArray<R, UnsafePointer<Float>>(repeating: x)
            for r in 0..<R { rowStarts[r] = x + r &* columns }
            for c in 0..<columns {
                let weight = Element.widenSixteen(UnsafeRawPointer(panelColumn))
                panelColumn += 16
                for r in 0..<R { sums[r].addProduct(SIMD16<Float>(repeating: rowStarts[r][c]), weight) }
            }
        }
        for r in 0..<R { finishPanel(sums[r], y + r * stride, valid, scales, bias) }
    }

    /// Rows as `panelProduct` reads them `.packedTiles`: each tile of rows (as `forEachTile` cuts `rows` in
    /// `packedTileRows`) in the place its rows had, column after column, so a tile's R values of one column are adjacent.
    static func packTiles(_ input: UnsafePointer<Float>, rows: Int, columns: Int, into packed: UnsafeMutablePointer<Float>) {
        forEachTile(rows: rows, atMost: packedTileRows) { row, count in
            let source = input + row * columns, destination = packed + row * columns
            switch count {
            case 1: packTile(source, columns, destination, InlineArray<1, Int>.self)
            case 2: packTile(source, columns, destination, InlineArray<2, Int>.self)
            case 3: packTile(source, columns, destination, InlineArray<3, Int>.self)
            case 4: packTile(source, columns, destination, InlineArray<4, Int>.self)
            case 5: packTile(source, columns, destination, InlineArray<5, Int>.self)
            default: packTile(source, columns, destination, InlineArray<6, Int>.self)
            }
        }
    }

    /// One tile of R rows, written in order (reading the rows side by side: row by row, a wide tile's writes left
    /// the L1 cache before the next row's came back to the same lines); R known, so each column is R plain moves.
    @inline(__always)
    private static func packTile<let R: Int>(_ source: UnsafePointer<Float>, _ columns: Int,
                                             _ destination: UnsafeMutablePointer<Float>, _ rows: InlineArray<R, Int>.Type) {
        var rowStarts = InlineArray<R, UnsafePointer<Float>>(repeating: source)
        for r in 0..<R { rowStarts[r] = source + r &* columns }
        var out = destination
        for c in 0..<columns {
            for r in 0..<R { out[r] = rowStarts[r][c] }
            out += R
        }
    }

    /// R rows of x times four consecutive whole panels: R x 64 outputs, written to y (row stride `stride`). With
    /// AVX-512, 24 sums, four weight vectors and a broadcast fill 29 of the 32 registers for R = 6.
    @inline(__always)
    private static func fourPanelTile<Element: PanelElement, let R: Int>(_ w: UnsafePointer<Element>, _ columns: Int,
                                                                         _ x: UnsafePointer<Float>, _ columnStride: Int?,
                                                                         _ y: UnsafeMutablePointer<Float>,
                                                                         _ stride: Int, _ scales: UnsafePointer<Float>?,
                                                                         _ bias: UnsafePointer<Float>?, _ rows: InlineArray<R, Int>.Type) {
        // One fixed-size array of sums per panel (arrays of arrays, or 64-lane vectors, went through the stack).
        var sums0 = InlineArray<R, SIMD16<Float>>(repeating: .zero), sums1 = sums0, sums2 = sums0, sums3 = sums0
        // Value (r, c) at inputColumn[offsets[r]] once the pointer has moved c columns: rows in place (offsets r
        // times the row length, a step of one value) or side by side (offsets r, a step of `columnStride`); one
        // indexed load a row either way.
        var offsets = InlineArray<R, Int>(repeating: 0)
        for r in 0..<R { offsets[r] = columnStride == nil ? r &* columns : r }
        let columnStep = columnStride ?? 1, panelStride = columns &* 16
        var panelColumn = w, inputColumn = x
        for _ in 0..<columns {
            let weights0 = Element.widenSixteen(UnsafeRawPointer(panelColumn))
            let weights1 = Element.widenSixteen(UnsafeRawPointer(panelColumn + panelStride))
            let weights2 = Element.widenSixteen(UnsafeRawPointer(panelColumn + 2 &* panelStride))
            let weights3 = Element.widenSixteen(UnsafeRawPointer(panelColumn + 3 &* panelStride))
            panelColumn += 16
            for r in 0..<R {
                let value = SIMD16<Float>(repeating: inputColumn[offsets[r]])
                sums0[r].addProduct(value, weights0)
                sums1[r].addProduct(value, weights1)
                sums2[r].addProduct(value, weights2)
                sums3[r].addProduct(value, weights3)
            }
            inputColumn += columnStep
        }
        for r in 0..<R {
            let row = y + r * stride
            finishPanel(sums0[r], row, 16, scales, bias)
            finishPanel(sums1[r], row + 16, 16, scales.map { $0 + 16 }, bias.map { $0 + 16 })
            finishPanel(sums2[r], row + 32, 16, scales.map { $0 + 32 }, bias.map { $0 + 32 })
            finishPanel(sums3[r], row + 48, 16, scales.map { $0 + 48 }, bias.map { $0 + 48 })
        }
    }

    /// A panel's 16 sums for one row, times the scales, plus the bias, stored to out (the first `valid`).
    @inline(__always)
    private static func finishPanel(_ sums: SIMD16<Float>, _ out: UnsafeMutablePointer<Float>, _ valid: Int,
                                    _ scales: UnsafePointer<Float>?, _ bias: UnsafePointer<Float>?) {
        if valid == 16 {
            var sum = sums
            if let scales { sum *= UnsafeRawPointer(scales).loadUnaligned(as: SIMD16<Float>.self) }
            if let bias { sum += UnsafeRawPointer(bias).loadUnaligned(as: SIMD16<Float>.self) }
            UnsafeMutableRawPointer(out).storeBytes(of: sum, as: SIMD16<Float>.self)
        } else {
            for o in 0..<valid { out[o] = sums[o] * (scales?[o] ?? 1) + (bias?[o] ?? 0) }
        }
    }

    /// One row x times the int8 panels in `panels`: `panelProduct` for a single row, except that even and odd
    /// columns are summed in two chains. With one chain each fused multiply-add waits for the previous one, which
    /// holds a row's product of int8 panels below the speed memory delivers them at. The rounding differs from
    /// `panelProduct`'s, so only estimates come from here (`ScreenedMatrix`).
    static func panelRowEstimate(_ weights: UnsafePointer<Int8>, scales: UnsafePointer<Float>?, panels: Range<Int>,
                                 columns: Int, outputs: Int, _ x: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>) {
        for panel in panels {
            var panelColumn = weights + panel * columns * 16
            var (current, other) = (SIMD16<Float>(), SIMD16<Float>())
            for c in 0..<columns {
                current.addProduct(SIMD16<Float>(repeating: x[c]), Int8.widenSixteen(UnsafeRawPointer(panelColumn)))
                swap(&current, &other)
                panelColumn += 16
            }
            var sum = current + other
            let firstOutput = panel * 16
            if let scales { sum *= UnsafeRawPointer(scales + firstOutput).loadUnaligned(as: SIMD16<Float>.self) }
            for o in 0..<min(16, outputs - firstOutput) { output[firstOutput + o] = sum[o] }
        }
    }

    /// out[0..<length] += weight * values[0..<length]: one key's share of a query's attention output.
    @inline(__always)
    static func addWeighted(_ values: UnsafePointer<Float>, by weight: Float, length: Int, to out: UnsafeMutablePointer<Float>) {
        let weights = SIMD8<Float>(repeating: weight)
        var c = 0
        while c + 8 <= length {
            let o = UnsafeMutableRawPointer(out + c)
            var sum = o.loadUnaligned(as: SIMD8<Float>.self)
            sum.addProduct(weights, UnsafeRawPointer(values + c).loadUnaligned(as: SIMD8<Float>.self))
            o.storeBytes(of: sum, as: SIMD8<Float>.self)
            c += 8
        }
        while c < length { out[c] += weight * values[c]; c += 1 }
    }

    /// Dot product of two float32 vectors, eight lanes at a time.
    @inline(__always)
    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ length: Int) -> Float {
        var lanes = SIMD8<Float>(), tail: Float = 0, i = 0
        while i + 8 <= length {
            lanes.addProduct(UnsafeRawPointer(a + i).loadUnaligned(as: SIMD8<Float>.self),
                             UnsafeRawPointer(b + i).loadUnaligned(as: SIMD8<Float>.self))
            i += 8
        }
        while i < length { tail += a[i] * b[i]; i += 1 }
        return lanes.sum() + tail
    }
}
