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
        let result = try HarkProcess.run(["classify", "--json", "--language", "en", "--n-best", "2", "--n-best-mode", "list",
                                          "--model", "tiny.en", "Audio/librivox-0880.wav"])
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

    /// The default n-best mode classifies each distinct transcript alone and weighs the decisions by the
    /// recognizer's posterior at temperature 2: the weights are that softmax of the total log-probabilities.
    func testMarginalModeWeighsEachTranscriptsDecision() throws {
        let result = try HarkProcess.run(["classify", "--json", "--language", "en", "--n-best", "3", "--model", "tiny.en",
                                          "Audio/librivox-0880.wav"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let transcripts = try XCTUnwrap(object["transcripts"] as? [[String: Any]])
        XCTAssertEqual(transcripts.count, 3)
        let totals = try transcripts.map { try XCTUnwrap($0["logprob"] as? Double) }
        let weights = try XCTUnwrap(object["weights"] as? [Double])
        XCTAssertEqual(weights.reduce(0, +), 1, accuracy: 1e-9)
        // Transcripts that read the same without case and punctuation are one, their weights added (which of the
        // three do depends on the CPU's rounding, so the grouping is computed here, not assumed).
        let top = totals.max()!, sum = totals.map { exp(($0 - top) / 2) }.reduce(0, +)
        var expected: [Double] = [], seen: [String: Int] = [:]
        for (transcript, total) in zip(transcripts, totals) {
            let text = try XCTUnwrap(transcript["text"] as? String).lowercased()
            let key = String(text.unicodeScalars.map { CharacterSet.alphanumerics.contains($0) ? Character($0) : " " })
                .split(separator: " ").joined(separator: " ")
            let weight = exp((total - top) / 2) / sum
            if let index = seen[key] { expected[index] += weight } else { seen[key] = expected.count; expected.append(weight) }
        }
        XCTAssertEqual(weights.count, expected.count)
        for (weight, want) in zip(weights, expected) { XCTAssertEqual(weight, want, accuracy: 1e-6) }
        let first = try XCTUnwrap(transcripts[0]["text"] as? String).trimmingCharacters(in: .whitespaces)
        XCTAssertEqual(object["prompt"] as? String, "Possible topics: science/technology, travel, politics, sports, health, entertainment, geography.\nText: \(first)\nThe topic of this text is")
        // The label is the best of the mixed scores, which are log-probabilities of a distribution.
        let scores = try XCTUnwrap(object["scores"] as? [String: Double])
        XCTAssertEqual(scores.values.map { exp($0) }.reduce(0, +), 1, accuracy: 1e-9)
        XCTAssertEqual(object["label"] as? String, scores.max { $0.value < $1.value }?.key)
    }

    func testPromptTemplateAndScoringOptions() throws {
        let folder = try TestPaths.temporaryDirectory()
        let template = folder.appendingPathComponent("short.txt")
        try "News: {text}\nSection:\n".write(to: template, atomically: true, encoding: .utf8)
        let result = try HarkProcess.run(["classify", "--json", "--scoring", "raw", "--prompt-template", template.path,
                                          "--text", "The striker scored twice in the final."])
        XCTAssertEqual(result.status, 0, result.stderr)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(object["prompt"] as? String, "News: The striker scored twice in the final.\nSection:")
        XCTAssertEqual(object["scores"] as? [String: Double], object["raw_scores"] as? [String: Double], "raw scores decide")

        let mcqTemplate = folder.appendingPathComponent("cloze.txt")
        try "{passage}\nQ: {question}\nA:".write(to: mcqTemplate, atomically: true, encoding: .utf8)
        let wrongTask = try HarkProcess.run(["classify", "--prompt-template", mcqTemplate.path, "--text", "x"])
        XCTAssertEqual(wrongTask.status, 1)
        XCTAssertEqual(wrongTask.stderr, "Error: \(mcqTemplate.path): this is a multiple-choice template\n")
        let missing = try HarkProcess.run(["classify", "--prompt-template", "/nonexistent.txt", "--text", "x"])
        XCTAssertEqual(missing.stderr, "Error: /nonexistent.txt: cannot read the prompt template\n")
        let concurrency = try HarkProcess.run(["classify", "--llm-concurrency", "0", "--text", "x"])
        XCTAssertEqual(concurrency.status, 64)
        XCTAssertTrue(concurrency.stderr.hasPrefix("Error: --llm-concurrency must be at least 1\n"), concurrency.stderr)
        let both = try HarkProcess.run(["classify", "--scoring", "cal", "--no-calibration", "--text", "x"])
        XCTAssertTrue(both.stderr.hasPrefix("Error: give --scoring or --no-calibration, not both\n"), both.stderr)
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
