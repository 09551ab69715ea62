// Matrix products through OpenBLAS (cblas_sgemm), and control of OpenBLAS's thread pool.
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

    /// Pointer form for callers inside HarkNumerics and the model loaders (sub-matrices of larger buffers).
    public static func gemm(
        _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>,
        m: Int, n: Int, k: Int,
        transposeA: Bool = false, transposeB: Bool = false,
        alpha: Float = 1, beta: Float = 0,
        lda: Int? = nil, ldb: Int? = nil, ldc: Int? = nil
    ) {
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
        cblas_sgemv(CblasRowMajor, transpose ? CblasTrans : CblasNoTrans, blasint(m), blasint(n), alpha,
                    a, blasint(lda ?? n), x, 1, beta, y, 1)
    }

    /// y = x W^T + bias for every row of x: the linear layer of a transformer.
    /// x is (rows x inFeatures), weight is (outFeatures x inFeatures) as PyTorch and CTranslate2 store it.
    public static func linear(_ x: Tensor, weight: Tensor, bias: [Float]? = nil) -> Tensor {
        let rows = x.rows, inFeatures = x.columns, outFeatures = weight.shape[0]
        precondition(weight.columns == inFeatures, "linear: input has \(inFeatures) features, weight expects \(weight.columns)")
        var out = [Float](repeating: 0, count: rows * outFeatures)
        if let bias {
            precondition(bias.count == outFeatures, "linear: bias has \(bias.count) values, expected \(outFeatures)")
            for r in 0..<rows { out.replaceSubrange((r * outFeatures)..<((r + 1) * outFeatures), with: bias) }
        }
        if rows == 1 {
            x.data.withUnsafeBufferPointer { px in
                weight.data.withUnsafeBufferPointer { pw in
                    out.withUnsafeMutableBufferPointer { po in
                        gemv(pw.baseAddress!, px.baseAddress!, po.baseAddress!, rows: outFeatures, columns: inFeatures,
                             beta: bias == nil ? 0 : 1)
                    }
                }
            }
        } else {
            gemm(x.data, weight.data, into: &out, m: rows, n: outFeatures, k: inFeatures,
                 transposeB: true, beta: bias == nil ? 0 : 1)
        }
        var shape = x.shape
        shape[shape.count - 1] = outFeatures
        return Tensor(shape: shape, data: out)
    }

    /// Sets OpenBLAS's worker count. One thread never spins, which matters on small shared machines.
    public static func setThreads(_ count: Int) {
        openblas_set_num_threads(Int32(max(1, count)))
    }

    public static var threads: Int { Int(openblas_get_num_threads()) }
}
