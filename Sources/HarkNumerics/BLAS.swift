// Matrix products through OpenBLAS (cblas_sgemm), each call on one thread; ThreadPool spreads the big ones.
internal import COpenBLAS

public enum BLAS {
    /// C = alpha * op(A) * op(B) + beta * C for row-major matrices.
    /// A is m x k (k x m when transposeA), B is k x n (n x k when transposeB), C is m x n.
    public static func gemm(
        _ a: [Float], _ b: [Float], into c: inout [Float],
        m: Int, n: Int, k: Int,
        transposeA: Bool = false, transposeB: Bool = false,
        alpha: Float = 1, beta: Float = 0
    ) {
        precondition(a.count >= m * k && b.count >= k * n && c.count >= m * n, "gemm operand too small")
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                c.withUnsafeMutableBufferPointer { pc in
                    gemm(pa.baseAddress!, pb.baseAddress!, pc.baseAddress!, m: m, n: n, k: k,
                         transposeA: transposeA, transposeB: transposeB, alpha: alpha, beta: beta)
                }
            }
        }
    }

    /// OpenBLAS runs every call on the calling thread: its own pool busy-waits between calls, which on a small
    /// machine shared with other work cost more than the parallelism gave. Parallel products split their rows or
    /// columns over a `ThreadPool` instead.
    private static let singleThreaded: Void = openblas_set_num_threads(1)

    /// Pointer form for callers inside HarkNumerics and the model loaders (sub-matrices of larger buffers).
    public static func gemm(
        _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>,
        m: Int, n: Int, k: Int,
        transposeA: Bool = false, transposeB: Bool = false,
        alpha: Float = 1, beta: Float = 0,
        lda: Int? = nil, ldb: Int? = nil, ldc: Int? = nil
    ) {
        _ = singleThreaded
        cblas_sgemm(
            CblasRowMajor,
            transposeA ? CblasTrans : CblasNoTrans,
            transposeB ? CblasTrans : CblasNoTrans,
            blasint(m), blasint(n), blasint(k), alpha,
            a, blasint(lda ?? (transposeA ? m : k)),
            b, blasint(ldb ?? (transposeB ? k : n)),
            beta, c, blasint(ldc ?? n))
    }

    /// y = alpha * op(A) x + beta * y for a row-major m x n matrix A (n x m seen transposed), with strides.
    /// A single vector never goes through gemm: gemm would pack (copy) the whole matrix on every call, which
    /// for a decoder step costs more than the product itself.
    public static func gemv(
        _ a: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>,
        rows m: Int, columns n: Int, transpose: Bool = false, alpha: Float = 1, beta: Float = 0, lda: Int? = nil
    ) {
        _ = singleThreaded
        cblas_sgemv(CblasRowMajor, transpose ? CblasTrans : CblasNoTrans, blasint(m), blasint(n), alpha,
                    a, blasint(lda ?? n), x, 1, beta, y, 1)
    }

    /// y = x W^T + bias for every row of x: the linear layer of a transformer.
    /// x is (rows x inFeatures), weight is (outFeatures x inFeatures) as PyTorch and CTranslate2 store it.
    /// Many rows are split across the pool by rows; a few (decoding steps) by output features, each thread
    /// multiplying its own slice of the weight.
    public static func linear(_ x: Tensor, weight: Tensor, bias: [Float]? = nil, pool: ThreadPool) -> Tensor {
        let rows = x.rows, inFeatures = x.columns
        let outFeatures = weight.shape[0], weightInFeatures = weight.columns
        precondition(weightInFeatures == inFeatures, "linear: input has \(inFeatures) features, weight expects \(weightInFeatures)")
        var out = [Float](repeating: 0, count: rows * outFeatures)
        if let bias {
            precondition(bias.count == outFeatures, "linear: bias has \(bias.count) values, expected \(outFeatures)")
            for r in 0..<rows { out.replaceSubrange((r * outFeatures)..<((r + 1) * outFeatures), with: bias) }
        }
        let beta: Float = bias == nil ? 0 : 1
        x.data.withUnsafeBufferPointer { px in
            weight.data.withUnsafeBufferPointer { pw in
                out.withUnsafeMutableBufferPointer { po in
                    let input = px.baseAddress!, w = pw.baseAddress!, output = po.baseAddress!
                    if rows >= 16 * pool.threads {
                        pool.forEach(splitting: rows, minimum: 16) { range, _ in
                            gemm(input + range.lowerBound * inFeatures, w, output + range.lowerBound * outFeatures,
                                 m: range.count, n: outFeatures, k: inFeatures, transposeB: true, beta: beta)
                        }
                        return
                    }
                    // About 100k multiply-adds per chunk, so that waking a thread pays for itself.
                    let minimum = max(16, 100_000 / max(1, rows * inFeatures))
                    pool.forEach(splitting: outFeatures, minimum: minimum, multiple: 16) { range, _ in
                        let slice = w + range.lowerBound * inFeatures
                        if rows == 1 {
                            // One vector never goes through gemm, which would pack (copy) the weight first.
                            gemv(slice, input, output + range.lowerBound, rows: range.count, columns: inFeatures,
                                 transpose: false, beta: beta, lda: inFeatures)
                        } else {
                            gemm(input, slice, output + range.lowerBound, m: rows, n: range.count, k: inFeatures,
                                 transposeB: true, beta: beta, ldb: inFeatures, ldc: outFeatures)
                        }
                    }
                }
            }
        }
        var shape = x.shape
        shape[shape.count - 1] = outFeatures
        return Tensor(shape: shape, data: out)
    }
}
