// Scaled dot-product attention over several heads, each head's products through gemm on strided views.
import Foundation

public enum Attention {
    /// Turns one query's visible scores into weights, in place (pointer, count): `Vector.softmax` unless a model
    /// needs another rounding (the LLM module passes llama.cpp's).
    public typealias RowSoftmax = (UnsafeMutablePointer<Float>, Int) -> Void

    /// softmax(Q K^T / sqrt(headDim)) V for every head.
    /// q is [queries, heads * headDim]; k and v are [keys, heads * headDim]; the result is [queries, heads * headDim].
    /// With `causalOffset`, query i (at absolute position causalOffset + i) sees keys 0...causalOffset + i only.
    public static func multiHead(q: [Float], k: [Float], v: [Float], queries: Int, keys: Int,
                                 heads: Int, headDim: Int, causalOffset: Int? = nil) -> [Float] {
        groupedQuery(q: q, k: k, v: v, queries: queries, keys: keys, queryHeads: heads, keyValueHeads: heads,
                     headDim: headDim, scale: 1 / Float(headDim).squareRoot(),
                     causalOffset: causalOffset, window: nil)
    }

    /// Attention where groups of query heads share one key/value head (grouped-query attention).
    /// q is [queries, queryHeads * headDim]; k and v are [keys, keyValueHeads * headDim].
    /// With `causalOffset`, query i sits at absolute position causalOffset + i and sees keys at positions up to its
    /// own; with `window`, only the last `window` of those (sliding-window attention).
    public static func groupedQuery(q: [Float], k: [Float], v: [Float], queries: Int, keys: Int,
                                    queryHeads: Int, keyValueHeads: Int, headDim: Int, scale: Float,
                                    causalOffset: Int?, window: Int?,
                                    softmax: RowSoftmax = { Vector.softmax($0, count: $1) }) -> [Float] {
        let qWidth = queryHeads * headDim, kvWidth = keyValueHeads * headDim
        let group = queryHeads / keyValueHeads
        precondition(q.count == queries * qWidth && k.count >= keys * kvWidth && v.count >= keys * kvWidth)
        var out = [Float](repeating: 0, count: queries * qWidth)
        var scores = [Float](repeating: 0, count: queries * keys)
        q.withUnsafeBufferPointer { pq in
            k.withUnsafeBufferPointer { pk in
                v.withUnsafeBufferPointer { pv in
                    out.withUnsafeMutableBufferPointer { po in
                        scores.withUnsafeMutableBufferPointer { ps in
                            for h in 0..<queryHeads {
                                let qColumn = h * headDim, kvColumn = (h / group) * headDim
                                if queries == 1 {
                                    // One decoding step: matrix-vector products, no packing of the keys and values.
                                    BLAS.gemv(pk.baseAddress! + kvColumn, pq.baseAddress! + qColumn, ps.baseAddress!,
                                              rows: keys, columns: headDim, alpha: scale, lda: kvWidth)
                                    softmaxRows(ps, queries: 1, keys: keys, causalOffset: causalOffset, window: window,
                                                softmax: softmax)
                                    BLAS.gemv(pv.baseAddress! + kvColumn, ps.baseAddress!, po.baseAddress! + qColumn,
                                              rows: keys, columns: headDim, transpose: true, lda: kvWidth)
                                    continue
                                }
                                BLAS.gemm(pq.baseAddress! + qColumn, pk.baseAddress! + kvColumn, ps.baseAddress!,
                                          m: queries, n: keys, k: headDim, transposeB: true, alpha: scale,
                                          lda: qWidth, ldb: kvWidth, ldc: keys)
                                softmaxRows(ps, queries: queries, keys: keys, causalOffset: causalOffset, window: window,
                                            softmax: softmax)
                                BLAS.gemm(ps.baseAddress!, pv.baseAddress! + kvColumn, po.baseAddress! + qColumn,
                                          m: queries, n: headDim, k: keys, lda: keys, ldb: kvWidth, ldc: qWidth)
                            }
                        }
                    }
                }
            }
        }
        return out
    }

    /// Softmax of each query's visible keys; the others get weight 0.
    private static func softmaxRows(_ p: UnsafeMutableBufferPointer<Float>, queries: Int, keys: Int,
                                    causalOffset: Int?, window: Int?, softmax: RowSoftmax) {
        for i in 0..<queries {
            let row = i * keys
            let last = causalOffset.map { min(keys, $0 + i + 1) } ?? keys
            let first = window.map { max(0, last - $0) } ?? 0
            softmax(p.baseAddress! + row + first, last - first)
            for j in 0..<first { p[row + j] = 0 }
            for j in last..<keys { p[row + j] = 0 }
        }
    }
}
