// A matrix whose rows are non-zero only on one contiguous band, such as a mel filterbank.

/// Applying it touches only the band of each row, and the result of a row never depends on how many
/// vectors are processed together (unlike a blocked gemm), so streamed and batch features agree bit for bit.
public struct BandMatrix: Equatable, Sendable {
    public let rowCount: Int
    public let columnCount: Int
    private let bandStarts: [Int]
    private let bands: [[Float]]

    /// Keeps, for each row of a dense matrix, the span from its first to its last non-zero value.
    public init(dense: Tensor) {
        rowCount = dense.rows
        columnCount = dense.columns
        var starts: [Int] = [], bands: [[Float]] = []
        for r in 0..<dense.rows {
            let row = Array(dense.row(r))
            guard let first = row.firstIndex(where: { $0 != 0 }), let last = row.lastIndex(where: { $0 != 0 }) else {
                starts.append(0); bands.append([]); continue
            }
            starts.append(first)
            bands.append(Array(row[first...last]))
        }
        bandStarts = starts
        self.bands = bands
    }

    /// out[v, r] = sum_c M[r, c] * x[v, c] for each of the `x.rows` vectors.
    public func apply(to x: Tensor) -> Tensor {
        precondition(x.columns == columnCount, "BandMatrix: vectors have \(x.columns) values, expected \(columnCount)")
        let vectors = x.rows
        var out = [Float](repeating: 0, count: vectors * rowCount)
        x.data.withUnsafeBufferPointer { input in
            out.withUnsafeMutableBufferPointer { output in
                for v in 0..<vectors {
                    let base = v * columnCount
                    for r in 0..<rowCount {
                        let start = base + bandStarts[r]
                        var sum: Float = 0
                        for (i, weight) in bands[r].enumerated() { sum += weight * input[start + i] }
                        output[v * rowCount + r] = sum
                    }
                }
            }
        }
        return Tensor(shape: [vectors, rowCount], data: out)
    }
}
