// LocalAgreement on given hypothesis sequences: exactly which words each new hypothesis commits.
import XCTest
@testable import Streaming

final class LocalAgreementTests: XCTestCase {
    private func words(_ text: String) -> [String] { text.split(separator: " ").map(String.init) }

    /// Feeds the hypotheses in order to `agreement`; what each one commits, as text ("" for nothing).
    private func commits(_ hypotheses: [String], into agreement: inout LocalAgreement) -> [String] {
        hypotheses.map { agreement.insert(words($0)).joined(separator: " ") }
    }

    func testCommitsTheLongestCommonPrefixOfConsecutiveHypotheses() {
        var agreement = LocalAgreement()
        XCTAssertEqual(agreement.insert(words("And so my")), [], "one hypothesis alone commits nothing")
        XCTAssertEqual(agreement.tentative, words("And so my"))
        XCTAssertEqual(agreement.insert(words("And so my fellow")), words("And so my"))
        XCTAssertEqual(agreement.tentative, words("fellow"))
        XCTAssertEqual(agreement.insert(words("And so my fellow Americans, ask")), words("fellow"))
        XCTAssertEqual(agreement.insert(words("And so my fellow Americans ask not")), words("Americans ask"),
                       "case and punctuation do not block agreement; the newer spelling is kept")
        XCTAssertEqual(agreement.committed, words("And so my fellow Americans ask"))
        XCTAssertEqual(agreement.tentative, words("not"))
    }

    /// Passes that flip between two readings of a stretch (as the stream's paced passes over "asterisk, dial 2 now"
    /// in Audio/asterisk-en-demo-instruct.flac did, five times in a row): the third pass agrees with the first, so
    /// its words are final without waiting for two consecutive passes to agree; but not the first pass's last word.
    func testAHypothesisAgreeingWithTheOneBeforeThePreviousCommits() {
        var agreement = LocalAgreement()
        XCTAssertEqual(commits(["asterisk, dial 2 now.", "asterisk dialed to now if you'd like to learn",
                                "asterisk, dial 2 now. If you'd like to test", "asterisk dialed to now. If you'd like to test out the"],
                               into: &agreement),
                       ["", "asterisk", "dial 2", "now. If you'd like to test"])
        XCTAssertEqual(agreement.tentative, words("out the"))
        XCTAssertEqual(agreement.insert(words("asterisk dialed to now. If you'd like to test out the voice")), words("out the"),
                       "the previous pass still counts, whatever the pass before it said")
    }

    /// The last word of the pass before the previous one was heard with the least audio after it: a number that
    /// has grown since ("123" of "1234") is not committed by a later pass that cut it short again.
    func testTheLastWordOfThePassBeforeThePreviousDoesNotCommit() {
        var agreement = LocalAgreement()
        XCTAssertEqual(commits(["with extension 123.", "with extension 1234 and", "with extension 123 and password"], into: &agreement),
                       ["", "with extension", ""])
        XCTAssertEqual(agreement.insert(words("with extension 1234 and password 4")), words("1234"),
                       "agreeing with the pass before the previous, up to that pass's last word")
    }

    func testAChangedWordStopsTheCommitAndCommittedWordsNeverChange() {
        var agreement = LocalAgreement()
        _ = agreement.insert(words("What you can"))
        XCTAssertEqual(agreement.insert(words("What your country can")), words("What"))
        XCTAssertEqual(agreement.insert(words("Well your country can do")), words("your country can"),
                       "a committed word that the decoder now spells differently stays committed")
        XCTAssertEqual(agreement.committed, words("What your country can"))
        XCTAssertEqual(agreement.tentative, words("do"))
    }

    func testForcedCommitsAndForgettingTrimmedWords() {
        var agreement = LocalAgreement()
        _ = agreement.insert(words("ask not what"))
        _ = agreement.insert(words("ask not what your country"))
        XCTAssertEqual(agreement.committed, words("ask not what"))
        XCTAssertEqual(agreement.commitTentative(1), words("your"))
        agreement.forget(first: 2)
        XCTAssertEqual(agreement.committed, words("what your"))
        XCTAssertEqual(agreement.insert(words("what your country can do")), words("country"))
        XCTAssertEqual(agreement.commitTentative(5), words("can do"))
        XCTAssertEqual(agreement.tentative, [])
    }

    /// A later pass writes a committed stretch in fewer words: the words after it still line up and none is
    /// skipped (counting committed words from the start would compare "pears" with "three" and lose "three").
    func testARewrittenCommittedStretchDoesNotShiftTheComparison() {
        var agreement = LocalAgreement()
        XCTAssertEqual(commits(["I have twenty five apples and", "I have twenty five apples and three", "I have 25 apples and three pears"],
                               into: &agreement),
                       ["", "I have twenty five apples and", "three"])
        XCTAssertEqual(agreement.tentative, words("pears"))
        XCTAssertEqual(agreement.insert(words("I have 25 apples and three pears.")), words("pears."))
    }

    /// Digits two passes agree on are not final while the number may go on: "1 2" would be committed, and the
    /// next pass writes the whole number as "1234".
    func testADigitRunWaitsUntilAWordAfterItIsHeard() {
        var agreement = LocalAgreement()
        _ = agreement.insert(words("with extension 1 2"))
        XCTAssertEqual(agreement.insert(words("with extension 1 2 3")), words("with extension"))
        XCTAssertEqual(agreement.tentative, words("1 2 3"))
        XCTAssertEqual(agreement.insert(words("with extension 1234 and")), [])
        XCTAssertEqual(agreement.insert(words("with extension 1234. and password 4")), words("1234. and"))
        XCTAssertEqual(agreement.insert(words("with extension 1234 and password 4 2")), words("password"),
                       "the new number waits as the first did")
        XCTAssertEqual(LocalAgreement.isNumber("28.8,"), true)
        XCTAssertEqual(LocalAgreement.isNumber("-0"), true)
        XCTAssertEqual(LocalAgreement.isNumber("2nd"), false)
        XCTAssertEqual(LocalAgreement.isNumber("--"), false)
    }

    /// A committed number that a later pass writes digit by digit (or the other way round) still marks where the
    /// committed words end, so the words after it are compared with the previous pass's and none is committed twice.
    func testACommittedNumberRespelledInOtherWordsStaysAligned() {
        var agreement = LocalAgreement()
        XCTAssertEqual(commits(["with extension 1234 and", "with extension 1234 and password", "with extension 1, 2, 3, 4 and password 4242"],
                               into: &agreement),
                       ["", "with extension 1234 and", "password"])
        XCTAssertEqual(agreement.tentative, words("4242"))

        var reverse = LocalAgreement()
        XCTAssertEqual(commits(["dial extension 8 5 0 0 to", "dial extension 8 5 0 0 to enter", "dial extension 8500 to enter the"],
                               into: &reverse),
                       ["", "dial extension 8 5 0 0 to", "enter"])
    }

    func testARepeatedStretchIsFoundOnlyWhenItRepeatsTheCommittedEnd() {
        let history = "you can press the pound key to disconnect from the PBX.".split(separator: " ").map(String.init)
        XCTAssertEqual(LocalAgreement.repeatedPrefixLength(of: history, after: history), history.count)
        XCTAssertEqual(LocalAgreement.repeatedPrefixLength(of: ["the", "pbx", "goodbye"], after: history), 2)
        // One repeated word may be speech ("that that"); a run that is not the committed end is not a repeat.
        XCTAssertEqual(LocalAgreement.repeatedPrefixLength(of: ["PBX", "now"], after: history), 0)
        XCTAssertEqual(LocalAgreement.repeatedPrefixLength(of: ["you", "can", "go"], after: history), 0)
        XCTAssertEqual(LocalAgreement.repeatedPrefixLength(of: ["anything"], after: []), 0)
    }

    /// Seen at the end of a paced stream: the closing pass looped once, its second copy starting with words
    /// committed before it.
    func testAStretchSaidTwiceAtTheEndIsFoundAcrossTheCommittedText() {
        let history = words("to enter the voicemail system. you can press")
        let fresh = words("the pound key to disconnect from the PBX. you can press the pound key to disconnect from the pbx.")
        XCTAssertEqual(LocalAgreement.repeatedSuffixLength(of: fresh, after: history), 11)
        XCTAssertEqual(LocalAgreement.repeatedSuffixLength(of: words("to enter the voicemail. to enter the voicemail. to enter the voicemail."),
                                                           after: []), 8, "every extra copy goes")
        XCTAssertEqual(LocalAgreement.repeatedSuffixLength(of: words("that that is it"), after: []), 0)
        XCTAssertEqual(LocalAgreement.repeatedSuffixLength(of: words("very very good"), after: words("it was")), 0,
                       "two words said twice may be speech")
        XCTAssertEqual(LocalAgreement.repeatedSuffixLength(of: words("or you can press it"), after: words("you can press the key")), 0,
                       "copies with words between them may be speech")
    }
}
