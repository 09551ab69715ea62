// `hark classify` on text and on speech, and its one-line error for an empty label list.
import XCTest
import Foundation
import TestSupport

final class ClassifyCommandTests: XCTestCase {
    func testClassifiesTextOneLabelPerLine() throws {
        let result = try HarkProcess.run(["classify", "--text", "The striker scored twice in the final.",
                                          "--text", "Doctors recommend vaccines before the flu season."])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stdout, "sports\nhealth\n")
    }

    func testJSONCarriesScoresTranscriptsAndPrompt() throws {
        let result = try HarkProcess.run(["classify", "--json", "--language", "en", "--n-best", "2", "--model", "tiny.en",
                                          "Audio/librivox-0880.wav"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        XCTAssertEqual((object["scores"] as? [String: Double])?.count, 7)
        XCTAssertEqual((object["raw_scores"] as? [String: Double])?.count, 7)
        let transcripts = try XCTUnwrap(object["transcripts"] as? [[String: Any]])
        XCTAssertEqual(transcripts.count, 2)
        XCTAssertEqual(transcripts[0]["text"] as? String, " He was not an old-sposed young man.")
        XCTAssertTrue((object["prompt"] as? String)?.hasSuffix("The topic of this text is") ?? false)
    }

    func testEmptyLabelListIsOneLine() throws {
        let result = try HarkProcess.run(["classify", "--labels", ",", "--text", "anything"])
        XCTAssertEqual(result.status, 1)
        XCTAssertEqual(result.stderr, """
            anything: the label list is empty (give --labels a,b,c or leave it out for the seven SIB-Fleurs topics)
            Error: 1 of 1 inputs failed

            """)
    }
}

final class AnswerCommandTests: XCTestCase {
    func testAnswersAboutAText() throws {
        let result = try HarkProcess.run(["answer", "--text", "The museum opens at nine and is closed all day on Mondays.",
                                          "--question", "When is the museum closed all day?", "--options", "On Sundays|On Mondays|On Fridays|Never"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stdout, "2 On Mondays\n")
    }

    func testThreeOptionsAreRejected() throws {
        let result = try HarkProcess.run(["answer", "--text", "x", "--question", "q", "--options", "a|b|c"])
        XCTAssertEqual(result.status, 1)
        XCTAssertEqual(result.stderr, "Error: expected 4 options separated by '|', got 3\n")
    }
}
