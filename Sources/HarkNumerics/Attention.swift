// Scaled dot-product attention over several heads, the heads spread over a thread pool, each head's products
// through gemm on strided views.
import Foundation

public enum Attention {
    /// Turns one query's visible scores into weights, in place (pointer, count): `Vector.softmax` unless a model
    /// needs another rounding (the LLM module passes llama.cpp's).
    public typealias RowSoftmax = (UnsafeMutablePointer<Float>, Int) -> Void

    /// softmax(Q K^T / sqrt(headDim)) V for every head.
    /// q is [queries, heads * headDim]; k and v are [keys, heads * headDim]; the result is [queries, heads * headDim].
    /// With `causalOffset`, query i (at absolute position causalOffset + i) sees keys 0...causalOffset + i only.
    public static func multiHead(q: [Float], k: [Float], v: [Float], queries: Int, keys: Int,
                                 heads: Int, headDim: Int, causalOffset: Int? = nil, pool: ThreadPool) -> [Float] {
        groupedQuery(q: q, k: k, v: v, queries: queries, keys: keys, queryHeads: heads, keyValueHeads: heads,
                     headDim: headDim, scale: 1 / Float(headDim).squareRoot(),
                     causalOffset: causalOffset, window: nil, pool: pool)
    }

    /// Attention where groups of query heads share one key/value head (grouped-query attention).
    /// q is [queries, queryHeads * headDim]; k and v are [keys, keyValueHeads * headDim].
    /// With `causalOffset`, query i sits at absolute position causalOffset + i and sees keys at positions up to its
    /// own; with `window`, only the last `window` of those (sliding-window attention).
    /// With `branchStarts` as well, the queries are branches that each continue the first causalOffset keys (a
    /// prompt and several continuations of it, scored in one pass): query i's branch starts at query
    /// branchStarts[i], and it sees the prompt's keys and its own branch's keys up to itself, at positions counted
    /// from the prompt's end along its branch.
    public static func groupedQuery(q: [Float], k: [Float], v: [Float], queries: Int, keys: Int,
                                    queryHeads: Int, keyValueHeads: Int, headDim: Int, scale: Float,
                                    causalOffset: Int?, window: Int?, branchStarts: [Int]? = nil, pool: ThreadPool,
                                    softmax: RowSoftmax = { Vector.softmax($0, count: $1) }) -> [Float] {
        precondition(branchStarts == nil || (causalOffset != nil && branchStarts!.count == queries))
        let visibility = Visibility(prefix: causalOffset, window: window, branchStarts: branchStarts)
        let qWidth = queryHeads * headDim, kvWidth = keyValueHeads * headDim
        let group = queryHeads / keyValueHeads
        precondition(q.count == queries * qWidth && k.count >= keys * kvWidth && v.count >= keys * kvWidth)
        var out = [Float](repeating: 0, count: queries * qWidth)
        // The work is cut into (head, block of query rows) pieces: a block's scores (64 rows) stay in the cache
        // between their product, softmax and weighted sum, and the pieces spread evenly over the threads.
        // Decoding steps (up to `fusedQueryLimit` queries) are one block, so a thread's pieces are a range of heads.
        let fused = queries <= fusedQueryLimit
        let blockRows = fused ? queries : min(queries, 64)
        let blocks = (queries + blockRows - 1) / blockRows
        let minimumPieces = max(1, 200_000 / max(1, blockRows * keys * headDim))
        let workerFloats = (fused ? queryHeads : 1) * blockRows * keys
        var scores = [Float](repeating: 0, count: pool.threads * workerFloats)
        q.withUnsafeBufferPointer { pq in
        k.withUnsafeBufferPointer { pk in
        v.withUnsafeBufferPointer { pv in
        out.withUnsafeMutableBufferPointer { po in
        scores.withUnsafeMutableBufferPointer { ps in
            pool.forEach(splitting: queryHeads * blocks, minimum: minimumPieces) { pieces, worker in
                let workerScores = ps.baseAddress! + worker * workerFloats
                if fused {
                    // Each query's scores, softmax and weighted sum without packing (gemm) or a call per query
                    // (gemv). Key and value rows are read whole and in order, for all the range's heads at once:
                    // a head at a time takes each row's slice a stride apart, about 30% slower from memory.
                    let headKeys = pieces.map { (h: $0, kvColumn: ($0 / group) * headDim) }
                    for j in 0..<keys {
                        let keyRow = pk.baseAddress! + j * kvWidth
                        for (n, head) in headKeys.enumerated() {
                            for i in 0..<queries {
                                workerScores[(n * queries + i) * keys + j] =
                                    scale * Kernels.dot(pq.baseAddress! + i * qWidth + head.h * headDim, keyRow + head.kvColumn, headDim)
                            }
                        }
                    }
                    for n in headKeys.indices {
                        softmaxRows(workerScores + n * queries * keys, queries: 0..<queries, keys: keys,
                                    visibility: visibility, softmax: softmax)
                    }
                    for j in 0..<keys {
                        let valueRow = pv.baseAddress! + j * kvWidth
                        for (n, head) in headKeys.enumerated() {
                            for i in 0..<queries {
                                Kernels.addWeighted(valueRow + head.kvColumn, by: workerScores[(n * queries + i) * keys + j],
                                                    length: headDim, to: po.baseAddress! + i * qWidth + head.h * headDim)
                            }
                        }
                    }
                    return
                }
                for piece in pieces {
                    let h = piece / blocks, firstRow = (piece % blocks) * blockRows
                    let rows = min(blockRows, queries - firstRow)
                    let qColumn = h * headDim, kvColumn = (h / group) * headDim
                    let query = pq.baseAddress! + firstRow * qWidth + qColumn, key = pk.baseAddress! + kvColumn
                    let value = pv.baseAddress! + kvColumn, output = po.baseAddress! + firstRow * qWidth + qColumn
                    // Only the keys some query of the block sees: a prompt's causal mask hides half of its scores.
                    let seen = visibility.keys(of: firstRow..<(firstRow + rows), total: keys)
                    BLAS.gemm(query, key + seen.lowerBound * kvWidth, workerScores + seen.lowerBound, m: rows, n: seen.count,
                              k: headDim, transposeB: true, alpha: scale, lda: qWidth, ldb: kvWidth, ldc: keys)
                    softmaxRows(workerScores, queries: firstRow..<(firstRow + rows), keys: keys,
                                visibility: visibility, softmax: softmax)
                    BLAS.gemm(workerScores + seen.lowerBound, value + seen.lowerBound * kvWidth, output, m: rows,
                              n: headDim, k: seen.count, lda: keys, ldb: kvWidth, ldc: qWidth)
                }
            }
        }
        }
        }
        }
        }
        return out
    }

    /// Up to this many queries (decoding steps, beams) a head runs in `Kernels`' fused loops instead of two gemms.
    static let fusedQueryLimit = 8

    /// Which keys each query sees (see `groupedQuery`).
    struct Visibility {
        let prefix: Int?
        let window: Int?
        let branchStarts: [Int]?

        /// Query i's scores are softmaxed over `range`, except `hidden` (other branches' keys, and its own branch's
        /// keys that have left the window), which get weight 0 as everything outside the range does.
        func keys(of i: Int, total: Int) -> (range: Range<Int>, hidden: Range<Int>) {
            let last = prefix.map { min(total, $0 + i + 1) } ?? total
            guard let prefix, let start = branchStarts?[i] else {
                return ((window.map { max(0, last - $0) } ?? 0)..<last, 0..<0)
            }
            // Along its branch, query i is (i - start) tokens past the prefix.
            let first = window.map { max(0, prefix + i - start + 1 - $0) } ?? 0
            let ownFirst = window.map { max(prefix + start, last - $0) } ?? prefix + start
            return (min(first, prefix)..<last, prefix..<ownFirst)
        }

        /// The keys that any of `queries` sees (each query's range, merged).
        func keys(of queries: Range<Int>, total: Int) -> Range<Int> {
            let ranges = queries.map { keys(of: $0, total: total).range }
            return ranges.map(\.lowerBound).min()!..<ranges.map(\.upperBound).max()!
        }
    }

    /// Softmax of each query's visible keys; the others get weight 0.
    private static func softmaxRows(_ p: UnsafeMutablePointer<Float>, queries: Range<Int>, keys: Int,
                                    visibility: Visibility, softmax: RowSoftmax) {
        for (i, query) in queries.enumerated() {
            let row = p + i * keys
            let (visible, hidden) = visibility.keys(of: query, total: keys)
            for j in hidden { row[j] = -.infinity }
            softmax(row + visible.lowerBound, visible.count)
            for j in 0..<visible.lowerBound { row[j] = 0 }
            for j in hidden { row[j] = 0 }
            for j in visible.upperBound..<keys { row[j] = 0 }
        }
    }
}

/// Keys and values packed once for the attention of many decoding steps, whichever element type holds them (a
/// model picks it at load time from its compute type).
public protocol PackedAttention: Sendable {
    var positions: Int { get }
    /// softmax(q_h K_h^T * scale) V_h for every head h; q is [queries, heads * headDim], so is the result.
    func attend(_ q: [Float], queries: Int, scale: Float, pool: ThreadPool) -> [Float]
    /// q_h K_h^T * scale of one head, [queries, positions] (before the softmax).
    func scores(_ q: [Float], queries: Int, head: Int, scale: Float) -> [Float]
}

/// Keys and values packed once per head so that attending to them is two panel products per head (and block of
/// queries): the encoder output seen through a decoder layer, which every decoding step reads front to back for
/// all its queries (beams) instead of strided per query (for Whisper base, 1500 positions x 512 x 2 per layer, so
/// float16 halves the bytes a step moves after the weights'); a prompt's queries go in blocks that reuse the
/// packing (two OpenBLAS gemms a block would pack the keys and values again). (An encoder's self-attention, all
/// positions over all, is `SequenceAttention`.)
public struct PackedKeysValues<Element: PanelElement>: PackedAttention {
    public let positions: Int
    public let heads: Int
    public let headDim: Int
    /// Per head, its keys [positions, headDim].
    let keys: [PanelMatrix<Element>]
    /// Per head, its values transposed [headDim, positions].
    let valuesTransposed: [PanelMatrix<Element>]

    /// keys and values are [positions, heads * headDim], head h in columns h * headDim..<(h + 1) * headDim.
    public init(keys: [Float], values: [Float], positions: Int, heads: Int, headDim: Int, pool: ThreadPool) {
        let width = heads * headDim
        precondition(keys.count == positions * width && values.count == positions * width)
        self = keys.withUnsafeBufferPointer { k in
            values.withUnsafeBufferPointer { v in
                PackedKeysValues(keys: k.baseAddress!, values: v.baseAddress!, rowStride: width, positions: positions,
                                 heads: heads, headDim: headDim, pool: pool)
            }
        }
    }

    /// Keys and values as column blocks of a product's output, [positions, rowStride] (a fused key-value or
    /// query-key-value projection), read in place: keys[p * rowStride + h * headDim + d] is head h's key d at p,
    /// and the same for values.
    /// Specialized: a model picks the element type at run time, and generic packing would convert each element
    /// through the protocol's witness (about 9 ns an element).
    @_specialize(where Element == Float16)
    @_specialize(where Element == Float)
    public init(keys: UnsafePointer<Float>, values: UnsafePointer<Float>, rowStride: Int, positions: Int, heads: Int,
                headDim: Int, pool: ThreadPool) {
        precondition(rowStride >= heads * headDim)
        self.positions = positions
        self.heads = heads
        self.headDim = headDim
        var packed = [PanelMatrix<Element>?](repeating: nil, count: 2 * heads)
        packed.withUnsafeMutableBufferPointer { out in
            pool.forEach(chunks: 2 * heads) { chunk, _ in
                let h = chunk % heads
                out[chunk] = chunk < heads
                    ? PanelMatrix(keys + h * headDim, rows: positions, columns: headDim, rowStride: rowStride)
                    : PanelMatrix(values + h * headDim, rows: headDim, columns: positions, rowStride: 1, columnStride: rowStride)
            }
        }
        self.keys = packed[..<heads].map { $0! }
        valuesTransposed = packed[heads...].map { $0! }
    }

    /// softmax(q_h K_h^T * scale) V_h for every head h; q is [queries, heads * headDim], so is the result.
    /// Many queries (a prompt's) go in blocks of `queryBlock` rows, whose scores stay in the cache between the two
    /// products; a decoding step's few are one block.
    public func attend(_ q: [Float], queries: Int, scale: Float, pool: ThreadPool) -> [Float] {
        let width = heads * headDim
        precondition(q.count == queries * width)
        // Written whole below (each head's columns of every query row; the scratch before it is read): no zeros first.
        var out = [Float](unsafeUninitializedCapacity: queries * width) { _, count in count = queries * width }
        let blockRows = max(1, min(queries, Self.queryBlock))
        let blocks = (queries + blockRows - 1) / blockRows
        let scratch = blockRows * (headDim + positions)
        var buffers = [Float](unsafeUninitializedCapacity: pool.threads * scratch) { _, count in count = pool.threads * scratch }
        let minimumPieces = max(1, 200_000 / max(1, blockRows * positions * headDim))
        q.withUnsafeBufferPointer { pq in
        out.withUnsafeMutableBufferPointer { po in
            buffers.withUnsafeMutableBufferPointer { pb in
                pool.forEach(splitting: heads * blocks, minimum: minimumPieces) { pieces, worker in
                    let query = pb.baseAddress! + worker * scratch, scores = query + blockRows * headDim
                    for piece in pieces {
                        let h = piece / blocks, firstRow = (piece % blocks) * blockRows
                        let rows = min(blockRows, queries - firstRow)
                        gatherScaledQueries(pq.baseAddress! + firstRow * width, queries: rows, head: h, scale: scale, into: query)
                        keys[h].multiply(query, rows: rows, into: scores, outputStride: positions)
                        for i in 0..<rows { Vector.softmax(scores + i * positions, count: positions) }
                        valuesTransposed[h].multiply(scores, rows: rows, into: po.baseAddress! + firstRow * width + h * headDim,
                                                     outputStride: width)
                    }
                }
            }
        }
        }
        return out
    }

    /// Query rows attended together: few enough that a block's scores (48 x 1500 floats, 288 KB) stay in the L2
    /// cache (512 KB a core or more here), enough that each panel meets several tiles of rows; a multiple of the
    /// kernel's tiles (6 or 12 rows), as five-row tiles run the 64-column score products about 15% slower a value.
    static var queryBlock: Int { 48 }

    /// q_h K_h^T * scale of one head, [queries, positions] (before the softmax): for word timings.
    public func scores(_ q: [Float], queries: Int, head: Int, scale: Float) -> [Float] {
        precondition(q.count == queries * heads * headDim)
        var query = [Float](repeating: 0, count: queries * headDim)
        var scores = [Float](repeating: 0, count: queries * positions)
        q.withUnsafeBufferPointer { pq in
            query.withUnsafeMutableBufferPointer { gathered in
                scores.withUnsafeMutableBufferPointer { ps in
                    gatherScaledQueries(pq.baseAddress!, queries: queries, head: head, scale: scale,
                                        into: gathered.baseAddress!)
                    keys[head].multiply(gathered.baseAddress!, rows: queries, into: ps.baseAddress!, outputStride: positions)
                }
            }
        }
        return scores
    }

    /// Head h's columns of every query row ([queries, heads * headDim]), times scale, as contiguous rows of headDim.
    private func gatherScaledQueries(_ q: UnsafePointer<Float>, queries: Int, head: Int, scale: Float,
                                     into out: UnsafeMutablePointer<Float>) {
        let width = heads * headDim
        for i in 0..<queries {
            let source = q + (i &* width &+ head &* headDim), destination = out + i &* headDim
            for d in 0..<headDim { destination[d] = source[d] * scale }
        }
    }
}
