// Weight matrices in ggml's quantized blocks, read where they lie (a mapped GGUF): rows dequantized, and products
// with float32 rows as integer dot products against 8-bit activations, block by block for a few rows, through
// tiles of 8-bit codes for many.
import CInt8Kernels
import Foundation

/// Rows of `columns` values stored back to back in blocks of `format`, starting at `base`; `owner` keeps the
/// bytes alive (the mapped file).
public struct QuantizedMatrix: @unchecked Sendable {
    /// ggml's block layouts (little-endian) that have products here, and their values x as dequantized.
    public enum Format: Sendable, CaseIterable {
        /// 32 values, 34 bytes: f16 d, i8 q[32]; x = d * q.
        case q8_0
        /// 32 values, 22 bytes: f16 d, u8 qh[4], u8 qs[16]; x = d * (q - 16), q = 4 low bits + 1 high bit.
        case q5_0
        /// 256 values, 144 bytes: f16 d, f16 dmin, u8 scales[12], u8 qs[128]; 8 groups of 32 with a 6-bit scale and
        /// a 6-bit min each: x = d * scale * q - dmin * min.
        case q4_K
        /// 256 values, 210 bytes: u8 ql[128], u8 qh[64], i8 scales[16], f16 d; 16 groups of 16 with a scale each:
        /// x = d * scale * (q - 32), q 6 bits.
        case q6_K

        public var blockValues: Int { self == .q8_0 || self == .q5_0 ? 32 : 256 }

        public var blockBytes: Int {
            switch self {
            case .q8_0: return 34
            case .q5_0: return 22
            case .q4_K: return 144
            case .q6_K: return 210
            }
        }

        /// Dequantizes one block at `block` into blockValues floats at `out`.
        public func decode(_ block: UnsafeRawPointer, into out: UnsafeMutablePointer<Float>) {
            switch self {
            case .q8_0: BlockDecoding.q8_0(block, out)
            case .q5_0: BlockDecoding.q5_0(block, out)
            case .q4_K: BlockDecoding.q4_K(block, out)
            case .q6_K: BlockDecoding.q6_K(block, out)
            }
        }
    }

    public let format: Format
    public let rows: Int
    public let columns: Int
    let base: UnsafeRawPointer
    let rowBytes: Int
    let owner: AnyObject

    /// `bytes` must hold rows x columns values of `format` (columns a whole number of blocks), and stay valid as
    /// long as `owner` lives.
    public init(format: Format, rows: Int, columns: Int, bytes: UnsafeRawPointer, owner: AnyObject) {
        precondition(columns % format.blockValues == 0, "a row of \(columns) values is not a whole number of blocks")
        self.format = format
        self.rows = rows
        self.columns = columns
        base = bytes
        rowBytes = columns / format.blockValues * format.blockBytes
        self.owner = owner
    }

    /// Row r dequantized (a token's embedding).
    public func row(_ r: Int) -> [Float] {
        precondition((0..<rows).contains(r))
        return [Float](unsafeUninitializedCapacity: columns) { out, initialized in
            decodeRows(r..<(r + 1), into: out.baseAddress!)
            initialized = columns
        }
    }

    /// Up to this many rows, products are integer dot products on the blocks (each weight row read once per
    /// activation row: decoding steps, the reads of memory are what costs); more rows go through tiles of weight
    /// rows recoded to one 8-bit layout (CInt8Kernels), each tile reused for all of them.
    public static let integerRowLimit = 8

    /// y = x W^T for x [rows, columns] (row-major), y [rows, self.rows]. In both paths the activation rows are
    /// first quantized to 8 bits in blocks as llama.cpp does before a product with a weight of this format (Q8_0
    /// for 32-value blocks, Q8_K for 256).
    public func multiply(_ x: [Float], rows inputRows: Int, pool: ThreadPool) -> [Float] {
        Self.multiply([self], x, rows: inputRows, pool: pool)[0]
    }

    /// x W^T for each of several matrices of the same input width (a layer's query, key and value): the
    /// activation rows are quantized once per block size and all products share one hand-out of work to the
    /// threads, since waking them costs about as much as a small product takes.
    public static func multiply(_ matrices: [QuantizedMatrix], _ x: [Float], rows inputRows: Int,
                                pool: ThreadPool) -> [[Float]] {
        let columns = matrices[0].columns
        precondition(matrices.allSatisfy { $0.columns == columns }, "products of one input need matrices of one width")
        precondition(x.count == inputRows * columns, "product: \(x.count) values are not \(inputRows) rows of \(columns)")
        let blockSizes = Set(matrices.map(\.format.blockValues))
        // All outputs in one buffer, matrix i's [inputRows, rows] at offsets[i].
        let offsets = matrices.indices.map { i in matrices[..<i].reduce(0) { $0 + inputRows * $1.rows } }
        var y = [Float](repeating: 0, count: matrices.reduce(0) { $0 + inputRows * $1.rows })
        y.withUnsafeMutableBufferPointer { py in
            let output = py.baseAddress!
            if inputRows <= integerRowLimit {
                let activations = Dictionary(uniqueKeysWithValues: blockSizes.map { ($0, QuantizedActivations(x, block: $0)) })
                // The matrices' rows one after the other; a chunk may span two matrices.
                let firstRows = matrices.indices.map { i in matrices[..<i].reduce(0) { $0 + $1.rows } }
                let total = matrices.reduce(0) { $0 + $1.rows }
                // About 100k multiply-adds per chunk, so that waking a thread pays for itself.
                pool.forEach(splitting: total, minimum: max(16, 100_000 / max(1, inputRows * columns))) { range, _ in
                    for (i, matrix) in matrices.enumerated() {
                        let lower = max(range.lowerBound, firstRows[i]), upper = min(range.upperBound, firstRows[i] + matrix.rows)
                        guard lower < upper else { continue }
                        matrix.integerProducts(activations[matrix.format.blockValues]!, rows: inputRows,
                                               outputs: (lower - firstRows[i])..<(upper - firstRows[i]), into: output + offsets[i])
                    }
                }
                return
            }
            let coded = Dictionary(uniqueKeysWithValues: blockSizes.map {
                ($0, CodedActivations(x, columns: columns, block: $0, pool: pool))
            })
            let tiles = matrices.indices.flatMap { i in
                stride(from: 0, to: matrices[i].rows, by: tileRows).map { (matrix: i, first: $0) }
            }
            var scratch = (0..<pool.threads).map { _ in CodedTile(rows: tileRows, columns: columns) }
            scratch.withUnsafeMutableBufferPointer { tilesOfWorkers in
                pool.forEach(chunks: tiles.count) { t, worker in
                    let (i, first) = tiles[t], matrix = matrices[i]
                    let count = min(tileRows, matrix.rows - first)
                    tilesOfWorkers[worker].recode(matrix, rows: first..<(first + count))
                    tilesOfWorkers[worker].multiply(coded[matrix.format.blockValues]!, into: output + offsets[i] + first,
                                                    outputStride: matrix.rows)
                }
            }
        }
        return matrices.indices.map { i in Array(y[offsets[i]..<(offsets[i] + inputRows * matrices[i].rows)]) }
    }

    /// y[r, o] for o in `outputs` and every activation row r (y's rows are self.rows apart).
    private func integerProducts(_ activations: QuantizedActivations, rows inputRows: Int, outputs: Range<Int>,
                                 into y: UnsafeMutablePointer<Float>) {
        let blocks = columns / format.blockValues, groups = columns / 32
        if format == .q8_0 || format == .q5_0 {
            // Most of a decoding step's bytes (Gemma's tied output projection, its Q5_0 layers): CInt8Kernels.
            activations.bytes.withUnsafeBufferPointer { bytes in
            activations.scales.withUnsafeBufferPointer { scales in
                hark_block32_products(format == .q8_0 ? HarkQ8_0 : HarkQ5_0,
                                      base.assumingMemoryBound(to: UInt8.self) + outputs.lowerBound * rowBytes, rowBytes,
                                      outputs.count, bytes.baseAddress, scales.baseAddress, inputRows, blocks,
                                      y + outputs.lowerBound, rows)
            }
            }
            return
        }
        activations.values.withUnsafeBufferPointer { values in
        activations.scales.withUnsafeBufferPointer { scales in
        activations.groupSums.withUnsafeBufferPointer { sums in
            for o in outputs {
                let weights = base + o * rowBytes
                for r in 0..<inputRows {
                    y[r * rows + o] = IntegerDot.row(format, weights, blocks: blocks, values.baseAddress! + r * columns,
                                                     scales.baseAddress! + r * blocks, sums.baseAddress.map { $0 + r * groups })
                }
            }
        }
        }
        }
    }

    /// Rows `range` dequantized into `out`, one after the other.
    private func decodeRows(_ range: Range<Int>, into out: UnsafeMutablePointer<Float>) {
        for (r, row) in range.enumerated() {
            let weights = base + row * rowBytes
            for b in 0..<(columns / format.blockValues) {
                format.decode(weights + b * format.blockBytes, into: out + r * columns + b * format.blockValues)
            }
        }
    }

    /// Weight rows recoded at a time: 64 rows of Gemma's widest input (2048) are 128 kB of codes and 64 kB of
    /// scales, well within an L2, where they stay while every activation row passes.
    static let tileRows = 64
}

/// Weight rows recoded for CInt8Kernels: each group of 16 values as value = scale * code + offset, codes 0...255,
/// so that every block format meets the activations in one product (vpdpbusd multiplies unsigned by signed bytes).
struct CodedTile {
    var codes: [UInt8]
    var scales: [Float]
    var offsets: [Float]
    var rows = 0
    let columns: Int

    init(rows: Int, columns: Int) {
        precondition(columns % 16 == 0, "rows of \(columns) values are not whole groups of 16")
        self.columns = columns
        codes = [UInt8](repeating: 0, count: rows * columns)
        scales = [Float](repeating: 0, count: rows * columns / 16)
        offsets = scales
    }

    /// Holds `range`'s rows of `matrix` from now on.
    mutating func recode(_ matrix: QuantizedMatrix, rows range: Range<Int>) {
        precondition(matrix.columns == columns && range.count * columns <= codes.count)
        let format = matrix.format, blocks = columns / format.blockValues, groups = format.blockValues / 16
        codes.withUnsafeMutableBufferPointer { codes in
        scales.withUnsafeMutableBufferPointer { scales in
        offsets.withUnsafeMutableBufferPointer { offsets in
            for (r, row) in range.enumerated() {
                let weights = matrix.base + row * matrix.rowBytes
                for b in 0..<blocks {
                    let group = (r * blocks + b) * groups
                    BlockRecoding.recode(format, weights + b * format.blockBytes, codes: codes.baseAddress! + group * 16,
                                         scales: scales.baseAddress! + group, offsets: offsets.baseAddress! + group)
                }
            }
        }
        }
        }
        rows = range.count
    }

    /// y[r * outputStride + o] for every activation row r and every row o of the tile.
    func multiply(_ activations: CodedActivations, into y: UnsafeMutablePointer<Float>, outputStride: Int) {
        precondition(activations.columns == columns)
        codes.withUnsafeBufferPointer { codes in
        scales.withUnsafeBufferPointer { scales in
        offsets.withUnsafeBufferPointer { offsets in
        activations.values.withUnsafeBufferPointer { values in
        activations.scales.withUnsafeBufferPointer { activationScales in
        activations.sums.withUnsafeBufferPointer { sums in
            hark_int8_products(
                HarkCodedWeights(codes: codes.baseAddress, scales: scales.baseAddress, offsets: offsets.baseAddress, rows: rows),
                HarkCodedActivations(values: values.baseAddress, scales: activationScales.baseAddress, sums: sums.baseAddress,
                                     rows: activations.rows),
                columns, y, outputStride)
        }
        }
        }
        }
        }
        }
    }
}

/// Activation rows as CInt8Kernels reads them: the 8-bit values, and per group of 16 the block's scale and the
/// scaled sum of the group's values (which the weights' offsets multiply).
struct CodedActivations {
    let rows: Int
    let columns: Int
    var values: [Int8]
    var scales: [Float]
    var sums: [Float]

    /// `x`'s rows rounded to 8 bits in blocks of `block` as QuantizedActivations rounds them, rows shared out
    /// to the pool's threads.
    init(_ x: [Float], columns: Int, block: Int, pool: ThreadPool) {
        precondition(columns % block == 0 && x.count % columns == 0)
        self.columns = columns
        let rows = x.count / columns, groups = x.count / 16
        self.rows = rows
        var values = [Int8](repeating: 0, count: x.count)
        var scales = [Float](repeating: 0, count: groups), sums = scales
        x.withUnsafeBufferPointer { x in
        values.withUnsafeMutableBufferPointer { values in
        scales.withUnsafeMutableBufferPointer { scales in
        sums.withUnsafeMutableBufferPointer { sums in
            pool.forEach(splitting: rows, minimum: 16) { range, _ in
                for b in (range.lowerBound * columns / block)..<(range.upperBound * columns / block) {
                    let out = values.baseAddress! + b * block
                    let scale = QuantizedActivations.quantize(x.baseAddress! + b * block, block: block, into: out)
                    for g in (b * block / 16)..<((b + 1) * block / 16) {
                        var sum: Int32 = 0
                        for j in (g * 16)..<(g * 16 + 16) { sum &+= Int32(values[j]) }
                        scales[g] = scale
                        sums[g] = scale * Float(sum)
                    }
                }
            }
        }
        }
        }
        }
        self.values = values
        self.scales = scales
        self.sums = sums
    }
}

/// Activation rows quantized to 8 bits per block of 32 (ggml's Q8_0: the scale max|x| / 127 stored as half) or of
/// 256 (Q8_K: the scale from the value of largest magnitude, signed, kept as float), values rounded to nearest
/// even as llama.cpp's x86 code does.
struct QuantizedActivations {
    let block: Int
    /// The 8-bit values, widened to 16 bits: the integer products in Swift multiply 16-bit pairs.
    var values: [Int16]
    /// The same values as bytes, for CInt8Kernels.
    var bytes: [Int8]
    /// One per block.
    var scales: [Float]
    /// Q8_K only: the sum of each 32 values (Q4_K's products subtract its minimums times these).
    var groupSums: [Int32]

    init(_ x: [Float], block: Int) {
        precondition(block == 32 || block == 256)
        precondition(x.count % block == 0, "activations of \(x.count) values are not whole blocks of \(block)")
        self.block = block
        var values = [Int16](repeating: 0, count: x.count)
        var scales = [Float](repeating: 0, count: x.count / block)
        var groupSums = [Int32](repeating: 0, count: block == 256 ? x.count / 32 : 0)
        x.withUnsafeBufferPointer { x in
        values.withUnsafeMutableBufferPointer { values in
            for b in 0..<(x.count / block) {
                let out = values.baseAddress! + b * block
                scales[b] = Self.quantize(x.baseAddress! + b * block, block: block, into: out)
                if block == 256 {
                    for g in 0..<8 {
                        var sum: Int32 = 0
                        for j in (g * 32)..<(g * 32 + 32) { sum &+= Int32(out[j]) }
                        groupSums[b * 8 + g] = sum
                    }
                }
            }
        }
        }
        self.values = values
        bytes = values.map { Int8(truncatingIfNeeded: $0) }
        self.scales = scales
        self.groupSums = groupSums
    }

    /// One block of `block` values (32 or 256) at x rounded to 8 bits into `out`; returns the block's scale.
    @inline(__always)
    static func quantize<Value: FixedWidthInteger>(_ x: UnsafePointer<Float>, block: Int,
                                                   into out: UnsafeMutablePointer<Value>) -> Float {
        let largestBits = largestMagnitudeBits(x, count: block), amax = Float(bitPattern: largestBits)
        if block == 32 {
            let inverse = amax != 0 ? 127 / amax : 0
            for j in 0..<32 { out[j] = Value(truncatingIfNeeded: integer(x[j] * inverse)) }
            return HalfPrecision.rounded(amax / 127)
        }
        guard amax != 0 else {
            for j in 0..<256 { out[j] = 0 }
            return 0
        }
        // The scale's sign is that of the first value of largest magnitude, as llama.cpp's Q8_K picks it.
        var first = 0
        while x[first].bitPattern & 0x7FFF_FFFF != largestBits { first += 1 }
        let inverseScale = -127 / x[first]
        for j in 0..<256 { out[j] = Value(truncatingIfNeeded: integer(inverseScale * x[j])) }
        return 1 / inverseScale
    }

    /// scale * value for every value: the activation as llama.cpp's product sees it.
    func dequantized() -> [Float] {
        [Float](unsafeUninitializedCapacity: values.count) { out, initialized in
            values.withUnsafeBufferPointer { values in
                for b in 0..<scales.count {
                    let scale = scales[b]
                    for j in (b * block)..<((b + 1) * block) { out[j] = scale * Float(values[j]) }
                }
            }
            initialized = values.count
        }
    }

    /// v (within -127...127 by the choice of scale) rounded to nearest even, capped at 127 as llama.cpp's Q8_K
    /// caps it; NaN (from weights that are not numbers) becomes 0 instead of trapping. Selects and bit arithmetic
    /// only, so that loops over a block vectorize: adding 1.5 * 2^23 to a value within -128...127 leaves its
    /// integer, rounded to nearest even by the hardware, in the low bits (llama.cpp's nearest_int does the same).
    @inline(__always)
    static func integer(_ v: Float) -> Int32 {
        let capped = Swift.min(Swift.max(v.isNaN ? 0 : v, -128), 127)
        return Int32(bitPattern: (capped + 12_582_912).bitPattern) &- 0x4B40_0000
    }

    /// The largest |x[j]| of `count` values, NaN skipped: compared as bit patterns (which order non-negative
    /// floats as their values do), an integer maximum that vectorizes.
    @inline(__always)
    static func largestMagnitudeBits(_ x: UnsafePointer<Float>, count: Int) -> UInt32 {
        var largest: UInt32 = 0
        for j in 0..<count {
            let magnitude = x[j].bitPattern & 0x7FFF_FFFF
            largest = Swift.max(largest, magnitude > 0x7F80_0000 ? 0 : magnitude)
        }
        return largest
    }
}

/// Blocks to floats, one block at a time.
enum BlockDecoding {
    @inline(__always)
    static func half(_ p: UnsafeRawPointer, _ offset: Int) -> Float {
        Float(Float16(bitPattern: p.loadUnaligned(fromByteOffset: offset, as: UInt16.self)))
    }

    static func q8_0(_ block: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = half(block, 0)
        for j in 0..<32 { y[j] = d * Float(block.load(fromByteOffset: 2 + j, as: Int8.self)) }
    }

    static func q5_0(_ block: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = half(block, 0)
        let qh = block.loadUnaligned(fromByteOffset: 2, as: UInt32.self)
        for j in 0..<16 {
            let low = block.load(fromByteOffset: 6 + j, as: UInt8.self)
            let high0 = UInt8(truncatingIfNeeded: (qh >> UInt32(j)) << 4) & 0x10
            let high1 = UInt8(truncatingIfNeeded: qh >> UInt32(j + 12)) & 0x10
            y[j] = d * Float(Int(low & 0x0F | high0) - 16)
            y[j + 16] = d * Float(Int(low >> 4 | high1) - 16)
        }
    }

    /// Q4_K's eight 6-bit scales and eight 6-bit mins, unpacked from the 12 scale bytes at `packed` into one
    /// byte each (group j's at bits 8j of `scales` and `mins`): groups 0-3 keep their low 6 bits in bytes 0-3
    /// (scales) and 4-7 (mins); groups 4-7 have their low 4 bits in bytes 8-11 and their top 2 bits in the top
    /// bits of bytes 0-7. Whole words at a time, so no loop over groups is left for LLVM to vectorize badly.
    @inline(__always)
    static func scalesAndMins(_ packed: UnsafeRawPointer) -> (scales: UInt64, mins: UInt64) {
        let low = packed.loadUnaligned(as: UInt32.self), middle = packed.loadUnaligned(fromByteOffset: 4, as: UInt32.self)
        let high = packed.loadUnaligned(fromByteOffset: 8, as: UInt32.self)
        let scales = UInt64(low & 0x3F3F_3F3F) | UInt64(high & 0x0F0F_0F0F | (low >> 6 & 0x0303_0303) << 4) << 32
        let mins = UInt64(middle & 0x3F3F_3F3F) | UInt64(high >> 4 & 0x0F0F_0F0F | (middle >> 6 & 0x0303_0303) << 4) << 32
        return (scales, mins)
    }

    /// Byte j of a word of eight unpacked scales or mins.
    @inline(__always)
    static func byte(_ j: Int, of word: UInt64) -> Int32 { Int32(truncatingIfNeeded: word >> UInt64(8 * j) & 0xFF) }

    static func q4_K(_ block: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = half(block, 0), dmin = half(block, 2)
        for group in 0..<4 {
            let q = 16 + group * 32, out = y + group * 64
            let (scales, mins) = scalesAndMins(block + 4)
            let scale1 = d * Float(byte(2 * group, of: scales)), min1 = dmin * Float(byte(2 * group, of: mins))
            let scale2 = d * Float(byte(2 * group + 1, of: scales)), min2 = dmin * Float(byte(2 * group + 1, of: mins))
            for l in 0..<32 {
                let byte = block.load(fromByteOffset: q + l, as: UInt8.self)
                out[l] = scale1 * Float(byte & 0x0F) - min1
                out[32 + l] = scale2 * Float(byte >> 4) - min2
            }
        }
    }

    static func q6_K(_ block: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = half(block, 208)
        let byte = { (i: Int) in block.load(fromByteOffset: i, as: UInt8.self) }
        for half128 in 0..<2 {
            let ql = half128 * 64, qh = 128 + half128 * 32, sc = 192 + half128 * 8, out = y + half128 * 128
            for l in 0..<32 {
                let group = l / 16
                let high = byte(qh + l)
                let q1 = Int(byte(ql + l) & 0x0F | (high & 3) << 4) - 32
                let q2 = Int(byte(ql + l + 32) & 0x0F | (high >> 2 & 3) << 4) - 32
                let q3 = Int(byte(ql + l) >> 4 | (high >> 4 & 3) << 4) - 32
                let q4 = Int(byte(ql + l + 32) >> 4 | (high >> 6 & 3) << 4) - 32
                let scale = { (k: Int) in d * Float(block.load(fromByteOffset: sc + group + k, as: Int8.self)) }
                out[l] = scale(0) * Float(q1)
                out[l + 32] = scale(2) * Float(q2)
                out[l + 64] = scale(4) * Float(q3)
                out[l + 96] = scale(6) * Float(q4)
            }
        }
    }
}

/// Blocks to CodedTile's layout: 8-bit codes (the block's own quantized values, made non-negative) and, per group
/// of 16, the scale and offset that turn a code back into the value BlockDecoding gives.
enum BlockRecoding {
    static func recode(_ format: QuantizedMatrix.Format, _ block: UnsafeRawPointer, codes: UnsafeMutablePointer<UInt8>,
                       scales: UnsafeMutablePointer<Float>, offsets: UnsafeMutablePointer<Float>) {
        switch format {
        case .q8_0: q8_0(block, codes, scales, offsets)
        case .q5_0: q5_0(block, codes, scales, offsets)
        case .q4_K: q4_K(block, codes, scales, offsets)
        case .q6_K: q6_K(block, codes, scales, offsets)
        }
    }

    /// q in -128...127 becomes q + 128.
    static func q8_0(_ block: UnsafeRawPointer, _ codes: UnsafeMutablePointer<UInt8>, _ scales: UnsafeMutablePointer<Float>,
                     _ offsets: UnsafeMutablePointer<Float>) {
        let d = BlockDecoding.half(block, 0)
        for j in 0..<32 { codes[j] = block.load(fromByteOffset: 2 + j, as: UInt8.self) ^ 0x80 }
        for g in 0..<2 { scales[g] = d; offsets[g] = -128 * d }
    }

    static func q5_0(_ block: UnsafeRawPointer, _ codes: UnsafeMutablePointer<UInt8>, _ scales: UnsafeMutablePointer<Float>,
                     _ offsets: UnsafeMutablePointer<Float>) {
        let d = BlockDecoding.half(block, 0)
        let qh = block.loadUnaligned(fromByteOffset: 2, as: UInt32.self)
        for j in 0..<16 {
            let low = block.load(fromByteOffset: 6 + j, as: UInt8.self)
            codes[j] = low & 0x0F | UInt8(truncatingIfNeeded: (qh >> UInt32(j)) << 4) & 0x10
            codes[j + 16] = low >> 4 | UInt8(truncatingIfNeeded: qh >> UInt32(j + 12)) & 0x10
        }
        for g in 0..<2 { scales[g] = d; offsets[g] = -16 * d }
    }

    /// Each 32 values' 6-bit scale and minimum serve both of its groups of 16.
    static func q4_K(_ block: UnsafeRawPointer, _ codes: UnsafeMutablePointer<UInt8>, _ scales: UnsafeMutablePointer<Float>,
                     _ offsets: UnsafeMutablePointer<Float>) {
        let d = BlockDecoding.half(block, 0), dmin = BlockDecoding.half(block, 2)
        let (scales8, mins8) = BlockDecoding.scalesAndMins(block + 4)
        for pair in 0..<4 {
            let q = block + 16 + pair * 32, out = codes + pair * 64
            for l in 0..<32 {
                let byte = q.load(fromByteOffset: l, as: UInt8.self)
                out[l] = byte & 0x0F
                out[32 + l] = byte >> 4
            }
        }
        for sub in 0..<8 {
            let scale = d * Float(BlockDecoding.byte(sub, of: scales8)), offset = -dmin * Float(BlockDecoding.byte(sub, of: mins8))
            for g in (2 * sub)..<(2 * sub + 2) { scales[g] = scale; offsets[g] = offset }
        }
    }

    /// 6-bit q (the value is d * scale * (q - 32)); group g's signed scale is byte 192 + g.
    static func q6_K(_ block: UnsafeRawPointer, _ codes: UnsafeMutablePointer<UInt8>, _ scales: UnsafeMutablePointer<Float>,
                     _ offsets: UnsafeMutablePointer<Float>) {
        let d = BlockDecoding.half(block, 208)
        for half128 in 0..<2 {
            let ql = block + half128 * 64, qh = block + 128 + half128 * 32, out = codes + half128 * 128
            for l in 0..<32 {
                let high = qh.load(fromByteOffset: l, as: UInt8.self)
                let low1 = ql.load(fromByteOffset: l, as: UInt8.self), low2 = ql.load(fromByteOffset: l + 32, as: UInt8.self)
                out[l] = low1 & 0x0F | (high & 3) << 4
                out[l + 32] = low2 & 0x0F | (high >> 2 & 3) << 4
                out[l + 64] = low1 >> 4 | (high >> 4 & 3) << 4
                out[l + 96] = low2 >> 4 | (high >> 6 & 3) << 4
            }
        }
        for g in 0..<16 {
            let scale = d * Float(block.load(fromByteOffset: 192 + g, as: Int8.self))
            scales[g] = scale
            offsets[g] = -32 * scale
        }
    }
}

/// One weight row of 256-value blocks (Q4_K, Q6_K) times one quantized activation row; 32-value blocks go
/// through CInt8Kernels. The integer part of each block's product is exact (so its order does not matter), then
/// scaled and summed in float, as llama.cpp's vec_dot kernels do.
/// The loops are plain scalar code on purpose: LLVM vectorizes each block's loop into vpmovsxbw/vpmaddwd (and
/// the bit unpacking into shifts and masks), where Swift's generic SIMD conversions were left as calls.
enum IntegerDot {
    @inline(__always)
    static func row(_ format: QuantizedMatrix.Format, _ weights: UnsafeRawPointer, blocks: Int,
                    _ values: UnsafePointer<Int16>, _ scales: UnsafePointer<Float>,
                    _ groupSums: UnsafePointer<Int32>?) -> Float {
        switch format {
        case .q4_K: return q4_K(weights, blocks, values, scales, groupSums!)
        case .q6_K: return q6_K(weights, blocks, values, scales)
        case .q8_0, .q5_0: preconditionFailure("32-value blocks multiply in CInt8Kernels")
        }
    }

    static func q4_K(_ w: UnsafeRawPointer, _ blocks: Int, _ a: UnsafePointer<Int16>, _ scales: UnsafePointer<Float>,
                     _ groupSums: UnsafePointer<Int32>) -> Float {
        var sum: Float = 0
        for b in 0..<blocks {
            let block = w + b * 144, x = a + b * 256, sums = groupSums + b * 8
            var scaled: Int32 = 0, minimum: Int32 = 0
            let (scales8, mins8) = BlockDecoding.scalesAndMins(block + 4)
            for group in 0..<4 {
                let q = (block + 16 + group * 32).assumingMemoryBound(to: UInt8.self), v = x + group * 64
                var low: Int32 = 0, high: Int32 = 0
                for l in 0..<32 {
                    low &+= Int32(Int16(q[l] & 0x0F)) &* Int32(v[l])
                    high &+= Int32(Int16(q[l] >> 4)) &* Int32(v[32 + l])
                }
                scaled &+= low &* BlockDecoding.byte(2 * group, of: scales8) &+ high &* BlockDecoding.byte(2 * group + 1, of: scales8)
                minimum &+= BlockDecoding.byte(2 * group, of: mins8) &* sums[2 * group]
                    &+ BlockDecoding.byte(2 * group + 1, of: mins8) &* sums[2 * group + 1]
            }
            sum += Float(scaled) * (BlockDecoding.half(block, 0) * scales[b])
                - Float(minimum) * (BlockDecoding.half(block, 2) * scales[b])
        }
        return sum
    }

    static func q6_K(_ w: UnsafeRawPointer, _ blocks: Int, _ a: UnsafePointer<Int16>, _ scales: UnsafePointer<Float>) -> Float {
        var sum: Float = 0
        for b in 0..<blocks {
            let block = w + b * 210, x = a + b * 256
            var scaled: Int32 = 0
            for half in 0..<2 {
                let ql = (block + half * 64).assumingMemoryBound(to: UInt8.self)
                let qh = (block + 128 + half * 32).assumingMemoryBound(to: UInt8.self)
                let scale = (block + 192 + half * 8).assumingMemoryBound(to: Int8.self)
                let v = x + half * 128
                // Each 16 values have their own scale: runs k = 0..<4 of 32 values, each two halves of 16.
                for part in 0..<2 {
                    var s1: Int32 = 0, s2: Int32 = 0, s3: Int32 = 0, s4: Int32 = 0
                    for l in (part * 16)..<(part * 16 + 16) {
                        let h = qh[l]
                        s1 &+= Int32(Int16(ql[l] & 0x0F | (h & 3) << 4) &- 32) &* Int32(v[l])
                        s2 &+= Int32(Int16(ql[l + 32] & 0x0F | (h >> 2 & 3) << 4) &- 32) &* Int32(v[l + 32])
                        s3 &+= Int32(Int16(ql[l] >> 4 | (h >> 4 & 3) << 4) &- 32) &* Int32(v[l + 64])
                        s4 &+= Int32(Int16(ql[l + 32] >> 4 | (h >> 6 & 3) << 4) &- 32) &* Int32(v[l + 96])
                    }
                    scaled &+= s1 &* Int32(scale[part]) &+ s2 &* Int32(scale[2 + part])
                        &+ s3 &* Int32(scale[4 + part]) &+ s4 &* Int32(scale[6 + part])
                }
            }
            sum += Float(scaled) * (BlockDecoding.half(block, 208) * scales[b])
        }
        return sum
    }
}
