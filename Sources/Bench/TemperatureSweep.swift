// Choosing the posterior temperature of hypothesis marginalization from recorded per-hypothesis scores.
import Foundation
import SLU

/// Accuracy of every marginal configuration of a run, recombined under a range of temperatures.
public struct TemperatureSweep: Equatable, Sendable {
    /// From "the 1-best alone" (0.25) to "every hypothesis alike" (1e6).
    public static let temperatures: [Double] = [0.25, 0.5, 1, 2, 4, 8, 16, 32, 64, 1e6]

    public struct Row: Equatable, Sendable {
        public var task: String
        public var config: String
        public var temperature: Double
        /// Accuracy macro-averaged over languages.
        public var accuracy: Double
        /// Mean log-probability of the expected candidate under the mixture (over the items with scores): breaks
        /// ties in accuracy.
        public var logLikelihood: Double
        public var items: Int
    }

    public let rows: [Row]

    public init(records: [BenchRecord]) {
        var latest: [String: BenchRecord] = [:]
        // Marginal decisions; those without per-hypothesis scores count as the report counts them.
        for record in records where record.config.contains("-marginal/") && record.correct != nil { latest["\(record.item)|\(record.config)"] = record }
        let groups = Dictionary(grouping: latest.values) { [$0.task, $0.config] }
        rows = groups.keys.sorted { $0.lexicographicallyPrecedes($1) }.flatMap { key in
            TemperatureSweep.temperatures.map { TemperatureSweep.row(task: key[0], config: key[1], records: groups[key]!, temperature: $0) }
        }
    }

    /// The best temperature of each task and configuration: highest accuracy, then highest likelihood.
    public var best: [Row] {
        Dictionary(grouping: rows) { [$0.task, $0.config] }.values
            .map { $0.max { ($0.accuracy, $0.logLikelihood) < ($1.accuracy, $1.logLikelihood) }! }
            .sorted { ($0.task, $0.config) < ($1.task, $1.config) }
    }

    public var table: String {
        let chosen = best
        var lines = ["task  config  temperature  accuracy %  mean log p(expected)  items"]
        for row in rows {
            let mark = chosen.contains(row) ? "  <- best" : ""
            lines.append("\(row.task)  \(row.config)  \(row.temperature >= 1e6 ? "uniform" : String(format: "%g", row.temperature))  "
                         + String(format: "%.1f  %.3f  %d", row.accuracy * 100, row.logLikelihood, row.items) + mark)
        }
        return lines.joined(separator: "\n")
    }

    private static func row(task: String, config: String, records: [BenchRecord], temperature: Double) -> Row {
        let kind = ScoreKind(rawValue: String(config.split(separator: "/").last?.split(separator: "@").first ?? "")) ?? .calibrated
        var byLanguage: [String: [Double]] = [:], logLikelihoods: [Double] = []
        for record in records {
            guard let scores = record.hypothesisScores, let candidates = record.candidates, let transcripts = record.transcripts,
                  let expected = record.expected, let target = candidates.firstIndex(of: expected) else {
                // One prompt decided (an empty transcript, or a single hypothesis): no temperature changes it.
                byLanguage[record.lang, default: []].append(record.correct == true ? 1 : 0)
                continue
            }
            let weights = Marginalization.distinct(transcripts, temperature: temperature).map(\.weight)
            guard weights.count == scores.count else { continue }
            let decision = Marginalization.decision(scores, weights: weights, kind: kind, prompt: "")
            byLanguage[record.lang, default: []].append(decision.best == target ? 1 : 0)
            logLikelihoods.append(decision.scores[target])
        }
        let perLanguage = byLanguage.values.map { $0.reduce(0, +) / Double($0.count) }
        return Row(task: task, config: config, temperature: temperature,
                   accuracy: perLanguage.isEmpty ? 0 : perLanguage.reduce(0, +) / Double(perLanguage.count),
                   logLikelihood: logLikelihoods.isEmpty ? 0 : logLikelihoods.reduce(0, +) / Double(logLikelihoods.count),
                   items: byLanguage.values.map(\.count).reduce(0, +))
    }
}
