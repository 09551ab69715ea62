// Aligning a sequence of rows to time: standardized attention scores, a median filter along time, dynamic time warping.

public enum TimeAlignment {
    /// Each column of x [rows, columns] shifted to mean 0 and scaled to standard deviation 1 over the rows
    /// (population deviation; a constant column becomes NaN-free zeros).
    public static func standardizeColumns(_ x: inout [Float], rows: Int, columns: Int) {
        for c in 0..<columns {
            var sum: Float = 0
            for r in 0..<rows { sum += x[r * columns + c] }
            let mean = sum / Float(rows)
            var squares: Float = 0
            for r in 0..<rows { let d = x[r * columns + c] - mean; squares += d * d }
            let deviation = (squares / Float(rows)).squareRoot()
            let inverse: Float = deviation > 0 ? 1 / deviation : 0
            for r in 0..<rows { x[r * columns + c] = (x[r * columns + c] - mean) * inverse }
        }
    }

    /// Median of each value's `width` neighbours along its row (odd width), reflecting at the row ends
    /// (..., x2, x1, x0, x1, x2, ...). Rows shorter than half the width are left as they are.
    public static func medianFilterRows(_ x: inout [Float], columns: Int, width: Int) {
        precondition(width % 2 == 1)
        let half = width / 2
        guard columns > half else { return }
        var window = [Float](repeating: 0, count: width)
        for start in stride(from: 0, to: x.count, by: columns) {
            let row = Array(x[start..<(start + columns)])
            for j in 0..<columns {
                for k in -half...half {
                    var read = abs(j + k)
                    if read >= columns { read = 2 * columns - read - 2 }
                    window[k + half] = row[read]
                }
                window.sort()
                x[start + j] = window[half]
            }
        }
    }

    /// The cheapest monotonic path through `cost` [rows, columns] from the first cell to the last, each move going
    /// down, right or diagonally: (row, column) pairs in order. A diagonal or downward move is taken only when
    /// strictly cheaper than both others, else the move is rightward (openai-whisper's tie rule: word times
    /// depend on it).
    public static func warpingPath(cost: [Float], rows: Int, columns: Int) -> [(row: Int, column: Int)] {
        let stride = columns + 1
        var total = [Float](repeating: .infinity, count: (rows + 1) * stride)
        // 0: diagonal, 1: down (next row), 2: right (next column).
        var move = [UInt8](repeating: 0, count: (rows + 1) * stride)
        total[0] = 0
        for j in 1...columns {
            for i in 1...rows {
                let diagonal = total[(i - 1) * stride + j - 1], up = total[(i - 1) * stride + j], left = total[i * stride + j - 1]
                let best: Float, step: UInt8
                if diagonal < up && diagonal < left { (best, step) = (diagonal, 0) }
                else if up < diagonal && up < left { (best, step) = (up, 1) }
                else { (best, step) = (left, 2) }
                total[i * stride + j] = cost[(i - 1) * columns + j - 1] + best
                move[i * stride + j] = step
            }
        }
        for j in 0...columns { move[j] = 2 }
        for i in 0...rows { move[i * stride] = 1 }
        var path: [(row: Int, column: Int)] = []
        var i = rows, j = columns
        while i > 0 || j > 0 {
            path.append((i - 1, j - 1))
            switch move[i * stride + j] {
            case 0: i -= 1; j -= 1
            case 1: i -= 1
            default: j -= 1
            }
        }
        return path.reversed()
    }
}
