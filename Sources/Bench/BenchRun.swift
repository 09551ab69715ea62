// A benchmark run: one shared ASR pass per item, then every configuration's LLM decision, each recorded as it finishes.
import Audio
import Foundation
import SLU

/// Where the LLM's input text comes from: our recognizer, the reference transcript, or the dataset's own ASR.
public enum TextSource: String, CaseIterable, Sendable {
    case asr, reference
    case datasetASR = "dataset-asr"
}

/// One cell of the experiment grid: how many transcripts go into the prompt, and calibrated or raw label scores.
public struct BenchConfiguration: Hashable, Sendable {
    public var nBest: Int
    public var calibrated: Bool
    public var textSource: TextSource

    public init(nBest: Int, calibrated: Bool, textSource: TextSource) {
        self.nBest = nBest
        self.calibrated = calibrated
        self.textSource = textSource
    }

    /// Short and stable, e.g. "n5/cal" or "reference/raw": the report's column heading and the merge key.
    public var name: String {
        let text = textSource == .asr ? "n\(nBest)" : textSource.rawValue
        return "\(text)/\(calibrated ? "cal" : "raw")"
    }

    /// Every combination of the given lists; reference and dataset text have one hypothesis, so n-best collapses there.
    public static func grid(nBest: [Int], calibration: [Bool], textSource: TextSource) -> [BenchConfiguration] {
        let counts = textSource == .asr ? nBest : [1]
        return counts.flatMap { n in calibration.map { BenchConfiguration(nBest: n, calibrated: $0, textSource: textSource) } }
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
    /// Called after each item with (items done, items in total).
    public var progress: (Int, Int) -> Void = { _, _ in }
    public private(set) var counts = RunCounts()
    /// One classifier for the run, so the calibration prior is scored once per label set, not once per item.
    private lazy var topicClassifier = scorer.map { TopicClassifier(scorer: $0) }

    public init(log: ResultLog, configurations: [BenchConfiguration], recognizer: SpeechRecognizer?, scorer: LogLikelihoodScorer?) {
        self.log = log
        self.configurations = configurations
        self.recognizer = recognizer
        self.scorer = scorer
    }

    private var textSource: TextSource { configurations.first?.textSource ?? .asr }
    private var largestNBest: Int { configurations.map(\.nBest).max() ?? 1 }

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

    private func run(_ entry: ManifestEntry) async throws {
        let task = try entry.item.validatedTask()
        let needsASR = task == .asr || textSource == .asr
        let asr = needsASR ? try recognize(entry, task: task) : nil
        guard task != .asr else { return }

        // Calibrated and raw choices come from the same LLM scores: one scoring per (n-best, text source).
        let groups = Dictionary(grouping: configurations) { $0.nBest }
        for nBest in groups.keys.sorted() {
            let group = groups[nBest]!
            let pending = group.filter { log.record(key(entry, $0)) == nil }
            counts.reused += group.count - pending.count
            guard !pending.isEmpty else { continue }
            let hypotheses = try input(entry, asr: asr, nBest: nBest)
            guard hypotheses.contains(where: { !$0.text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }) else {
                // The cascade heard nothing: a wrong answer, not a missing one (dropping it would flatter accuracy).
                for configuration in pending {
                    var record = BenchRecord(key: key(entry, configuration), entry: entry, config: configuration.name)
                    record.transcripts = hypotheses
                    record.expected = expectedAnswer(entry.item, task: task)
                    record.correct = false
                    record.note = "the transcript is empty: counted as wrong"
                    try log.append(record)
                    counts.computed += 1
                }
                continue
            }
            let started = Date()
            let scored = try await score(entry.item, task: task, hypotheses: hypotheses, calibrate: pending.contains { $0.calibrated })
            let seconds = Date().timeIntervalSince(started)
            for configuration in pending {
                var record = BenchRecord(key: key(entry, configuration), entry: entry, config: configuration.name)
                record.transcripts = hypotheses
                record.rawScores = scored.raw
                record.scores = configuration.calibrated ? scored.calibrated : scored.raw
                let chosen = record.scores!.max { $0.value < $1.value || ($0.value == $1.value && $0.key > $1.key) }!.key
                record.prediction = chosen
                record.expected = scored.expected
                record.correct = chosen == scored.expected
                record.prompt = scored.prompt
                record.seconds = seconds
                try log.append(record)
                counts.computed += 1
            }
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
        if configuration.textSource == .asr { parts.append("asr=\(recognizer?.fingerprint ?? "none")") }
        return parts.joined(separator: "|")
    }

    private func input(_ entry: ManifestEntry, asr: BenchRecord?, nBest: Int) throws -> [TranscriptHypothesis] {
        switch textSource {
        case .asr:
            return Array((asr?.transcripts ?? []).prefix(nBest))
        case .reference:
            guard let text = entry.item.text else { throw ItemError("--text-source reference needs the item's \"text\"") }
            return [TranscriptHypothesis(text: text, score: 0)]
        case .datasetASR:
            guard let text = entry.item.datasetASR else { throw ItemError("--text-source dataset-asr needs the item's \"dataset_asr\"") }
            return [TranscriptHypothesis(text: text, score: 0)]
        }
    }

    /// The label, or the answer's letter (the scores of an mcq item are keyed A-D).
    private func expectedAnswer(_ item: BenchItem, task: BenchTask) -> String {
        task == .topic ? item.label! : MultipleChoicePrompt.letters[item.answer! - 1]
    }

    private struct Scored {
        var raw: [String: Double]
        var calibrated: [String: Double]
        var expected: String
        var prompt: String
    }

    private func score(_ item: BenchItem, task: BenchTask, hypotheses: [TranscriptHypothesis], calibrate: Bool) async throws -> Scored {
        guard let scorer else { throw BenchError("this run needs a language model") }
        do {
            if task == .topic {
                var classifier = topicClassifier!  // a copy shares the prior cache
                classifier.calibrated = calibrate
                let decision = try await classifier.classify(hypotheses, labels: item.labels ?? TopicPrompt.sibFleursLabels)
                return Scored(raw: decision.rawScores, calibrated: decision.scores, expected: expectedAnswer(item, task: task), prompt: decision.prompt)
            }
            let decision = try await MultipleChoice(scorer: scorer, calibrated: calibrate)
                .answer(passage: hypotheses, question: item.question!, options: item.options!)
            let letters = MultipleChoicePrompt.letters
            return Scored(raw: Dictionary(uniqueKeysWithValues: zip(letters, decision.rawScores)),
                          calibrated: Dictionary(uniqueKeysWithValues: zip(letters, decision.scores)),
                          expected: expectedAnswer(item, task: task), prompt: decision.prompt)
        } catch let error as SLUError {
            throw ItemError(error.description)
        }
    }
}
