// The screened product against the full float16 product: the outputs that must be exact are bit for bit the same,
// every estimate stays within its bound and below the ones kept (less the margin).
import XCTest
@testable import HarkNumerics

final class ScreenedMatrixTests: XCTestCase {
    private func values(_ count: Int, seed: UInt64) -> [Float] {
        var generator = SplitMix64(seed: seed)
        return (0..<count).map { _ in Float(generator.next() >> 40) / Float(1 << 23) - 1 }
    }

    /// A partial last panel, an odd column count, one row 100 times larger (its own scale, and not ranked: it
    /// would always win), an all-zero row, and rows 10 and 11 a float16 step apart, which their int8 estimates
    /// cannot tell apart: the inputs lean towards them so that they compete for the largest.
    func testKeptOutputsAreTheFullProductsAndEstimatesStayWithinTheirBounds() {
        let outputs = 1000, columns = 97, alwaysExact = 980..<1000
        var source = values(outputs * columns, seed: 11)
        for c in 0..<columns { source[3 * columns + c] *= 100 }
        for c in 0..<columns { source[4 * columns + c] = 0 }
        for c in 0..<columns { source[11 * columns + c] = source[10 * columns + c] + (c == 0 ? 0.001 : 0) }
        let exact = HalfMatrix(Tensor(shape: [outputs, columns], data: source))
        var ranked = [Bool](repeating: true, count: outputs)
        ranked[3] = false
        for o in alwaysExact { ranked[o] = false }
        for threads in [1, 2] {
            let pool = ThreadPool(threads: threads)
            let screened = ScreenedMatrix(exact, ranked: ranked, alwaysExact: alwaysExact, pool: pool)
            for seed in UInt64(20)..<UInt64(26) {
                var x = values(columns, seed: seed)
                if seed % 2 == 0 { for c in 0..<columns { x[c] += 3 * source[10 * columns + c] } }
                let full = exact.product(Tensor(shape: [1, columns], data: x), pool: pool).data
                let norm = x.reduce(0) { $0 + abs($1) }
                for margin: Float in [0, 0.5] {
                    let result = screened.product(x, margin: margin, pool: pool)
                    let largest = (0..<outputs).filter { ranked[$0] }.map { full[$0] }.max()!
                    for o in 0..<outputs where ranked[o] && full[o] >= largest - margin {
                        XCTAssertEqual(result[o], full[o], "kept output \(o), seed \(seed), margin \(margin)")
                    }
                    for o in alwaysExact { XCTAssertEqual(result[o], full[o], "always-exact output \(o)") }
                    for o in 0..<outputs where ranked[o] && result[o] != full[o] {
                        XCTAssertLessThan(result[o], largest - margin, "estimate \(o) reaches the kept outputs, seed \(seed)")
                    }
                    for o in 0..<outputs {
                        let bound = 0.51 * norm * (screened.screen.scales?[o] ?? 0)
                        XCTAssertLessThanOrEqual(abs(result[o] - full[o]), bound, "output \(o), seed \(seed)")
                    }
                }
            }
        }
    }

    /// Estimates can rank two outputs the wrong way round: row A's values round towards zero against x, row B's
    /// away from it, so B's estimate is above A's exact value although A's exact value is the larger. Both
    /// bounds overlap, so both are multiplied exactly and A stays the largest. (In steps of 1/127, the scale
    /// both rows get from a 1.0 in column 0, where x is 0: A's pairs 0.45, -0.45 give 0.9 exactly and estimate
    /// 0; B's 0.55, -0.1 give 0.65 and estimate 1, against x's pairs 1, -1.)
    func testEstimatesRankedTheWrongWayRoundStillLeaveTheLargestExact() {
        let pairs = 24, columns = 1 + 2 * pairs, outputs = 40, a = 0, b = 20
        var source = values(outputs * columns, seed: 41).map { $0 * 1e-4 }
        var x = [Float](repeating: 0, count: columns)
        for row in [a, b] { source[row * columns] = 1 }
        for p in 0..<pairs {
            (x[1 + 2 * p], x[2 + 2 * p]) = (1, -1)
            (source[a * columns + 1 + 2 * p], source[a * columns + 2 + 2 * p]) = (0.45 / 127, -0.45 / 127)
            (source[b * columns + 1 + 2 * p], source[b * columns + 2 + 2 * p]) = (0.55 / 127, -0.1 / 127)
        }
        let exact = HalfMatrix(Tensor(shape: [outputs, columns], data: source))
        let pool = ThreadPool(threads: 1)
        let screened = ScreenedMatrix(exact, ranked: [Bool](repeating: true, count: outputs), alwaysExact: 0..<0, pool: pool)
        let full = exact.product(Tensor(shape: [1, columns], data: x), pool: pool).data
        XCTAssertGreaterThan(full[a], full[b])
        let estimate = screened.screen.product(Tensor(shape: [1, columns], data: x), pool: pool).data
        XCTAssertGreaterThan(estimate[b], full[a], "the estimates are ranked the wrong way round")
        let result = screened.product(x, pool: pool)
        XCTAssertEqual(result[a], full[a])
        XCTAssertEqual(result.indices.max { result[$0] < result[$1] }, a)
    }

    /// Quantizing the float16 panels directly gives the same int8 values and scales as Whisper's int8 weights
    /// (`Int8Matrix`) quantizing them widened: one rule for both.
    func testQuantizingHalfPanelsEqualsQuantizingTheirValues() {
        let outputs = 37, columns = 29
        var source = values(outputs * columns, seed: 31)
        for c in 0..<columns { source[5 * columns + c] = 0 }
        let half = HalfMatrix(Tensor(shape: [outputs, columns], data: source))
        let fromPanels = PanelMatrix<Int8>(quantizing: half, pool: ThreadPool(threads: 2))
        let fromValues = Int8Matrix(quantizing: Tensor(shape: [outputs, columns], data: half.floats()))
        XCTAssertEqual(Array(fromPanels.scales![..<outputs]), Array(fromValues.scales[..<outputs]))
        for r in 0..<outputs {
            XCTAssertEqual(fromPanels.row(r), fromValues.row(r), "row \(r)")
        }
    }
}
