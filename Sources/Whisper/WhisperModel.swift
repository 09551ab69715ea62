// A Whisper model loaded from a CTranslate2 folder (the faster-whisper format): weights, tokenizer and settings.
import Features
import Foundation
import HarkNumerics

public final class WhisperModel {
    public let folder: URL
    public let tokenizer: WhisperTokenizer
    public let melBins: Int
    public let width: Int
    public var isMultilingual: Bool { tokenizer.isMultilingual }
    /// Tokens never sampled (non-speech symbols from config.json plus the task and control specials).
    let suppressedTokens: [Int]
    /// Tokens suppressed at the first sampled position (a blank and end-of-text).
    let suppressedAtBegin: [Int]
    /// (layer, head) pairs of decoder cross-attention that follow the speech in time, for word timings.
    let alignmentHeads: [(layer: Int, head: Int)]
    let encoder: Encoder
    let decoder: Decoder
    /// The float16 embeddings with an int8 screen for greedy steps (`greedyLogits`), made at the first one.
    private var logitScreen: ScreenedMatrix?
    private let logitScreenLock = NSLock()

    public let computeType: ComputeType

    public static func load(from folder: URL, computeType: ComputeType = .default,
                            pool: ThreadPool = .allCores()) throws -> WhisperModel {
        try WhisperModel(folder: folder, computeType: computeType, pool: pool)
    }

    public init(folder: URL, computeType: ComputeType = .default, pool: ThreadPool = .allCores()) throws {
        self.folder = folder
        self.computeType = computeType
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw WhisperError.notAWhisperModel(path: folder.path, reason: "no such folder")
        }
        let binary = folder.appendingPathComponent("model.bin")
        guard FileManager.default.fileExists(atPath: binary.path) else { throw WhisperError.missingFile(folder: folder.path, file: "model.bin") }
        let config = try WhisperModel.readConfig(folder)
        // The tokenizer's JSON is parsed on another thread while the weights load: each takes a few tenths of a
        // second, a share of every short transcription. Its errors still come first, as if it had loaded first.
        let tokenizerLoad = DispatchGroup()
        nonisolated(unsafe) var loadedTokenizer: Result<WhisperTokenizer, Error>!
        DispatchQueue.global().async(group: tokenizerLoad) { loadedTokenizer = Result { try WhisperTokenizer(folder: folder) } }
        let weights = Result { try WhisperModel.readWeights(binary, computeType: computeType, pool: pool) }
        tokenizerLoad.wait()
        tokenizer = try loadedTokenizer.get()
        let (encoder, decoder) = try weights.get()
        self.encoder = encoder
        self.decoder = decoder
        width = encoder.width
        melBins = encoder.melBins
        guard decoder.vocabularySize == tokenizer.tokens.count else {
            throw WhisperError.badShape(path: binary.path, name: "decoder/embeddings/weight",
                                        expected: [tokenizer.tokens.count, width], actual: [decoder.vocabularySize, width])
        }
        let configPath = folder.appendingPathComponent("config.json").path
        let vocabulary = 0..<tokenizer.tokens.count
        for (key, ids) in [("suppress_ids", config.suppressIDs), ("suppress_ids_begin", config.suppressIDsBegin)] {
            if let id = ids.first(where: { !vocabulary.contains($0) }) {
                throw WhisperError.corruptModel(path: configPath, field: key, reason: "token \(id) is not in the \(vocabulary.count)-token vocabulary")
            }
        }
        let s = tokenizer.specials
        suppressedTokens = Array(Set(config.suppressIDs + [s.transcribe, s.translate, s.startOfTranscript, s.startOfPrevious,
                                                           s.startOfLM, s.noSpeech].filter { $0 >= 0 })).sorted()
        suppressedAtBegin = config.suppressIDsBegin
        // Without the list (older conversions), openai-whisper's default: every head of the upper half of the layers.
        let layers = decoder.layers.count
        alignmentHeads = config.alignmentHeads?.compactMap { $0.count == 2 ? ($0[0], $0[1]) : nil }
            ?? (layers / 2..<layers).flatMap { layer in (0..<decoder.heads).map { (layer, $0) } }
        if let head = alignmentHeads.first(where: { !(0..<layers).contains($0.layer) || !(0..<decoder.heads).contains($0.head) }) {
            throw WhisperError.corruptModel(path: configPath, field: "alignment_heads",
                                            reason: "layer \(head.layer) head \(head.head) is not one of the decoder's \(layers) layers x \(decoder.heads) heads")
        }
    }

    /// Logits of a greedy step's hidden state [1, width] for choosing its token, through the float16 embeddings'
    /// int8 screen (`ScreenedMatrix`): exact for end-of-text, the other specials and the timestamps (the timestamp
    /// rule sums their probabilities), and for every unsuppressed text token that may lie within
    /// `greedyExactMargin` of the likeliest; the other text tokens' only estimated, below those. The float16
    /// compute type only: its embeddings are the largest read of a step.
    func greedyLogits(_ hidden: Tensor) -> [Float] {
        guard hidden.rows == 1, case let .float16(embeddings) = decoder.embeddings else { return decoder.logits(hidden).data }
        let screen = logitScreenLock.withLock {
            if let logitScreen { return logitScreen }
            let specials = tokenizer.specials
            var ranked = [Bool](repeating: false, count: embeddings.rows)
            for token in 0..<min(specials.endOfText, ranked.count) { ranked[token] = true }
            for token in suppressedTokens where token < ranked.count { ranked[token] = false }
            logitScreen = ScreenedMatrix(embeddings, ranked: ranked, alwaysExact: specials.endOfText..<embeddings.rows,
                                         pool: decoder.pool)
            return logitScreen!
        }
        return screen.product(hidden.data, margin: Self.greedyExactMargin, pool: decoder.pool)
    }

    /// Text tokens this far (in logits) below the likeliest are exact too, so that the log-softmax's normalizer,
    /// and with it a segment's avg_logprob, barely moves: on jfk's greedy steps by at most 6e-5 (3e-3 with none),
    /// while the steps of a 10-minute recording multiplied a median of 109 and a mean of 265 of the 3242 panels
    /// in float16, 101 of them always (a margin of 10: 200 and 593, for 2e-5).
    static let greedyExactMargin: Float = 6

    /// The encoder and decoder from model.bin, their sizes read from the weights' shapes.
    private static func readWeights(_ binary: URL, computeType: ComputeType, pool: ThreadPool) throws -> (Encoder, Decoder) {
        let modelFile = try ModelFile(path: binary.path)
        guard modelFile.specName == "WhisperSpec" else {
            throw WhisperError.notAWhisperModel(path: binary.path, reason: "model spec is \(modelFile.specName), not WhisperSpec")
        }
        let file = LayerLoader(file: modelFile, computeType: computeType, pool: pool)
        let conv1 = try modelFile.variable("encoder/conv1/weight", shape: nil)
        guard conv1.shape.count == 3 else {
            throw WhisperError.corruptModel(path: binary.path, field: "encoder/conv1/weight", reason: "rank \(conv1.shape.count), expected 3")
        }
        let width = conv1.shape[0], melBins = conv1.shape[1]
        let embeddings = try modelFile.variable("decoder/embeddings/weight", shape: nil)
        guard embeddings.shape.count == 2, embeddings.shape[1] == width else {
            throw WhisperError.badShape(path: binary.path, name: "decoder/embeddings/weight", expected: [embeddings.shape.first ?? 0, width],
                                        actual: embeddings.shape)
        }
        func layerCount(_ prefix: String) -> Int {
            var count = 0
            while modelFile.variables["\(prefix)/layer_\(count)/ffn/linear_0/weight"] != nil { count += 1 }
            return count
        }
        guard width > 0, melBins > 0 else {
            throw WhisperError.badShape(path: binary.path, name: "encoder/conv1/weight", expected: [width, melBins, 3], actual: conv1.shape)
        }
        /// A stored head count (a float32 scalar), or Whisper's 64-wide heads; it must split the width evenly.
        func heads(_ name: String) throws -> Int {
            let stored = modelFile.scalar(name) ?? Float(max(width / 64, 1))
            guard stored.isFinite, stored >= 1, stored <= Float(width), let heads = Int(exactly: stored), width % heads == 0 else {
                throw WhisperError.corruptModel(path: binary.path, field: name, reason: "\(stored) heads cannot split a width of \(width)")
            }
            return heads
        }
        let encoderHeads = try heads("encoder/num_heads")
        let decoderHeads = try heads("decoder/num_heads")
        return (try Encoder(file, melBins: melBins, width: width, heads: encoderHeads, layerCount: layerCount("encoder")),
                try Decoder(file, vocabularySize: embeddings.shape[0], width: width, heads: decoderHeads,
                            layerCount: layerCount("decoder")))
    }

    private struct Config: Decodable {
        let suppressIDs: [Int]
        let suppressIDsBegin: [Int]
        let alignmentHeads: [[Int]]?

        enum CodingKeys: String, CodingKey {
            case suppressIDs = "suppress_ids", suppressIDsBegin = "suppress_ids_begin", alignmentHeads = "alignment_heads"
        }
    }

    private static func readConfig(_ folder: URL) throws -> Config {
        let url = folder.appendingPathComponent("config.json")
        guard let data = FileManager.default.contents(atPath: url.path) else { throw WhisperError.missingFile(folder: folder.path, file: "config.json") }
        do { return try JSONDecoder().decode(Config.self, from: data) } catch {
            throw WhisperError.notAWhisperModel(path: url.path, reason: "config.json lacks suppress_ids/suppress_ids_begin")
        }
    }

    /// Encoder output [1500, width] of one window of features [3000, melBins].
    public func encode(_ window: Tensor) throws -> Tensor {
        guard window.columns == melBins else { throw WhisperError.featureMismatch(expectedMels: melBins, actualMels: window.columns) }
        return encoder(WhisperLogMel.padOrTrim(window))
    }
}

/// How the model keeps its weight matrices and multiplies by them, like CTranslate2's `compute_type`.
public enum ComputeType: String, CaseIterable, Sendable {
    /// Weights widened to float32 at load; products through OpenBLAS.
    case float32
    /// Weights kept in float16 as the model files store them (half the memory and the bytes each decoding step
    /// reads), widened in registers; sums in float32.
    case float16
    /// Weights rounded to int8 with one scale per row (a quarter of float32's bytes), widened in registers;
    /// activations and sums stay float32. Transcripts may differ from the float types' in a few words.
    case int8

    public static let `default` = ComputeType.float16
}
