// Prompt templates, hypothesis marginalization's arithmetic, and concurrent requests to a scoring server.
import XCTest
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import TestSupport
@testable import SLU

final class NBestTests: XCTestCase {
    func testTemplatesRenderTheirPlaceholdersOnce() throws {
        let topic = try PromptTemplate(name: "t", text: "Labels: {labels}\nSaid: {text}\nIt is about\n\n")
        XCTAssertEqual(topic.task, .topic)
        XCTAssertEqual(TopicPrompt.text(labels: ["a", "b"], hypotheses: [TranscriptHypothesis(text: " say {labels} ", score: 0)], template: topic),
                       "Labels: a, b\nSaid: say {labels}\nIt is about", "trailing newlines go; a transcript's braces stay as spoken")
        let mcq = try PromptTemplate(name: "m", text: "P: {passage}\nQ: {question}\n{options}\nAnswer:")
        XCTAssertEqual(mcq.task, .multipleChoice)
        XCTAssertEqual(MultipleChoicePrompt.text(passage: [TranscriptHypothesis(text: "It rains.", score: 0)], question: "Weather?",
                                                 options: ["rain", "sun", "snow", "fog"], template: mcq),
                       "P: It rains.\nQ: Weather?\nA. rain\nB. sun\nC. snow\nD. fog\nAnswer:")
        XCTAssertEqual(PromptTemplate.default(for: .topic), PromptTemplate.defaultTopic)
        XCTAssertEqual(PromptTemplate.default(for: .multipleChoice).task, .multipleChoice)
        XCTAssertThrowsError(try PromptTemplate(name: "x.txt", text: "Passage: {text}\nQuestion: {question}")) {
            XCTAssertEqual("\($0)", "x.txt: a prompt template needs {text} (topic) or {passage} and {question} (multiple choice)")
        }
        XCTAssertEqual(try PromptTemplate(name: "cloze", text: "{passage}\nQ: {question}\nA:").task, .multipleChoice, "options are optional")
        XCTAssertThrowsError(try PromptTemplate(contentsOf: URL(fileURLWithPath: "/nonexistent/t.txt"))) {
            XCTAssertEqual("\($0)", "/nonexistent/t.txt: cannot read the prompt template")
        }
    }

    func testPosteriorAndMixture() {
        // Total log-probabilities -1 and -1 - ln 3: weights 3/4 and 1/4 at T = 1, 1/2 each at a very high T.
        let weights = Marginalization.posterior([-1, -1 - log(3)], temperature: 1)
        XCTAssertEqual(weights[0], 0.75, accuracy: 1e-12)
        XCTAssertEqual(weights[1], 0.25, accuracy: 1e-12)
        XCTAssertEqual(Marginalization.posterior([-1, -1 - log(3)], temperature: 1e9)[1], 0.5, accuracy: 1e-6)
        // Two hypotheses sure of different candidates: the mixture is their weighted average, in logs.
        let mixed = Marginalization.mixture([[0, -Double.infinity], [-Double.infinity, 0]], weights: [0.75, 0.25])
        XCTAssertEqual(exp(mixed[0]), 0.75, accuracy: 1e-12)
        XCTAssertEqual(exp(mixed[1]), 0.25, accuracy: 1e-12)
        // Case, punctuation and spacing do not make a hypothesis distinct; its weight joins the first reading.
        let distinct = Marginalization.distinct([TranscriptHypothesis(text: "Hello, world.", score: 0, logProbability: -1),
                                                 TranscriptHypothesis(text: "hello world", score: 0, logProbability: -1),
                                                 TranscriptHypothesis(text: "yellow world", score: 0, logProbability: -1)], temperature: 1)
        XCTAssertEqual(distinct.map(\.hypothesis.text), ["Hello, world.", "yellow world"])
        XCTAssertEqual(distinct[0].weight, 2.0 / 3, accuracy: 1e-12)
    }

    func testMergedTranscriptMarksWhatOthersHeard() {
        let hypotheses = ["The vote was close.", "The goal was close.", "the boat was closed", "A vote was close", "The vote was close"]
            .map { TranscriptHypothesis(text: $0, score: 0) }
        // Two variants at most per word, punctuation kept outside them; a variant differing only in case is none.
        XCTAssertEqual(MergedTranscript.text(hypotheses), "The/A vote/goal/boat was close/closed.")
        // Words one side lacks are not variants: the text keeps the best hypothesis' words and order.
        XCTAssertEqual(MergedTranscript.text(["it was late", "it was very late", "was late"].map { TranscriptHypothesis(text: $0, score: 0) }),
                       "it was late")
        XCTAssertEqual(NBestMode.list.promptInput(hypotheses), hypotheses)
    }

    func testScoreKinds() {
        let scores = CandidateScores(raw: [-4, -6], prior: [-1, -5], byteCounts: [2, 6])
        XCTAssertEqual(scores.values(.raw), [-4, -6])
        XCTAssertEqual(scores.values(.calibrated), [-3, -1])
        XCTAssertEqual(scores.values(.normalized), [-2, -1])
    }

    /// Seven labels scored with --llm-concurrency 3: three requests in flight at most, and at least three at
    /// some moment (each takes 0.1 s); the scores arrive in label order.
    func testConcurrentRequestsStayWithinTheLimit() async throws {
        for concurrency in [1, 3] {
            let server = try LoopbackServer(arguments: ["Tests/Servers/counting_server.py"])
            defer { server.stop() }
            let scorer = try await OpenAICompatibleScorer.connect(url: server.url, model: nil, timeout: 30, concurrency: concurrency)
            let labels = TopicPrompt.sibFleursLabels
            let scores = try await scorer.logLikelihoods(prompt: "The topic is", continuations: labels.map { " " + $0 })
            XCTAssertEqual(scores.map(\.logProbability), labels.map { -Double($0.count + 1) })
            let before = try await stats(server)
            XCTAssertEqual(before["max_in_flight"], concurrency)

            // Marginal mode scores several prompts at once; the limit holds across them.
            var classifier = TopicClassifier(scorer: scorer, scoring: .raw)
            classifier.nBestMode = .marginal
            _ = try await classifier.classify(["one", "two", "three"].map { TranscriptHypothesis(text: $0, score: 0, logProbability: -1) })
            let after = try await stats(server)
            XCTAssertEqual(after["max_in_flight"], concurrency)
            XCTAssertEqual(after["requests"], 7 + 3 * 7)
        }
    }

    private func stats(_ server: LoopbackServer) async throws -> [String: Int] {
        let (data, _) = try await URLSession.shared.data(from: server.url.appendingPathComponent("stats"))
        return try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Int])
    }
}
