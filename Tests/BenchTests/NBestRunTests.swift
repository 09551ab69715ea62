// Marginal, oracle and reference configurations of a run against a fixed n-best list and a keyword scorer, and the
// temperature sweep over what they recorded.
import XCTest
import Foundation
@testable import Bench
import SLU
import TestSupport

/// The same n-best list for every recording.
private struct FixedRecognizer: SpeechRecognizer {
    let hypotheses: [TranscriptHypothesis]
    var fingerprint: String { "fixed" }
    var languages: [String]? { nil }
    var forcedLanguage: String? { nil }
    func transcribe(_ samples: [Float], language: String?, count: Int) throws -> [TranscriptHypothesis] { Array(hypotheses.prefix(count)) }
}

/// " sports" is likely after a text holding "goal", " politics" after one holding "vote"; every prompt is recorded.
private final class KeywordScorer: LogLikelihoodScorer, @unchecked Sendable {
    private let lock = NSLock()
    private(set) var prompts: [String] = []

    func logLikelihoods(prompt: String, continuations: [String]) async throws -> [ContinuationScore] {
        lock.withLock { prompts.append(prompt) }
        let text = prompt.components(separatedBy: "Text: ").last ?? ""
        return continuations.map { continuation in
            let logProbability = continuation == " sports" && text.contains("goal") ? -1.0
                : continuation == " politics" && text.contains("vote") ? -2.0 : -6.0
            return ContinuationScore(logProbability: logProbability, tokenCount: 1)
        }
    }

    func generate(prompt: String, maxTokens: Int, stop: [String]) async throws -> String { "" }
    var fingerprint: String { "keywords" }
}

final class NBestRunTests: XCTestCase {
    /// The best hypothesis mishears "goal" as "vote"; the second and third heard it right (the same words).
    private let nBest = [TranscriptHypothesis(text: "The vote was close.", score: -0.2, logProbability: -1),
                         TranscriptHypothesis(text: "The goal was close.", score: -0.4, logProbability: -2),
                         TranscriptHypothesis(text: "the goal was close!", score: -0.6, logProbability: -3)]

    private func run(_ configurations: [BenchConfiguration], temperature: Double = 1) async throws -> (BenchRun, KeywordScorer) {
        let folder = try TestPaths.temporaryDirectory()
        let item = BenchItem(id: "t1", lang: "en", task: .topic, audio: [TestPaths.audio("jfk.flac").path],
                             text: "the goal was close", label: "sports")
        let scorer = KeywordScorer()
        let run = BenchRun(log: try ResultLog(directory: folder), configurations: configurations,
                           recognizer: FixedRecognizer(hypotheses: nBest), scorer: scorer, temperature: temperature)
        try await run.run([ManifestEntry(item: item, manifest: folder.appendingPathComponent("m.jsonl"), line: 1)])
        return (run, scorer)
    }

    private func record(_ run: BenchRun, _ config: String) throws -> BenchRecord {
        try XCTUnwrap(run.log.orderedRecords.first { $0.config == config }, config)
    }

    func testEachInputDecidesOnItsOwnText() async throws {
        let grid = BenchConfiguration.grid(nBest: [1, 3], modes: [.list, .marginal, .merged], scoring: [.raw], textSource: .asr, compare: true)
        let (run, scorer) = try await run(grid)
        XCTAssertEqual(run.counts, RunCounts(computed: 7, reused: 0, failed: 0), "the asr pass and six decisions")
        XCTAssertEqual(try record(run, "n1/raw").prediction, "politics")
        XCTAssertEqual(try record(run, "n3/raw").prediction, "sports", "the list holds both words; goal scores higher")
        XCTAssertEqual(try record(run, "n3-oracle/raw").transcripts, [nBest[1]], "no word errors; the likelier of two equals")
        XCTAssertEqual(try record(run, "n3-oracle/raw").prediction, "sports")
        XCTAssertEqual(try record(run, "reference/raw").prediction, "sports")

        // Hypotheses 2 and 3 read the same: one prompt, their posterior weights added.
        let marginal = try record(run, "n3-marginal/raw")
        let total = exp(-1.0) + exp(-2.0) + exp(-3.0)
        let weights = try XCTUnwrap(marginal.weights)
        XCTAssertEqual(weights.count, 2)
        XCTAssertEqual(weights[0], exp(-1.0) / total, accuracy: 1e-12)
        XCTAssertEqual(weights[1], (exp(-2.0) + exp(-3.0)) / total, accuracy: 1e-12)
        XCTAssertEqual(marginal.hypothesisScores?.count, 2)
        XCTAssertEqual(marginal.prediction, "politics", "at temperature 1 the misheard 1-best carries 2/3 of the weight")

        let merged = try record(run, "n3-merged/raw")
        XCTAssertTrue(merged.prompt!.contains("Text: The vote/goal was close.\n"), merged.prompt!)
        XCTAssertEqual(merged.prediction, "sports")

        // The 1-best list's prompt is the first marginal prompt, and the second is the oracle's: five prompts in all.
        XCTAssertEqual(scorer.prompts.count, 5, scorer.prompts.joined(separator: "\n---\n"))
    }

    /// The sweep recombines the recorded scores: the right label wins once the weight of "goal" exceeds 0.927 of
    /// the weight of "vote" (probabilities 0.961 and 0.901 for their labels, 0.0166 and 0.0065 for the other's),
    /// i.e. e^(-1/T) + e^(-2/T) > 0.927: from T = 2 on.
    func testTemperatureSweepFindsWhereTheRightLabelWins() async throws {
        let (run, _) = try await run([BenchConfiguration(input: .marginal(3), scoring: .raw)])
        let sweep = TemperatureSweep(records: run.log.orderedRecords)
        XCTAssertEqual(sweep.rows.count, TemperatureSweep.temperatures.count)
        let accuracy = Dictionary(uniqueKeysWithValues: sweep.rows.map { ($0.temperature, $0.accuracy) })
        XCTAssertEqual(accuracy[1], 0)
        XCTAssertEqual(accuracy[2], 1)
        XCTAssertEqual(sweep.best.map(\.temperature), [1e6], "equal accuracy from 2 on; the likelihood of the label grows with T")

        // The same run at the chosen temperature decides as the sweep said.
        let (rerun, _) = try await self.run([BenchConfiguration(input: .marginal(3), scoring: .raw)], temperature: 2)
        XCTAssertEqual(try record(rerun, "n3-marginal/raw").prediction, "sports")
    }

    func testTemplatesApplyToTheirOwnTask() async throws {
        let template = try PromptTemplate(name: "short", text: "Topics: {labels}\nText: {text}\nTopic:")
        XCTAssertEqual(template.task, .topic)
        let folder = try TestPaths.temporaryDirectory()
        let topic = BenchItem(id: "t", lang: "en", task: .topic, audio: [], text: "the goal was close", label: "sports")
        let mcq = BenchItem(id: "q", lang: "en", task: .mcq, audio: [], text: "It rains.", question: "Weather?",
                            options: ["rain", "sun", "snow", "fog"], answer: 1)
        let scorer = KeywordScorer()
        let grid = BenchConfiguration.grid(nBest: [1], scoring: [.raw], textSource: .reference, templates: [nil, "short"])
        let run = BenchRun(log: try ResultLog(directory: folder), configurations: grid, recognizer: nil, scorer: scorer, templates: [template])
        try await run.run([topic, mcq].enumerated().map { ManifestEntry(item: $1, manifest: folder.appendingPathComponent("m.jsonl"), line: $0 + 1) })
        // The topic item is scored with the default and the given template; the multiple-choice item, which the
        // template does not fit, with its default only.
        XCTAssertEqual(run.log.orderedRecords.map(\.config), ["reference/raw", "reference/raw@short", "reference/raw"])
        XCTAssertEqual(run.log.orderedRecords.map(\.item), ["t", "t", "q"])
        XCTAssertEqual(run.log.orderedRecords[1].prompt,
                       "Topics: science/technology, travel, politics, sports, health, entertainment, geography\nText: the goal was close\nTopic:")
    }
}
