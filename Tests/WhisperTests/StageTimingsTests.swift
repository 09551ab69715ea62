// The `--timings` summary: stages in the order they first ran, totals, counts and medians.
import XCTest
@testable import Whisper

final class StageTimingsTests: XCTestCase {
    func testSummaryListsStagesInOrderWithTotalsAndMedians() throws {
        let timings = StageTimings()
        timings.record("encoder", seconds: 0.5)
        timings.record("decoding", seconds: 1.25)
        timings.record("encoder", seconds: 0.7)
        timings.record("encoder", seconds: 0.6)
        timings.record("word timing", seconds: 0.2)
        timings.record("word timing", seconds: 0.4)
        let summary = timings.summary
        XCTAssertTrue(summary.hasPrefix("timings: encoder 1.80 s (3x, median 0.600 s); decoding 1.25 s; "
                                        + "word timing 0.60 s (2x, median 0.300 s); total "), summary)
        XCTAssertEqual(timings.recorded.map(\.stage), ["encoder", "decoding", "word timing"])
        XCTAssertEqual(timings.recorded[0].seconds, [0.5, 0.7, 0.6])
    }

    func testMeasureAddsTheWallTimeOfItsBody() throws {
        let timings = StageTimings()
        let value = timings.measure("sleep") { () -> Int in
            usleep(20_000)
            return 7
        }
        XCTAssertEqual(value, 7)
        let seconds = try XCTUnwrap(timings.recorded.first?.seconds.first)
        XCTAssertGreaterThanOrEqual(seconds, 0.02)
        XCTAssertLessThan(seconds, 5)
    }
}
