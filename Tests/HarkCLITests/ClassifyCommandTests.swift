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
        let texts = try transcripts.map { try XCTUnwrap($0["text"] as? String) }
        let scores = try transcripts.map { try XCTUnwrap($0["score"] as? Double) }
        XCTAssertLessThanOrEqual(TranscriptCheck.wordErrorRate(of: texts[0], for: "Audio/librivox-0880.wav"), TranscriptCheck.tinyEnglishBound, texts[0])
        XCTAssertGreaterThanOrEqual(scores[0], scores[1], "best first")
        // The prompt carries both transcripts, best first, with their scores.
        let prompt = try XCTUnwrap(object["prompt"] as? String)
        XCTAssertTrue(prompt.contains("1. \(texts[0].trimmingCharacters(in: .whitespaces)) (score \(String(format: "%.2f", scores[0])))\n2. "), prompt)
        XCTAssertTrue(prompt.hasSuffix("The topic of this text is"), prompt)
        XCTAssertEqual(object["label"] as? String, (object["scores"] as? [String: Double])?.max { $0.value < $1.value }?.key)
    }

    /// Recordings are recognized and classified one by one: an unreadable one is reported and skipped.
    func testABadRecordingIsReportedAndTheOthersClassified() throws {
        let result = try HarkProcess.run(["classify", "--model", "tiny.en", "--language", "en", "Tests/Fixtures/audio/bad-text.wav",
                                          "Audio/librivox-0880.wav"])
        XCTAssertEqual(result.status, 1)
        XCTAssertEqual(result.stderr, """
            Tests/Fixtures/audio/bad-text.wav: cannot open audio: Format not recognised
            Error: 1 of 2 inputs failed

            """)
        let labels = result.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(labels.count, 1, result.stdout)
        XCTAssertTrue(["science/technology", "travel", "politics", "sports", "health", "entertainment", "geography"].contains(labels[0]))
    }

    func testEmptyLabelListIsOneLine() throws {
        let result = try HarkProcess.run(["classify", "--labels", ",", "--text", "anything"])
        XCTAssertEqual(result.status, 1)
        XCTAssertEqual(result.stderr, """
            Error: anything: the label list is empty (give --labels a,b,c or leave it out for the seven SIB-Fleurs topics)

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

final class GenerateCommandTests: XCTestCase {
    /// llama.cpp's greedy continuation on this machine (`make machine-references`); Hark follows it for the first
    /// sentence (the logits differ in their last bits, so later tokens may part ways at a near tie) and reports
    /// speed on stderr.
    func testGreedyContinuationStartsAsLlamaCpp() throws {
        let data = try TestPaths.machineReference("llama-reference.json")
        let greedy = try XCTUnwrap((try JSONSerialization.jsonObject(with: data) as? [String: Any])?["greedy"] as? [String: Any])
        let reference = try XCTUnwrap(greedy["text"] as? String)
        let result = try HarkProcess.run(["generate", "--prompt", try XCTUnwrap(greedy["prompt"] as? String), "--max-tokens", "16"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let firstSentence = String(reference[...(try XCTUnwrap(reference.firstIndex(of: "."), reference))])
        XCTAssertGreaterThan(firstSentence.split(separator: " ").count, 3, reference)
        XCTAssertTrue(result.stdout.hasPrefix(firstSentence), "\(result.stdout) against llama.cpp's \(reference)")
        XCTAssertTrue(result.stderr.hasPrefix("prompt: 6 tokens, "), result.stderr)
    }
}
