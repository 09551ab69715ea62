// Error rates on hand-counted examples.
import XCTest
import Scoring

final class ErrorRateTests: XCTestCase {
    func testWordErrorsCountSubstitutionsDeletionsAndInsertions() {
        // "sat" -> "sit" (substitution), "the" deleted, "down" inserted: 3 edits over 6 reference words.
        let count = ErrorRate.words(reference: "the cat sat on the mat", hypothesis: "the cat sit on mat down")
        XCTAssertEqual(count, ErrorCount(edits: 3, referenceLength: 6))
        XCTAssertEqual(count.rate, 0.5)
    }

    func testCharacterErrorsIgnoreSpaces() {
        XCTAssertEqual(ErrorRate.characters(reference: "你好 世界", hypothesis: "你好世"), ErrorCount(edits: 1, referenceLength: 4))
    }

    func testEmptyReference() {
        XCTAssertEqual(ErrorRate.words(reference: "", hypothesis: "").rate, 0)
        XCTAssertEqual(ErrorRate.words(reference: "", hypothesis: "extra").rate, 1)
    }
}
