// The benchmark manifest: one JSON item per line (topic, mcq or asr), read with line numbers for every error.
import Foundation
import SLU

public enum BenchTask: String, Codable, Sendable, CaseIterable {
    case topic, mcq, asr
}

/// One manifest item, as written in the JSONL file (paths relative to the manifest).
public struct BenchItem: Codable, Equatable, Sendable {
    public var id: String
    public var lang: String
    public var task: String
    /// One file, or several played in order (a Belebele-Fleurs passage is several FLEURS utterances).
    public var audio: [String]
    /// Reference transcript (needed for asr; optional for topic and mcq).
    public var text: String?
    /// The dataset's own ASR transcript (e.g. SIB-Fleurs' whisper-large-v3 output), for `--text-source dataset-asr`.
    public var datasetASR: String?
    /// Whisper's language code when `lang` is not one (e.g. "en" for "eng_Latn"); the importers write it.
    public var asrLang: String?
    public var label: String?
    public var labels: [String]?
    public var question: String?
    public var options: [String]?
    /// 1-based, as Belebele numbers its answers.
    public var answer: Int?
    /// "dev" or "test" in held-out sets: settings are chosen on dev and reported on test (`--split`).
    public var split: String?

    enum CodingKeys: String, CodingKey {
        case id, lang, task, audio, text, label, labels, question, options, answer, split
        case datasetASR = "dataset_asr", asrLang = "asr_lang"
    }

    public init(id: String, lang: String, task: BenchTask, audio: [String], text: String? = nil,
                datasetASR: String? = nil, asrLang: String? = nil, label: String? = nil, labels: [String]? = nil,
                question: String? = nil, options: [String]? = nil, answer: Int? = nil) {
        self.id = id
        self.lang = lang
        self.task = task.rawValue
        self.audio = audio
        self.text = text
        self.datasetASR = datasetASR
        self.asrLang = asrLang
        self.label = label
        self.labels = labels
        self.question = question
        self.options = options
        self.answer = answer
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        lang = try c.decode(String.self, forKey: .lang)
        task = try c.decode(String.self, forKey: .task)
        // "audio" is a path or a list of paths.
        if let one = try? c.decode(String.self, forKey: .audio) {
            audio = [one]
        } else {
            audio = try c.decodeIfPresent([String].self, forKey: .audio) ?? []
        }
        text = try c.decodeIfPresent(String.self, forKey: .text)
        datasetASR = try c.decodeIfPresent(String.self, forKey: .datasetASR)
        asrLang = try c.decodeIfPresent(String.self, forKey: .asrLang)
        label = try c.decodeIfPresent(String.self, forKey: .label)
        labels = try c.decodeIfPresent([String].self, forKey: .labels)
        question = try c.decodeIfPresent(String.self, forKey: .question)
        options = try c.decodeIfPresent([String].self, forKey: .options)
        answer = try c.decodeIfPresent(Int.self, forKey: .answer)
        split = try c.decodeIfPresent(String.self, forKey: .split)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(lang, forKey: .lang)
        try c.encode(task, forKey: .task)
        if audio.count == 1 { try c.encode(audio[0], forKey: .audio) } else { try c.encode(audio, forKey: .audio) }
        try c.encodeIfPresent(text, forKey: .text)
        try c.encodeIfPresent(datasetASR, forKey: .datasetASR)
        try c.encodeIfPresent(asrLang, forKey: .asrLang)
        try c.encodeIfPresent(label, forKey: .label)
        try c.encodeIfPresent(labels, forKey: .labels)
        try c.encodeIfPresent(question, forKey: .question)
        try c.encodeIfPresent(options, forKey: .options)
        try c.encodeIfPresent(answer, forKey: .answer)
        try c.encodeIfPresent(split, forKey: .split)
    }

    /// The task, or why the item cannot be run: checked per item so one bad item does not stop a run.
    public func validatedTask() throws -> BenchTask {
        guard let task = BenchTask(rawValue: task) else {
            throw ItemError("unknown task \"\(self.task)\" (expected topic, mcq or asr)")
        }
        switch task {
        case .topic:
            guard let label, !label.isEmpty else { throw ItemError("a topic item needs \"label\"") }
            let labels = labels ?? TopicPrompt.sibFleursLabels
            guard !labels.isEmpty else { throw ItemError("\"labels\" is empty") }
            guard labels.contains(label) else { throw ItemError("label \"\(label)\" is not one of the item's labels") }
        case .mcq:
            guard question != nil else { throw ItemError("an mcq item needs \"question\"") }
            guard let options, options.count == 4 else { throw ItemError("an mcq item needs 4 \"options\", got \(options?.count ?? 0)") }
            guard let answer, (1...4).contains(answer) else { throw ItemError("bad answer index \(answer.map(String.init) ?? "(missing)"): expected 1 to 4") }
        case .asr:
            guard text != nil else { throw ItemError("an asr item needs the reference \"text\"") }
        }
        return task
    }
}

/// Why one item could not be run; recorded in the results with the item's manifest line.
public struct ItemError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// A problem with a whole run (unreadable manifest, damaged results file, bad flag values).
public struct BenchError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// A manifest line that is not an item at all (not JSON, or missing id/lang/task).
public struct ManifestLineError: Error, CustomStringConvertible, Equatable {
    public let manifest: String
    public let line: Int
    public let problem: String
    public var description: String { "\(manifest):\(line): \(problem)" }
}

/// An item with where it came from: the manifest's folder resolves its audio paths.
public struct ManifestEntry: Sendable {
    public var item: BenchItem
    public var manifest: URL
    public var line: Int

    public var audioURLs: [URL] {
        let folder = manifest.deletingLastPathComponent()
        return item.audio.map { $0.hasPrefix("/") ? URL(fileURLWithPath: $0) : folder.appendingPathComponent($0) }
    }
}

public enum Manifest {
    /// Every item of a JSONL manifest, and every malformed line with its number (blank lines and # comments skipped).
    public static func read(_ url: URL) throws -> (entries: [ManifestEntry], errors: [ManifestLineError]) {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw BenchError("\(url.path): cannot read the manifest (\(error.localizedDescription))")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw BenchError("\(url.path): the manifest is not UTF-8 text")
        }
        var entries: [ManifestEntry] = [], errors: [ManifestLineError] = []
        let decoder = JSONDecoder()
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty, !trimmed.hasPrefix("#") else { continue }
            do {
                let item = try decoder.decode(BenchItem.self, from: Data(trimmed.utf8))
                entries.append(ManifestEntry(item: item, manifest: url, line: index + 1))
            } catch {
                errors.append(ManifestLineError(manifest: url.path, line: index + 1, problem: describe(error)))
            }
        }
        return (entries, errors)
    }

    private static func describe(_ error: Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, _): return "missing \"\(key.stringValue)\""
        case DecodingError.typeMismatch(_, let context): return "wrong type for \"\(context.codingPath.map(\.stringValue).joined(separator: "."))\""
        case DecodingError.dataCorrupted: return "not a JSON object"
        default: return "not a manifest item (\(error))"
        }
    }
}
