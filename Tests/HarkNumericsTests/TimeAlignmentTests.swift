// Median filter and time warping on small cases worked by hand.
import XCTest
@testable import HarkNumerics

final class TimeAlignmentTests: XCTestCase {
    func testMedianFilterReflectsAtTheEnds() {
        var x: [Float] = [5, 1, 9, 2, 7]
        TimeAlignment.medianFilterRows(&x, columns: 5, width: 3)
        // Windows: (1,5,1) (5,1,9) (1,9,2) (9,2,7) (2,7,2).
        XCTAssertEqual(x, [1, 5, 2, 7, 2])
    }

    /// The sorting network's medians are the sorted windows' middles, for rows shorter and longer than its eight
    /// lanes and for every odd width up to nine (which pads to sixteen).
    func testMedianFilterEqualsTheSortedWindowsMiddle() {
        var generator = SplitMix64(seed: 7)
        for (columns, width) in [(2, 3), (5, 3), (7, 7), (8, 7), (9, 5), (23, 7), (1500, 7), (40, 9), (6, 1)] {
            let rows = 3
            let original = (0..<(rows * columns)).map { _ in Float(generator.next() % 1000) / 100 - 5 }
            var filtered = original
            TimeAlignment.medianFilterRows(&filtered, columns: columns, width: width)
            let half = width / 2
            for r in 0..<rows {
                for j in 0..<columns {
                    let window = (-half...half).map { k -> Float in
                        var read = abs(j + k)
                        if read >= columns { read = 2 * columns - read - 2 }
                        return original[r * columns + read]
                    }.sorted()
                    XCTAssertEqual(filtered[r * columns + j], window[half], "columns \(columns), width \(width), row \(r), column \(j)")
                }
            }
        }
    }

    func testStandardizedColumnsHaveZeroMeanAndUnitDeviation() {
        var x: [Float] = [1, 10, 3, 10, 5, 10]
        TimeAlignment.standardizeColumns(&x, rows: 3, columns: 2)
        let deviation = (Float(8) / 3).squareRoot()
        XCTAssertEqual(x[0], -2 / deviation, accuracy: 1e-6)
        XCTAssertEqual(x[2], 0, accuracy: 1e-6)
        XCTAssertEqual(x[4], 2 / deviation, accuracy: 1e-6)
        XCTAssertEqual([x[1], x[3], x[5]], [0, 0, 0])
    }

    func testWarpingPathFollowsTheCheapCells() {
        // Two rows, four columns: row 0 is cheap in columns 0-1, row 1 in columns 2-3.
        let cost: [Float] = [-1, -1, 5, 5,
                             5, 5, -1, -1]
        let path = TimeAlignment.warpingPath(cost: cost, rows: 2, columns: 4)
        XCTAssertEqual(path.map(\.row), [0, 0, 1, 1])
        XCTAssertEqual(path.map(\.column), [0, 1, 2, 3])
    }

    func testWarpingTiesMoveRight() {
        // All cells equal: traced back from the last cell, a tie steps left, so the last row keeps the tied columns.
        let path = TimeAlignment.warpingPath(cost: [Float](repeating: 0, count: 6), rows: 2, columns: 3)
        XCTAssertEqual(path.first.map { [$0.row, $0.column] }, [0, 0])
        XCTAssertEqual(path.last.map { [$0.row, $0.column] }, [1, 2])
        XCTAssertEqual(path.map(\.row), [0, 1, 1, 1])
    }
}
