// What a run has finished: one JSON line per item and configuration, appended and fsync'd as each finishes.
import Foundation
import Scoring
import SLU

/// One line of `results.jsonl`: an ASR pass, an LLM decision under one configuration, or an item's error.
public struct BenchRecord: Codable, Equatable, Sendable {
    /// Item, configuration and model fingerprints: a record is reused only when all of them match.
    public var key: String
    public var item: String
    public var lang: String
    public var task: String
    /// "asr" for the recognition pass, a configuration name such as "n5/cal", or "error".
    public var config: String
    public var manifest: String
    public var line: Int
    public var transcripts: [TranscriptHypothesis]?
    public var prediction: String?
    public var expected: String?
    public var correct: Bool?
    public var scores: [String: Double]?
    public var rawScores: [String: Double]?
    public var prompt: String?
    /// The candidates' keys in the order of the score lists below (labels, or the letters A-D).
    public var candidates: [String]?
    /// Marginal configurations: each distinct hypothesis' posterior weight and candidate scores, best first.
    public var weights: [Double]?
    public var hypothesisScores: [CandidateScores]?
    public var wordErrors: ErrorCount?
    public var characterErrors: ErrorCount?
    public var seconds: Double?
    /// Why a result is what it is when that is not obvious (e.g. an empty transcript counted as wrong).
    public var note: String?
    public var error: String?

    enum CodingKeys: String, CodingKey {
        case key, item, lang, task, config, manifest, line, transcripts, prediction, expected, correct, scores, prompt, seconds, note, error
        case candidates, weights
        case rawScores = "raw_scores", wordErrors = "word_errors", characterErrors = "character_errors"
        case hypothesisScores = "hypothesis_scores"
    }

    /// The note of an ASR record whose best transcript repeated itself and was cut.
    public static let repetitionNote = "repetition loop cut"

    public init(key: String, entry: ManifestEntry, config: String) {
        self.key = key
        item = entry.item.id
        lang = entry.item.lang
        task = entry.item.task
        self.config = config
        manifest = entry.manifest.lastPathComponent
        line = entry.line
    }
}

/// The append-only log behind `results.jsonl`. A crash can leave at most a partial last line, which is cut off
/// on the next open; every complete line is a finished record.
public final class ResultLog {
    public let url: URL
    public private(set) var records: [String: BenchRecord] = [:]
    /// Records in the order they were written (the report sorts them; this keeps the file readable).
    public private(set) var order: [String] = []
    private let handle: FileHandle

    public init(directory: URL) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        url = directory.appendingPathComponent("results.jsonl")
        if !FileManager.default.fileExists(atPath: url.path) {
            guard FileManager.default.createFile(atPath: url.path, contents: nil) else { throw BenchError("\(url.path): cannot create the results file") }
        }
        let (loaded, completeLength) = try ResultLog.load(url)
        handle = try FileHandle(forUpdating: url)
        try handle.truncate(atOffset: completeLength)
        try handle.seekToEnd()
        for record in loaded { remember(record) }
    }

    deinit { try? handle.close() }

    public func record(_ key: String) -> BenchRecord? { records[key] }

    /// Every record, in the order first written.
    public var orderedRecords: [BenchRecord] { order.compactMap { records[$0] } }

    public func append(_ record: BenchRecord) throws {
        var line = try ResultLog.encoder.encode(record)
        line.append(0x0A)
        let end = try handle.offset()
        do {
            try handle.write(contentsOf: line)
            try handle.synchronize()
        } catch {
            // A part of the line may have been written (a full disk): cut it off, or the next record would be
            // glued to it into a damaged complete line.
            try? handle.truncate(atOffset: end)
            throw BenchError("\(url.path): cannot write: \(FileErrors.reason(error))")
        }
        remember(record)
    }

    private func remember(_ record: BenchRecord) {
        if records.updateValue(record, forKey: record.key) == nil { order.append(record.key) }
    }

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    /// Every complete record of a results file and the length of its complete part.
    public static func load(_ url: URL) throws -> (records: [BenchRecord], completeLength: UInt64) {
        let data = try Data(contentsOf: url)
        var records: [BenchRecord] = []
        var completeLength = 0
        var start = data.startIndex
        var lineNumber = 0
        while let newline = data[start...].firstIndex(of: 0x0A) {
            lineNumber += 1
            guard let record = try? JSONDecoder().decode(BenchRecord.self, from: data[start..<newline]) else {
                // Only the unterminated tail can be a crash's leftover; a bad complete line is damage we must not hide.
                throw BenchError("\(url.path):\(lineNumber): not a result record; move the file away to start afresh")
            }
            records.append(record)
            start = newline + 1
            completeLength = start - data.startIndex
        }
        return (records, UInt64(completeLength))
    }
}

extension ErrorCount: Codable {
    enum CodingKeys: String, CodingKey { case edits, referenceLength = "reference_length" }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(edits: try c.decode(Int.self, forKey: .edits), referenceLength: try c.decode(Int.self, forKey: .referenceLength))
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(edits, forKey: .edits)
        try c.encode(referenceLength, forKey: .referenceLength)
    }
}
