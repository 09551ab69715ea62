// The report of a run: accuracy per language with bootstrap intervals, WER/CER, macro averages; JSON and Markdown.
import Foundation
import Scoring
import HarkNumerics

/// Word and character errors of one transcript after Whisper-style normalization of both sides.
public enum TranscriptScoring {
    public static func errors(reference: String, hypothesis: String, language: String) -> (words: ErrorCount, characters: ErrorCount) {
        let normalizer = TextNormalizers.forLanguage(WhisperLanguage.code(for: language) ?? language)
        let reference = normalizer.normalize(reference), hypothesis = normalizer.normalize(hypothesis)
        return (ErrorRate.words(reference: reference, hypothesis: hypothesis),
                ErrorRate.characters(reference: reference, hypothesis: hypothesis))
    }
}

/// One number of the report: a metric of one task, configuration and language, with its 95% interval.
public struct ReportRow: Codable, Equatable, Sendable {
    public var task: String
    public var config: String
    public var lang: String
    public var n: Int
    public var metric: String
    public var value: Double
    public var ci95Low: Double
    public var ci95High: Double

    enum CodingKeys: String, CodingKey {
        case task, config, lang, n, metric, value
        case ci95Low = "ci95_low", ci95High = "ci95_high"
    }
}

/// The mean over languages of one task, configuration and metric (each language counts once).
public struct MacroRow: Codable, Equatable, Sendable {
    public var task: String
    public var config: String
    public var metric: String
    public var value: Double
    public var languages: Int
}

/// What a configuration gains over the best transcript alone (`n1`) with the same scoring and template: the
/// difference of macro accuracies over the items both decided, with a paired bootstrap interval (items resampled
/// within each language, both configurations' outcomes kept together).
public struct Gain: Codable, Equatable, Sendable {
    public var task: String
    public var config: String
    public var baseline: String
    public var value: Double
    public var ci95Low: Double
    public var ci95High: Double
    public var languages: Int
    public var items: Int

    enum CodingKeys: String, CodingKey {
        case task, config, baseline, value, languages, items
        case ci95Low = "ci95_low", ci95High = "ci95_high"
    }
}

public struct ItemFailure: Codable, Equatable, Sendable {
    public var item: String
    public var manifest: String
    public var line: Int
    public var error: String
}

/// Mean seconds per item of one stage: "asr" (recognition) or a configuration's LLM scoring.
public struct StageTime: Codable, Equatable, Sendable {
    public var task: String
    public var stage: String
    public var n: Int
    public var meanSeconds: Double

    enum CodingKeys: String, CodingKey { case task, stage, n, meanSeconds = "mean_seconds" }
}

public struct BenchReport: Codable, Equatable, Sendable {
    public var rows: [ReportRow]
    public var macro: [MacroRow]
    public var gains: [Gain]
    public var timings: [StageTime]
    public var errors: [ItemFailure]

    /// Bootstrap resamples per interval; the generator is seeded per row, so a merged run reproduces a single run.
    static let resamples = 1000

    public init(records: [BenchRecord]) {
        let succeeded = Set(records.filter { $0.error == nil }.map(\.item))
        errors = records.filter { $0.error != nil && !succeeded.contains($0.item) }
            .map { ItemFailure(item: $0.item, manifest: $0.manifest, line: $0.line, error: $0.error!) }
            .sorted { ($0.manifest, $0.line) < ($1.manifest, $1.line) }

        // The latest record per item and configuration (a results file may hold records of older models).
        var latest: [String: BenchRecord] = [:]
        for record in records where record.error == nil { latest["\(record.item)|\(record.config)"] = record }
        // ASR records of topic, mcq and asr items alike form the "asr" rows: the recognition pass is shared.
        let byRow = Dictionary(grouping: latest.values) { RowKey(task: $0.config == "asr" ? "asr" : $0.task, config: $0.config, lang: $0.lang) }

        var rows: [ReportRow] = []
        for key in byRow.keys.sorted() {
            let group = byRow[key]!.sorted { $0.item < $1.item }
            if key.config == "asr" {
                let words = group.compactMap(\.wordErrors), characters = group.compactMap(\.characterErrors)
                if !words.isEmpty { rows.append(BenchReport.errorRow(key, metric: "wer", words)) }
                if !characters.isEmpty { rows.append(BenchReport.errorRow(key, metric: "cer", characters)) }
                // Transcripts that still looped after the temperature fallback, whose repeats were cut.
                let loops = group.map { $0.note == BenchRecord.repetitionNote ? 1.0 : 0.0 }
                let interval = BenchReport.bootstrap(loops, seed: key.seed &+ 7) { $0.reduce(0, +) / Double($0.count) }
                rows.append(ReportRow(task: key.task, config: key.config, lang: key.lang, n: loops.count, metric: "loops",
                                      value: loops.reduce(0, +) / Double(loops.count), ci95Low: interval.low, ci95High: interval.high))
            } else {
                let outcomes = group.compactMap(\.correct).map { $0 ? 1.0 : 0.0 }
                let interval = BenchReport.bootstrap(outcomes, seed: key.seed) { $0.reduce(0, +) / Double($0.count) }
                rows.append(ReportRow(task: key.task, config: key.config, lang: key.lang, n: outcomes.count, metric: "accuracy",
                                      value: outcomes.reduce(0, +) / Double(outcomes.count), ci95Low: interval.low, ci95High: interval.high))
            }
        }
        self.rows = rows
        gains = BenchReport.gains(latest.values.filter { $0.config != "asr" && $0.correct != nil })

        // Calibrated and raw configurations share one scoring, so time is reported per text input (n-best).
        let byStage = Dictionary(grouping: latest.values.filter { $0.seconds != nil }) {
            [$0.config == "asr" ? "asr" : $0.task, $0.config == "asr" ? "asr" : "llm " + $0.config.prefix { $0 != "/" }]
        }
        timings = byStage.keys.sorted { $0.lexicographicallyPrecedes($1) }.map { key in
            let seconds = Dictionary(grouping: byStage[key]!, by: \.item).values.map { $0[0].seconds! }
            return StageTime(task: key[0], stage: key[1], n: seconds.count, meanSeconds: seconds.reduce(0, +) / Double(seconds.count))
        }

        let byMacro = Dictionary(grouping: rows) { [$0.task, $0.config, $0.metric] }
        macro = byMacro.keys.sorted { $0.lexicographicallyPrecedes($1) }.map { key in
            let values = byMacro[key]!.map(\.value)
            return MacroRow(task: key[0], config: key[1], metric: key[2], value: values.reduce(0, +) / Double(values.count), languages: values.count)
        }
    }

    private struct RowKey: Hashable, Comparable {
        var task: String, config: String, lang: String
        static func < (a: RowKey, b: RowKey) -> Bool { (a.task, a.config, a.lang) < (b.task, b.config, b.lang) }
        var seed: UInt64 { StableHash.fnv1a("\(task)|\(config)|\(lang)") }
    }

    /// Every configuration against the `n1` configuration of the same scoring and template, where both exist.
    private static func gains(_ decisions: [BenchRecord]) -> [Gain] {
        let byTaskConfig = Dictionary(grouping: decisions) { [$0.task, $0.config] }
        var gains: [Gain] = []
        for key in byTaskConfig.keys.sorted(by: { $0.lexicographicallyPrecedes($1) }) {
            let (task, config) = (key[0], key[1])
            guard let slash = config.firstIndex(of: "/"), !config.hasPrefix("n1/") else { continue }
            let baseline = "n1" + config[slash...]
            guard let base = byTaskConfig[[task, baseline]] else { continue }
            let baseOutcome = Dictionary(base.map { ($0.item, $0.correct!) }, uniquingKeysWith: { a, _ in a })
            // Per language, the (configuration - baseline) outcome of each item both decided.
            var differences: [String: [Double]] = [:]
            for record in byTaskConfig[key]! {
                guard let other = baseOutcome[record.item] else { continue }
                differences[record.lang, default: []].append((record.correct! ? 1 : 0) - (other ? 1 : 0))
            }
            let strata = differences.keys.sorted().map { differences[$0]! }
            guard !strata.isEmpty else { continue }
            let macro: ([[Double]]) -> Double = { groups in groups.map { $0.reduce(0, +) / Double($0.count) }.reduce(0, +) / Double(groups.count) }
            var generator = SplitMix64(seed: StableHash.fnv1a("\(task)|\(config)|gain"))
            var values: [Double] = []
            for _ in 0..<resamples {
                values.append(macro(strata.map { group in (0..<group.count).map { _ in group[Int(generator.next() % UInt64(group.count))] } }))
            }
            values.sort()
            gains.append(Gain(task: task, config: config, baseline: baseline, value: macro(strata),
                              ci95Low: values[Int(Double(resamples) * 0.025)], ci95High: values[Int(Double(resamples) * 0.975) - 1],
                              languages: strata.count, items: strata.map(\.count).reduce(0, +)))
        }
        return gains
    }

    /// Corpus-level error rate (total edits over total reference length), resampling items for the interval.
    private static func errorRow(_ key: RowKey, metric: String, _ counts: [ErrorCount]) -> ReportRow {
        let rate: ([ErrorCount]) -> Double = { $0.reduce(ErrorCount(edits: 0, referenceLength: 0), +).rate }
        let interval = bootstrap(counts, seed: key.seed &+ UInt64(metric.utf8.first!), rate)
        return ReportRow(task: key.task, config: key.config, lang: key.lang, n: counts.count, metric: metric,
                         value: rate(counts), ci95Low: interval.low, ci95High: interval.high)
    }

    /// Percentile bootstrap: the 2.5th and 97.5th percentiles of the statistic over resampled item sets.
    static func bootstrap<T>(_ items: [T], seed: UInt64, _ statistic: ([T]) -> Double) -> (low: Double, high: Double) {
        guard !items.isEmpty else { return (0, 0) }
        var generator = SplitMix64(seed: seed)
        var values: [Double] = []
        values.reserveCapacity(resamples)
        for _ in 0..<resamples {
            values.append(statistic((0..<items.count).map { _ in items[Int(generator.next() % UInt64(items.count))] }))
        }
        values.sort()
        return (values[Int(Double(resamples) * 0.025)], values[Int(Double(resamples) * 0.975) - 1])
    }
}
