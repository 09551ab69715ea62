// Tensor: a shape plus contiguous row-major Float storage, the one array type every stage shares.

public struct Tensor: Equatable, Sendable {
    public var shape: [Int]
    public var data: [Float]

    public init(shape: [Int], data: [Float]) {
        precondition(shape.reduce(1, *) == data.count, "Tensor shape \(shape) does not hold \(data.count) values")
        self.shape = shape
        self.data = data
    }

    public init(zeros shape: [Int]) {
        self.init(shape: shape, data: [Float](repeating: 0, count: shape.reduce(1, *)))
    }

    public var count: Int { data.count }
    /// Rows of the tensor seen as a matrix whose last dimension is the row length.
    public var rows: Int { shape.count <= 1 ? 1 : count / shape[shape.count - 1] }
    public var columns: Int { shape.last ?? 0 }

    public func reshaped(_ newShape: [Int]) -> Tensor { Tensor(shape: newShape, data: data) }

    /// Row `i` of the tensor seen as a (rows x columns) matrix.
    public func row(_ i: Int) -> ArraySlice<Float> { data[(i * columns)..<((i + 1) * columns)] }

    /// Rows `range` of the tensor seen as a matrix, copied into a new tensor.
    public func rows(_ range: Range<Int>) -> Tensor {
        Tensor(shape: [range.count, columns], data: Array(data[(range.lowerBound * columns)..<(range.upperBound * columns)]))
    }

    /// The rows split into `parts` equal blocks of columns, each as a row-major [rows, columns / parts] matrix (a
    /// fused projection's queries, keys and values).
    public func columnBlocks(_ parts: Int) -> [[Float]] {
        precondition(parts > 0 && columns % parts == 0, "\(columns) columns do not split into \(parts) blocks")
        let width = columns / parts, rows = rows, columns = columns
        return data.withUnsafeBufferPointer { source in
            (0..<parts).map { part in
                [Float](unsafeUninitializedCapacity: rows * width) { out, initialized in
                    for r in 0..<rows {
                        (out.baseAddress! + r * width).initialize(from: source.baseAddress! + r * columns + part * width,
                                                                  count: width)
                    }
                    initialized = rows * width
                }
            }
        }
    }

    public subscript(row: Int, column: Int) -> Float {
        get { data[row * columns + column] }
        set { data[row * columns + column] = newValue }
    }

    public static func + (lhs: Tensor, rhs: Tensor) -> Tensor {
        var out = lhs
        out.add(rhs)
        return out
    }

    public mutating func add(_ other: Tensor) {
        precondition(count == other.count, "adding tensors of \(shape) and \(other.shape)")
        Vector.add(&data, other.data)
    }

    /// Appends the rows of a tensor with the same row length.
    public mutating func append(rows other: Tensor) {
        precondition(other.count == 0 || other.columns == columns, "appending rows of \(other.shape) to \(shape)")
        data.append(contentsOf: other.data)
        shape = [data.count / Swift.max(columns, 1), columns]
    }
}
