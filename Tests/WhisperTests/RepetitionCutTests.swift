// Recognition loops cut from transcripts: runs of a phrase repeated three or more times are kept once.
import XCTest
@testable import Whisper

final class RepetitionCutTests: XCTestCase {
    func testLoopsAreKeptOnce() {
        XCTAssertEqual(RepetitionCut.cut("Dans la ville, les moumets, les moumets, les moumets, les moumets, les moumets,").text,
                       "Dans la ville, les moumets,")
        XCTAssertEqual(RepetitionCut.cut("a b a b a b c").text, "a b c", "the shortest repeating phrase, then what follows")
        XCTAssertEqual(RepetitionCut.cut("Go, go, GO! Now.").text, "Go, Now.", "case and punctuation do not hide a repeat")
    }

    func testTwiceIsSpeechNotALoop() {
        let text = "I said no, no. It is what it is, and it is."
        XCTAssertEqual(RepetitionCut.cut(text).text, text)
        XCTAssertFalse(RepetitionCut.cut(text).cut)
        XCTAssertEqual(RepetitionCut.cut("").text, "")
        XCTAssertEqual(RepetitionCut.cut("… … … word").text, "… … … word", "punctuation alone is no phrase")
    }
}
