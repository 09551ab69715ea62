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
    /// Eight neighbouring values at a time through a sorting network (padded with +infinity to a power of two):
    /// sorting each window in turn took a third of a second of a 10-minute recording's word timing, on one thread.
    public static func medianFilterRows(_ x: inout [Float], columns: Int, width: Int) {
        precondition(width % 2 == 1)
        let half = width / 2
        guard columns > half else { return }
        var lanes = 1
        while lanes < width { lanes *= 2 }
        let network = sortingNetwork(size: lanes)
        // A row with its reflections on both sides, then room for the last block of eight to read past the end.
        let paddedCount = columns + 2 * half + 8
        withUnsafeTemporaryAllocation(of: Float.self, capacity: paddedCount) { padded in
            withUnsafeTemporaryAllocation(of: SIMD8<Float>.self, capacity: lanes) { window in
                for start in stride(from: 0, to: x.count, by: columns) {
                    for i in 0..<paddedCount {
                        var read = abs(i - half)
                        if read >= columns { read = max(0, 2 * columns - read - 2) }
                        padded[i] = x[start + read]
                    }
                    for first in stride(from: 0, to: columns, by: 8) {
                        let base = UnsafeRawPointer(padded.baseAddress! + first)
                        for k in 0..<lanes {
                            window[k] = k < width ? base.loadUnaligned(fromByteOffset: 4 * k, as: SIMD8<Float>.self)
                                                  : SIMD8(repeating: .infinity)
                        }
                        for (a, b) in network {
                            let swapped = window[b] .< window[a]
                            (window[a], window[b]) = (window[a].replacing(with: window[b], where: swapped),
                                                      window[b].replacing(with: window[a], where: swapped))
                        }
                        for lane in 0..<min(8, columns - first) { x[start + first + lane] = window[half][lane] }
                    }
                }
            }
        }
    }

    /// Compare-exchange pairs (the lower index gets the smaller value) that sort `size` values, a power of two:
    /// Batcher's odd-even merge sort, 19 pairs for 8.
    static func sortingNetwork(size n: Int) -> [(Int, Int)] {
        var pairs: [(Int, Int)] = []
        var p = 1
        while p < n {
            var k = p
            while k >= 1 {
                var j = k % p
                while j <= n - 1 - k {
                    for i in 0...min(k - 1, n - j - k - 1) where (i + j) / (2 * p) == (i + j + k) / (2 * p) {
                        pairs.append((i + j, i + j + k))
                    }
                    j += 2 * k
                }
                k /= 2
            }
            p *= 2
        }
        return pairs
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
