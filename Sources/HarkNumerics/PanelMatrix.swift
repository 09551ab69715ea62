// Matrices packed once for products x W^T: float16 weights as the model files store them, int8
// weights with a scale per row, and attention keys and values (float16, or float32 for the float32 compute type).

import CInt8Kernels

/// An element a panel can hold: widened to float32 a panel column (sixteen) at a time inside the product's loop.
public protocol PanelElement: Sendable {
    /// The nearest storable value (float16 rounding, or an int8 rounded and clamped to -127...127).
    init(rounding value: Float)
    var float: Float { get }
    /// Sixteen consecutive elements at p as float32: one vcvtph2ps for float16, one load for float32 (two of
    /// each where vectors are 256 bits wide).
    static func widenSixteen(_ p: UnsafeRawPointer) -> SIMD16<Float>
}

extension Float16: PanelElement {
    public init(rounding value: Float) { self.init(value) }
    public var float: Float { Float(self) }
    @inline(__always) public static func widenSixteen(_ p: UnsafeRawPointer) -> SIMD16<Float> { hark_widen_halves(p) }
}

extension Int8: PanelElement {
    public init(rounding value: Float) { self.init(Swift.max(-127, Swift.min(127, value.rounded()))) }
    public var float: Float { Float(self) }
    /// In halves: the standard library's 16-lane integer conversions are out-of-line calls, its 8-lane ones inline.
    @inline(__always) public static func widenSixteen(_ p: UnsafeRawPointer) -> SIMD16<Float> {
        let bytes = p.loadUnaligned(as: SIMD16<Int8>.self)
        return SIMD16(lowHalf: SIMD8<Float>(SIMD8<Int32>(truncatingIfNeeded: bytes.lowHalf)),
                      highHalf: SIMD8<Float>(SIMD8<Int32>(truncatingIfNeeded: bytes.highHalf)))
    }
}

extension Float: PanelElement {
    public init(rounding value: Float) { self = value }
    public var float: Float { self }
    @inline(__always) public static func widenSixteen(_ p: UnsafeRawPointer) -> SIMD16<Float> {
        p.loadUnaligned(as: SIMD16<Float>.self)
    }
}

/// A [rows x columns] matrix (PyTorch's [outFeatures, inFeatures] for a weight) packed in panels of 16 rows:
/// panel p holds rows 16p..<16p + 16 column after column, so column c of the panel is 16 adjacent values and a
/// product reads the matrix front to back, once per tile of input rows (`Kernels.tileRows`).
public struct PanelMatrix<Element: PanelElement>: Sendable {
    public let rows: Int
    public let columns: Int
    /// ceil(rows / 16) panels of columns * 16 values; rows past the end are zero.
    let panels: [Element]
    /// Per row (padded to whole panels), the factor a stored value is multiplied by: int8 rows' scales; nil is 1.
    let scales: [Float]?

    var panelCount: Int { Self.panelCount(rows: rows) }

    static func panelCount(rows: Int) -> Int { paddedRows(rows) / 16 }

    /// Rows as stored: padded to whole panels.
    static func paddedRows(_ rows: Int) -> Int { (rows + 15) / 16 * 16 }

    static func storageCount(rows: Int, columns: Int) -> Int { paddedRows(rows) * columns }

    /// Packs element (r, c) = source[r * rowStride + c * columnStride]: a row-major matrix, a block of its columns,
    /// or (strides swapped) its transpose. Read along whichever stride is 1: a decoder's cross-attention keys and
    /// values and the encoder's attention values are packed for every window, and gathered in panel order, element
    /// by element, they took a tenth as long as the encoder's attention.
    @_specialize(where Element == Float16)
    @_specialize(where Element == Float)
    public init(_ source: UnsafePointer<Float>, rows: Int, columns: Int, rowStride: Int, columnStride: Int = 1) {
        let count = Self.storageCount(rows: rows, columns: columns)
        let panels = [Element](unsafeUninitializedCapacity: count) { out, initialized in
            for panel in 0..<Self.panelCount(rows: rows) {
                let firstRow = panel * 16, valid = Swift.min(16, rows - firstRow)
                let panelStart = out.baseAddress! + panel * columns * 16
                if rowStride == 1 {
                    // A transpose: each column of the panel is `valid` adjacent source values.
                    for c in 0..<columns {
                        let from = source + c * columnStride + firstRow, to = panelStart + c * 16
                        for k in 0..<valid { to[k] = Element(rounding: from[k]) }
                        for k in valid..<16 { to[k] = Element(rounding: 0) }
                    }
                } else {
                    // Source rows one after another, each written down its lane of the panel.
                    for k in 0..<16 {
                        var to = panelStart + k
                        guard k < valid else {
                            for _ in 0..<columns { to.initialize(to: Element(rounding: 0)); to += 16 }
                            continue
                        }
                        var from = source + (firstRow + k) * rowStride
                        for _ in 0..<columns {
                            to.initialize(to: Element(rounding: from.pointee))
                            to += 16
                            from += columnStride
                        }
                    }
                }
            }
            initialized = count
        }
        self.init(rows: rows, columns: columns, scales: nil, panels: panels)
    }

    /// Rounds (float16) or copies (float32) a row-major matrix.
    public init(_ matrix: Tensor) {
        self = matrix.data.withUnsafeBufferPointer {
            PanelMatrix($0.baseAddress!, rows: matrix.rows, columns: matrix.columns, rowStride: matrix.columns)
        }
    }

    private init(rows: Int, columns: Int, scales: [Float]?, panels: [Element]) {
        precondition(panels.count == Self.storageCount(rows: rows, columns: columns))
        self.rows = rows
        self.columns = columns
        self.scales = scales
        self.panels = panels
    }

    public subscript(row: Int, column: Int) -> Float {
        panels[((row / 16) * columns + column) * 16 + row % 16].float * (scales?[row] ?? 1)
    }

    /// Row r as float32 (an embedding lookup).
    @_specialize(where Element == Float16)
    @_specialize(where Element == Float)
    public func row(_ r: Int) -> [Float] { (0..<columns).map { self[r, $0] } }

    /// The whole matrix as row-major float32.
    public func floats() -> [Float] { (0..<rows).flatMap { row($0) } }

    /// x W^T + bias for every row of x [n, columns]: [n, rows], spread over the pool, through
    /// `Kernels.panelProduct` for any row count: for decoding steps it reads each element once per tile of input rows,
    /// and over hundreds of rows (prompts, the encoder's 1500) the rows go in blocks that stay in the L2 cache while
    /// every panel passes them (against OpenBLAS on the widened matrix: as fast at 1500 rows, 1.5-3x faster at 49-227),
    /// as `PanelSchedule` shares them out; then `finish` (an activation).
    public func product(_ x: Tensor, bias: [Float]? = nil, pool: ThreadPool, then finish: Vector.InPlace? = nil) -> Tensor {
        precondition(x.columns == columns, "product: input has \(x.columns) features, the matrix expects \(columns)")
        if let bias { precondition(bias.count == rows, "product: bias has \(bias.count) values, expected \(rows)") }
        var out = [Float]()
        let schedule = PanelSchedule(inputRows: x.rows, columns: columns, outputs: rows, panelCount: panelCount,
                                     blockElements: Self.blockFloats, wholeTiles: true, pool: pool)
        // Packed once for every panel to read, where the kernel reads packed tiles (`Kernels.packTiles`).
        var packed = [Float]()
        if Kernels.readsPackedInput(rows: x.rows, columns: columns, Element.self) {
            packed = [Float](unsafeUninitializedCapacity: x.data.count) { _, count in count = x.data.count }
            x.data.withUnsafeBufferPointer { px in
                packed.withUnsafeMutableBufferPointer { pp in
                    schedule.forEachBlock { firstRow, rowCount in
                        Kernels.packTiles(px.baseAddress! + firstRow * columns, rows: rowCount, columns: columns,
                                          into: pp.baseAddress! + firstRow * columns)
                    }
                }
            }
        }
        x.data.withUnsafeBufferPointer { px in
            packed.withUnsafeBufferPointer { pp in
                out = schedule.run(then: finish) { firstRow, rowCount, panels, output in
                    let input: Kernels.PanelInput = packed.isEmpty ? .rows(px.baseAddress! + firstRow * columns)
                                                                   : .packedTiles(pp.baseAddress! + firstRow * columns)
                    bias.withUnsafeBufferPointerIfPresent { pb in
                        multiply(input, rows: rowCount, into: output + firstRow * rows, outputStride: rows, bias: pb, panels: panels)
                    }
                }
            }
        }
        var shape = x.shape
        shape[shape.count - 1] = rows
        return Tensor(shape: shape, data: out)
    }

    /// Inputs in one block of rows: 128 KB, a quarter of the L2 cache (the rest holds panels and outputs).
    static var blockFloats: Int { 32_768 }

    /// output[i, o] = bias[o] + sum_c input[i, c] * self[o, c] for i < n and o in the given panels' rows, on the
    /// calling thread; input rows are `columns` long, output rows `outputStride`.
    func multiply(_ input: UnsafePointer<Float>, rows n: Int, into output: UnsafeMutablePointer<Float>, outputStride: Int,
                  bias: UnsafePointer<Float>? = nil, panels range: Range<Int>? = nil) {
        multiply(.rows(input), rows: n, into: output, outputStride: outputStride, bias: bias, panels: range)
    }

    /// The same for input in any of `Kernels.PanelInput`'s layouts.
    func multiply(_ input: Kernels.PanelInput, rows n: Int, into output: UnsafeMutablePointer<Float>, outputStride: Int,
                  bias: UnsafePointer<Float>? = nil, panels range: Range<Int>? = nil) {
        panels.withUnsafeBufferPointer { pw in
            scales.withUnsafeBufferPointerIfPresent { ps in
                Kernels.panelProduct(pw.baseAddress!, scales: ps, panels: range ?? 0..<panelCount, columns: columns,
                                     outputs: rows, input, rows: n, bias: bias, output, outputStride: outputStride)
            }
        }
    }
}

public typealias HalfMatrix = PanelMatrix<Float16>

extension PanelMatrix where Element == Float16 {
    /// Packs a row-major matrix of little-endian float16 values, as the model files hold them (at any alignment).
    /// Row by row, so the file is read front to back (every weight of a model passes here once per load).
    public init(halves: UnsafeRawBufferPointer, rows: Int, columns: Int) {
        precondition(halves.count == 2 * rows * columns, "HalfMatrix: \(halves.count) bytes for \(rows) x \(columns)")
        let count = Self.storageCount(rows: rows, columns: columns)
        let panels = [Float16](unsafeUninitializedCapacity: count) { out, initialized in
            // Each stored row once: the file's rows, then zeros for the last panel's padding.
            for r in 0..<Self.paddedRows(rows) {
                let panelColumn = out.baseAddress! + (r / 16) * columns * 16 + r % 16
                guard r < rows else {
                    for c in 0..<columns { panelColumn[c &* 16] = 0 }
                    continue
                }
                let row = halves.baseAddress! + 2 * r * columns
                for c in 0..<columns {
                    panelColumn[c &* 16] = Float16(bitPattern: UInt16(littleEndian: row.loadUnaligned(fromByteOffset: c &* 2, as: UInt16.self)))
                }
            }
            initialized = count
        }
        self.init(rows: rows, columns: columns, scales: nil, panels: panels)
    }
}

extension PanelMatrix where Element == Int8 {
    /// Quantizes a float16 matrix with one scale per row (its largest magnitude over 127), as CTranslate2's int8
    /// weights are (and `Int8Matrix`), panel by panel on the pool (a vocabulary's embeddings are 26 M
    /// values), without widening it whole.
    public init(quantizing matrix: HalfMatrix, pool: ThreadPool) {
        let columns = matrix.columns, panelCount = matrix.panelCount
        var scales = [Float](repeating: 0, count: HalfMatrix.paddedRows(matrix.rows))
        let count = Self.storageCount(rows: matrix.rows, columns: columns)
        let panels = [Int8](unsafeUninitializedCapacity: count) { out, initialized in
            matrix.panels.withUnsafeBufferPointer { source in
                scales.withUnsafeMutableBufferPointer { panelScales in
                    pool.forEach(chunks: panelCount) { panel, _ in
                        let values = source.baseAddress! + panel * columns * 16, quantized = out.baseAddress! + panel * columns * 16
                        // Row k of the panel is lane k of every 16-value column. Element by element: with
                        // vectors, masks went through memory and maxima and integer conversions were calls here,
                        // two to four times slower.
                        withUnsafeTemporaryAllocation(of: Float.self, capacity: 32) { lanes in
                            let largest = lanes.baseAddress!, inverse = largest + 16
                            for k in 0..<16 { largest[k] = 0 }
                            for i in 0..<(columns * 16) { largest[i & 15] = Swift.max(largest[i & 15], abs(Float(values[i]))) }
                            for k in 0..<16 {
                                let scale = largest[k] / 127
                                panelScales[panel * 16 + k] = scale
                                inverse[k] = scale > 0 ? 1 / scale : 0
                            }
                            for i in 0..<(columns * 16) { quantized[i] = Int8(rounding: Float(values[i]) * inverse[i & 15]) }
                        }
                    }
                }
            }
            initialized = count
        }
        self.init(rows: matrix.rows, columns: columns, scales: scales, panels: panels)
    }
}

/// How a product of many input rows with a matrix in panels of 16 outputs is shared out to the pool's threads.
struct PanelSchedule {
    let inputRows: Int
    let outputs: Int
    let panelCount: Int
    let blockRows: Int
    let panelsPerChunk: Int
    let pool: ThreadPool

    /// A whole 1500-row input (3-12 MB) does not fit the L2 cache, so with all rows against each panel in turn
    /// it came from L3 once per panel; a block of rows comes from L3 once, and the panels (2-16 KB each, 1-4 MB a
    /// matrix) pass it. Even blocks of about `blockElements` inputs, at least one tile of rows; chunks of panels
    /// big enough (about 100k multiply-adds) that waking a thread pays for itself, about four per thread in each
    /// block so that a thread sharing its core takes fewer. With `wholeTiles`, blocks are whole tiles of
    /// `Kernels.tileRows` (but the last): 17-row blocks of 2048-column inputs ran as tiles of 8 and 9 rows.
    init(inputRows n: Int, columns: Int, outputs: Int, panelCount: Int, blockElements: Int, wholeTiles: Bool = false,
         pool: ThreadPool) {
        let blocks = max(1, n * columns / blockElements), tile = Kernels.tileRows
        let evenRows = max(tile, (n + blocks - 1) / blocks)
        blockRows = wholeTiles ? (evenRows + tile - 1) / tile * tile : evenRows
        let minimumPanels = max(1, 100_000 / max(1, min(n, blockRows) * columns * 16))
        panelsPerChunk = max(minimumPanels, (panelCount + 4 * pool.threads - 1) / (4 * pool.threads))
        inputRows = n
        self.outputs = outputs
        self.panelCount = panelCount
        self.pool = pool
    }

    /// body(first row, row count) for each block of rows, spread over the pool.
    func forEachBlock(_ body: (_ firstRow: Int, _ rowCount: Int) -> Void) {
        pool.forEach(chunks: (inputRows + blockRows - 1) / blockRows) { block, _ in
            body(block * blockRows, min(blockRows, inputRows - block * blockRows))
        }
    }

    /// [inputRows, outputs] from `multiply(firstRow, rowCount, panels, output)`, which writes those rows' outputs
    /// of those panels; `finish` (an activation) rewrites each piece right after it is computed, while it is in
    /// the cache, instead of in a pass of its own over the whole output.
    func run(then finish: Vector.InPlace?,
             multiply: (_ firstRow: Int, _ rowCount: Int, _ panels: Range<Int>, _ output: UnsafeMutablePointer<Float>) -> Void) -> [Float] {
        let n = inputRows, outputs = outputs
        let rowBlocks = (n + blockRows - 1) / blockRows, panelChunks = (panelCount + panelsPerChunk - 1) / panelsPerChunk
        // Every output is written below: no zeros first (a memset of up to 12 MB on the calling thread alone).
        var out = [Float](unsafeUninitializedCapacity: n * outputs) { _, count in count = n * outputs }
        out.withUnsafeMutableBufferPointer { po in
            let output = po.baseAddress!
            // Block-major: the threads share a block (each its own panels) before they move to the next.
            pool.forEach(chunks: rowBlocks * panelChunks) { chunk, _ in
                let firstRow = chunk / panelChunks * blockRows, firstPanel = chunk % panelChunks * panelsPerChunk
                let rowCount = min(blockRows, n - firstRow), panels = firstPanel..<min(panelCount, firstPanel + panelsPerChunk)
                multiply(firstRow, rowCount, panels, output)
                guard let finish else { return }
                let firstOutput = panels.lowerBound * 16, count = min(outputs, panels.upperBound * 16) - firstOutput
                for row in firstRow..<(firstRow + rowCount) { finish(output + row * outputs + firstOutput, count) }
            }
        }
        return out
    }
}

extension Optional where Wrapped == [Float] {
    func withUnsafeBufferPointerIfPresent<R>(_ body: (UnsafePointer<Float>?) -> R) -> R {
        switch self {
        case .none: return body(nil)
        case let .some(values): return values.withUnsafeBufferPointer { body($0.baseAddress) }
        }
    }
}
