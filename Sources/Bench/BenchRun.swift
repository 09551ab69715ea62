// A benchmark run: one shared ASR pass per item, then every configuration's LLM decision, each recorded as it finishes.
import Audio
import Foundation
import SLU

/// Where the LLM's input text comes from: our recognizer, the reference transcript, or the dataset's own ASR.
public enum TextSource: String, CaseIterable, Sendable {
    case asr, reference
    case datasetASR = "dataset-asr"
}

/// The text one configuration gives the LLM.
public enum BenchInput: Hashable, Sendable {
    /// The n best transcripts in one prompt (n = 1: the best transcript alone).
    case list(Int)
    /// Each of the n best in its own prompt, the decisions combined under the recognizer's posterior.
    case marginal(Int)
    /// The best transcript marked with the variants the other n - 1 heard.
    case merged(Int)
    /// The one of the n best closest to the reference (fewest word errors): what a perfect reranker would give.
    case oracle(Int)
    /// The item's reference text: what a perfect recognizer would give.
    case reference
    case datasetASR

    /// "n5", "n5-marginal", "n5-oracle", "reference", "dataset-asr".
    public var name: String {
        switch self {
        case let .list(n): return "n\(n)"
        case let .marginal(n): return "n\(n)-marginal"
        case let .merged(n): return "n\(n)-merged"
        case let .oracle(n): return "n\(n)-oracle"
        case .reference: return TextSource.reference.rawValue
        case .datasetASR: return TextSource.datasetASR.rawValue
        }
    }

    /// How many of the recognizer's transcripts the input draws on; nil when it does not use the recognizer.
    var nBest: Int? {
        switch self {
        case let .list(n), let .marginal(n), let .merged(n), let .oracle(n): return n
        case .reference, .datasetASR: return nil
        }
    }

    /// How the drawn transcripts reach the LLM (the oracle's one chosen transcript is a list of one).
    var mode: NBestMode {
        switch self {
        case .marginal: return .marginal
        case .merged: return .merged
        default: return .list
        }
    }

    var needsReference: Bool {
        switch self {
        case .oracle, .reference: return true
        default: return false
        }
    }
}

/// One cell of the experiment grid: the LLM's input, how candidate scores are read, and the prompt template.
public struct BenchConfiguration: Hashable, Sendable {
    public var input: BenchInput
    public var scoring: ScoreKind
    /// A template given with --prompt-template (its name), or nil for the default of each task.
    public var template: String?

    public init(input: BenchInput, scoring: ScoreKind, template: String? = nil) {
        self.input = input
        self.scoring = scoring
        self.template = template
    }

    /// Short and stable, e.g. "n5/cal", "n5-marginal/norm", "reference/raw@lm-eval": the report's column heading
    /// and the merge key.
    public var name: String { "\(input.name)/\(scoring.rawValue)" + (template.map { "@\($0)" } ?? "") }

    /// Every combination of the given lists. Reference and dataset text have one hypothesis, so n-best collapses
    /// there; a 1-best list is the same in every mode. `compare` adds, for asr runs, the reference text and the
    /// oracle hypothesis of the largest n-best (items without a reference skip them).
    public static func grid(nBest: [Int], modes: [NBestMode] = [.list], scoring: [ScoreKind], textSource: TextSource,
                            templates: [String?] = [nil], compare: Bool = false) -> [BenchConfiguration] {
        var inputs: [BenchInput]
        switch textSource {
        case .reference: inputs = [.reference]
        case .datasetASR: inputs = [.datasetASR]
        case .asr:
            inputs = nBest.flatMap { n -> [BenchInput] in
                guard n > 1 else { return [.list(1)] }
                return modes.map { mode in
                    switch mode {
                    case .list: return .list(n)
                    case .marginal: return .marginal(n)
                    case .merged: return .merged(n)
                    }
                }
            }
            if compare {
                if let largest = nBest.max(), largest > 1 { inputs.append(.oracle(largest)) }
                inputs.append(.reference)
            }
        }
        var seen = Set<BenchConfiguration>()
        return templates.flatMap { template in inputs.flatMap { input in scoring.map { BenchConfiguration(input: input, scoring: $0, template: template) } } }
            .filter { seen.insert($0).inserted }
    }
}

extension SpeechRecognizer {
    /// The language to tell the recognizer for a manifest item: `--language`, else the item's own (its asr_lang,
    /// or its lang mapped to Whisper's codes), else nil to detect it. The manifest knows the language, and giving
    /// it avoids misdetection on poor audio, where the text otherwise collapses into another script.
    func language(for item: BenchItem) -> String? {
        guard let supported = languages else { return nil }
        if let forcedLanguage { return forcedLanguage }
        if let asrLang = item.asrLang, supported.contains(asrLang) { return asrLang }
        return WhisperLanguage.code(for: item.lang, supported: supported)
    }
}

/// A deterministic share of the items for `--shard K/N`: by a hash of the item id, so every machine agrees
/// whatever order the manifests list them in.
public struct Shard: Equatable, Sendable {
    public var index: Int
    public var count: Int

    public init(index: Int, count: Int) {
        self.index = index
        self.count = count
    }

    /// Parses "K/N" with 1 <= K <= N.
    public init(parsing text: String) throws {
        let parts = text.split(separator: "/").compactMap { Int($0) }
        guard parts.count == 2, parts[1] >= 1, (1...parts[1]).contains(parts[0]) else {
            throw BenchError("--shard must be K/N with 1 <= K <= N, got \"\(text)\"")
        }
        self.init(index: parts[0], count: parts[1])
    }

    public func contains(_ id: String) -> Bool {
        Int(StableHash.fnv1a(id) % UInt64(count)) == index - 1
    }
}

/// FNV-1a of a string's UTF-8 bytes: the same on every machine and run (Swift's Hasher is seeded per process),
/// for shard membership and the report's bootstrap seeds.
enum StableHash {
    static func fnv1a(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        return hash
    }
}

/// What a run did, for the summary line and for tests that check nothing was recomputed.
public struct RunCounts: Equatable, Sendable {
    public var computed = 0
    public var reused = 0
    public var failed = 0
}

public final class BenchRun {
    public let log: ResultLog
    public let configurations: [BenchConfiguration]
    public let recognizer: SpeechRecognizer?
    public let scorer: LogLikelihoodScorer?
    /// Templates given with --prompt-template, by name, compared with each task's default.
    public let templates: [String: PromptTemplate]
    /// Marginal configurations' posterior temperature.
    public let temperature: Double
    /// Called after each item with (items done, items in total).
    public var progress: (Int, Int) -> Void = { _, _ in }
    public private(set) var counts = RunCounts()
    /// One for the run, so the calibration prior is scored once per label set, not once per item.
    private lazy var candidateScorer = scorer.map { CandidateScorer(scorer: $0) }

    public init(log: ResultLog, configurations: [BenchConfiguration], recognizer: SpeechRecognizer?, scorer: LogLikelihoodScorer?,
                templates: [PromptTemplate] = [], temperature: Double = Marginalization.defaultTemperature) {
        self.log = log
        self.configurations = configurations
        self.recognizer = recognizer
        self.scorer = scorer
        self.templates = Dictionary(templates.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        self.temperature = temperature
    }

    private var largestNBest: Int { configurations.compactMap(\.input.nBest).max() ?? 1 }

    private var needsRecognizer: Bool { configurations.contains { $0.input.nBest != nil } }

    public func run(_ entries: [ManifestEntry]) async throws {
        for (done, entry) in entries.enumerated() {
            do {
                try await run(entry)
            } catch let error as ItemError {
                counts.failed += 1
                var record = BenchRecord(key: "\(entry.item.id)|error", entry: entry, config: "error")
                record.error = error.description
                try log.append(record)
            }
            progress(done + 1, entries.count)
        }
    }

    /// The template a configuration uses for a task, or nil when the configuration's template is another task's.
    private func template(_ configuration: BenchConfiguration, task: BenchTask) -> PromptTemplate? {
        let wanted: PromptTemplate.Task = task == .topic ? .topic : .multipleChoice
        guard let name = configuration.template else { return .default(for: wanted) }
        return templates[name].flatMap { $0.task == wanted ? $0 : nil }
    }

    private func run(_ entry: ManifestEntry) async throws {
        let task = try entry.item.validatedTask()
        let asr = task == .asr || needsRecognizer ? try recognize(entry, task: task) : nil
        guard task != .asr else { return }

        let applicable = configurations.filter { template($0, task: task) != nil && (!$0.input.needsReference || entry.item.text != nil) }
        let pending = applicable.filter { log.record(key(entry, $0)) == nil }
        counts.reused += applicable.count - pending.count
        guard !pending.isEmpty else { return }
        guard scorer != nil else { throw BenchError("this run needs a language model") }
        var prompts = PromptScores(calibrate: pending.contains { $0.scoring == .calibrated })
        for configuration in pending {
            var record = BenchRecord(key: key(entry, configuration), entry: entry, config: configuration.name)
            record.expected = expectedAnswer(entry.item, task: task)
            var hypotheses = try input(entry, asr: asr, configuration.input)
            if case .oracle = configuration.input, let reference = entry.item.text {
                hypotheses = [closest(hypotheses, to: reference, language: entry.item.lang)]
            }
            record.transcripts = hypotheses
            guard hypotheses.contains(where: { !$0.text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }) else {
                // The cascade heard nothing: a wrong answer, not a missing one (dropping it would flatter accuracy).
                record.correct = false
                record.note = "the transcript is empty: counted as wrong"
                try log.append(record)
                counts.computed += 1
                continue
            }
            let question = self.question(entry.item, task: task, template: template(configuration, task: task)!)
            let decision = try await decide(question, hypotheses: hypotheses, configuration: configuration, prompts: &prompts, into: &record)
            record.scores = Dictionary(uniqueKeysWithValues: zip(record.candidates!, decision.scores))
            record.rawScores = Dictionary(uniqueKeysWithValues: zip(record.candidates!, decision.rawScores))
            record.prediction = record.candidates![decision.best]
            record.correct = record.prediction == record.expected
            record.prompt = decision.prompt
            try log.append(record)
            counts.computed += 1
        }
    }

    // MARK: ASR

    private func asrKey(_ entry: ManifestEntry, recognizer: SpeechRecognizer) -> String {
        "\(entry.item.id)|asr|\(recognizer.fingerprint)|k=\(largestNBest)|lang=\(recognizer.language(for: entry.item) ?? "auto")"
    }

    /// The item's n-best transcripts from the log, or from the recognizer (then logged with WER/CER when the
    /// item has a reference).
    private func recognize(_ entry: ManifestEntry, task: BenchTask) throws -> BenchRecord {
        guard let recognizer else { throw BenchError("this run needs a speech recognizer") }
        let key = asrKey(entry, recognizer: recognizer)
        if let done = log.record(key) {
            counts.reused += 1
            return done
        }
        let samples = try loadAudio(entry)
        let started = Date()
        let hypotheses = try recognizer.transcribe(samples, language: recognizer.language(for: entry.item), count: largestNBest)
        var record = BenchRecord(key: key, entry: entry, config: "asr")
        record.seconds = Date().timeIntervalSince(started)
        record.transcripts = hypotheses
        if hypotheses.first?.repetitionCut == true { record.note = BenchRecord.repetitionNote }
        if let reference = entry.item.text {
            let errors = TranscriptScoring.errors(reference: reference, hypothesis: hypotheses.first?.text ?? "", language: entry.item.lang)
            record.wordErrors = errors.words
            record.characterErrors = errors.characters
        }
        try log.append(record)
        counts.computed += 1
        return record
    }

    private func loadAudio(_ entry: ManifestEntry) throws -> [Float] {
        guard !entry.audioURLs.isEmpty else { throw ItemError("no \"audio\" to recognize") }
        var samples: [Float] = []
        for url in entry.audioURLs {
            guard FileManager.default.fileExists(atPath: url.path) else { throw ItemError("missing audio file \(url.path)") }
            do {
                var source = try AudioFile(path: url.path)
                samples += try source.readAll()
            } catch {
                throw ItemError("\(url.path): \(error)")
            }
        }
        return samples
    }

    // MARK: LLM

    private func key(_ entry: ManifestEntry, _ configuration: BenchConfiguration) -> String {
        var parts = [entry.item.id, entry.item.task, configuration.name, "llm=\(scorer?.fingerprint ?? "none")"]
        if configuration.input.nBest != nil { parts.append("asr=\(recognizer?.fingerprint ?? "none")") }
        if configuration.input.mode == .marginal { parts.append("T=\(temperature)") }
        return parts.joined(separator: "|")
    }

    /// The hypotheses a configuration's input draws on: the n best (all of them for the oracle, which picks one
    /// later), or the one text of the reference or the dataset's transcript.
    private func input(_ entry: ManifestEntry, asr: BenchRecord?, _ input: BenchInput) throws -> [TranscriptHypothesis] {
        switch input {
        case let .list(n), let .marginal(n), let .merged(n), let .oracle(n):
            return Array((asr?.transcripts ?? []).prefix(n))
        case .reference:
            guard let text = entry.item.text else { throw ItemError("--text-source reference needs the item's \"text\"") }
            return [TranscriptHypothesis(text: text, score: 0)]
        case .datasetASR:
            guard let text = entry.item.datasetASR else { throw ItemError("--text-source dataset-asr needs the item's \"dataset_asr\"") }
            return [TranscriptHypothesis(text: text, score: 0)]
        }
    }

    /// The hypothesis with the fewest word errors against the reference (the first of equals: the likelier).
    private func closest(_ hypotheses: [TranscriptHypothesis], to reference: String, language: String) -> TranscriptHypothesis {
        let errors = hypotheses.map { TranscriptScoring.errors(reference: reference, hypothesis: $0.text, language: language).words.edits }
        return hypotheses[errors.indices.min { errors[$0] < errors[$1] || (errors[$0] == errors[$1] && $0 < $1) }!]
    }

    /// The label, or the answer's letter (the scores of an mcq item are keyed A-D).
    private func expectedAnswer(_ item: BenchItem, task: BenchTask) -> String {
        task == .topic ? item.label! : MultipleChoicePrompt.letters[item.answer! - 1]
    }

    /// The item's question with its candidates keyed as the record keys them: labels, or the letters A-D.
    private func question(_ item: BenchItem, task: BenchTask, template: PromptTemplate) -> (question: CandidateQuestion, keys: [String]) {
        if task == .topic {
            let labels = item.labels ?? TopicPrompt.sibFleursLabels
            return (TopicPrompt.question(labels: labels, template: template), labels)
        }
        return (MultipleChoicePrompt.question(item.question!, options: item.options!, template: template), MultipleChoicePrompt.letters)
    }

    /// One configuration's decision; prompts already scored for this item (the 1-best prompt is also the first
    /// marginal prompt and often the oracle's) are reused. Fills the record's candidates, timing and, in marginal
    /// mode, each distinct hypothesis' scores and weight so that `hark bench tune` can reweigh them.
    private func decide(_ question: (question: CandidateQuestion, keys: [String]), hypotheses: [TranscriptHypothesis],
                        configuration: BenchConfiguration, prompts: inout PromptScores, into record: inout BenchRecord) async throws -> CandidateDecision {
        let plan = NBestPlan(question.question, hypotheses: hypotheses, mode: configuration.input.mode, temperature: temperature)
        let each = try await prompts.scores(plan.prompts, question: question.question, scorer: candidateScorer!)
        record.candidates = question.keys
        record.seconds = each.map(\.seconds).reduce(0, +)
        if let weights = plan.weights {
            record.weights = weights
            record.hypothesisScores = each.map(\.scores)
        }
        return plan.decision(each.map(\.scores), kind: configuration.scoring)
    }
}

/// The candidate scores of the prompts scored for one item, by prompt text, with the seconds each took.
private struct PromptScores {
    let calibrate: Bool
    private var done: [String: (scores: CandidateScores, seconds: Double)] = [:]

    init(calibrate: Bool) { self.calibrate = calibrate }

    /// Scores the prompts not scored yet, as many at once as the scorer takes.
    mutating func scores(_ prompts: [String], question: CandidateQuestion, scorer: CandidateScorer) async throws -> [(scores: CandidateScores, seconds: Double)] {
        var missing: [String] = []
        for prompt in prompts where done[prompt] == nil && !missing.contains(prompt) { missing.append(prompt) }
        let calibrate = self.calibrate
        let scored = try await concurrentMap(missing, limit: scorer.scorer.maxConcurrentRequests) { prompt in
            let started = Date()
            let scores = try await scorer.scores(question, prompt: prompt, calibrate: calibrate)
            return (scores: scores, seconds: Date().timeIntervalSince(started))
        }
        for (prompt, result) in zip(missing, scored) { done[prompt] = result }
        return prompts.map { done[$0]! }
    }
}
