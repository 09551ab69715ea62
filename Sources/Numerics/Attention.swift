// Scaled dot-product attention over several heads, each head's products through gemm on strided views.
import Foundation

public enum Attention {
    /// softmax(Q K^T / sqrt(headDim)) V for every head.
    /// q is [queries, heads * headDim]; k and v are [keys, heads * headDim]; the result is [queries, heads * headDim].
    /// With `causalOffset`, query i (at absolute position causalOffset + i) sees keys 0...causalOffset + i only.
    public static func multiHead(q: [Float], k: [Float], v: [Float], queries: Int, keys: Int,
                                 heads: Int, headDim: Int, causalOffset: Int? = nil) -> [Float] {
        let width = heads * headDim
        precondition(q.count == queries * width && k.count >= keys * width && v.count >= keys * width)
        var out = [Float](repeating: 0, count: queries * width)
        var scores = [Float](repeating: 0, count: queries * keys)
        let scale = 1 / Float(headDim).squareRoot()
        q.withUnsafeBufferPointer { pq in
            k.withUnsafeBufferPointer { pk in
                v.withUnsafeBufferPointer { pv in
                    out.withUnsafeMutableBufferPointer { po in
                        scores.withUnsafeMutableBufferPointer { ps in
                            for h in 0..<heads {
                                let column = h * headDim
                                if queries == 1 {
                                    // One decoding step: matrix-vector products, no packing of the keys and values.
                                    BLAS.gemv(pk.baseAddress! + column, pq.baseAddress! + column, ps.baseAddress!,
                                              rows: keys, columns: headDim, alpha: scale, lda: width)
                                    softmaxRows(ps, queries: 1, keys: keys, causalOffset: causalOffset)
                                    BLAS.gemv(pv.baseAddress! + column, ps.baseAddress!, po.baseAddress! + column,
                                              rows: keys, columns: headDim, transpose: true, lda: width)
                                    continue
                                }
                                BLAS.gemm(pq.baseAddress! + column, pk.baseAddress! + column, ps.baseAddress!,
                                          m: queries, n: keys, k: headDim, transposeB: true, alpha: scale,
                                          lda: width, ldb: width, ldc: keys)
                                softmaxRows(ps, queries: queries, keys: keys, causalOffset: causalOffset)
                                BLAS.gemm(ps.baseAddress!, pv.baseAddress! + column, po.baseAddress! + column,
                                          m: queries, n: headDim, k: keys, lda: keys, ldb: width, ldc: width)
                            }
                        }
                    }
                }
            }
        }
        return out
    }

    private static func softmaxRows(_ p: UnsafeMutableBufferPointer<Float>, queries: Int, keys: Int, causalOffset: Int?) {
        for i in 0..<queries {
            let row = i * keys
            let visible = causalOffset.map { min(keys, $0 + i + 1) } ?? keys
            var maxValue = -Float.infinity
            for j in 0..<visible { maxValue = max(maxValue, p[row + j]) }
            var sum: Float = 0
            for j in 0..<visible { let e = expf(p[row + j] - maxValue); p[row + j] = e; sum += e }
            let inverse = 1 / sum
            for j in 0..<visible { p[row + j] *= inverse }
            for j in visible..<keys { p[row + j] = 0 }
        }
    }
}

