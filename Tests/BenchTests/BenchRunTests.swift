// A benchmark run against a scorer that counts its calls: the calibration prior is scored once per label set.
import XCTest
import Foundation
@testable import Bench
import SLU
import TestSupport

/// Scores each continuation by its length (no model needed) and counts prompts, content-free ones apart.
private final class CountingScorer: LogLikelihoodScorer, @unchecked Sendable {
    private let lock = NSLock()
    private(set) var prompts = 0
    private(set) var contentFreePrompts = 0

    func logLikelihoods(prompt: String, continuations: [String]) async throws -> [ContinuationScore] {
        lock.withLock {
            prompts += 1
            if prompt.contains("Text: \(TopicPrompt.contentFree)\n") { contentFreePrompts += 1 }
        }
        return continuations.map { ContinuationScore(logProbability: -Double($0.count), tokenCount: 1) }
    }

    func generate(prompt: String, maxTokens: Int, stop: [String]) async throws -> String { "" }
    var fingerprint: String { "counting" }
}

final class BenchRunTests: XCTestCase {
    func testTheCalibrationPriorIsScoredOncePerLabelSet() async throws {
        let folder = try TestPaths.temporaryDirectory()
        let sentences = ["The striker scored twice.", "The election was close.", "A new vaccine was approved."]
        let entries = sentences.enumerated().map { i, text in
            ManifestEntry(item: BenchItem(id: "topic-\(i)", lang: "en", task: .topic, audio: [], text: text, label: "sports"),
                          manifest: folder.appendingPathComponent("m.jsonl"), line: i + 1)
        }
        let scorer = CountingScorer()
        let run = BenchRun(log: try ResultLog(directory: folder),
                           configurations: BenchConfiguration.grid(nBest: [1], scoring: [.calibrated, .raw], textSource: .reference),
                           recognizer: nil, scorer: scorer)
        try await run.run(entries)
        XCTAssertEqual(run.counts, RunCounts(computed: 6, reused: 0, failed: 0))
        XCTAssertEqual(scorer.contentFreePrompts, 1, "one prior for the seven SIB-Fleurs labels")
        XCTAssertEqual(scorer.prompts, sentences.count + 1)
    }
}
