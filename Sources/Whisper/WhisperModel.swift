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

    public static func load(from folder: URL) throws -> WhisperModel { try WhisperModel(folder: folder) }

    public init(folder: URL) throws {
        self.folder = folder
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw WhisperError.notAWhisperModel(path: folder.path, reason: "no such folder")
        }
        let binary = folder.appendingPathComponent("model.bin")
        guard FileManager.default.fileExists(atPath: binary.path) else { throw WhisperError.missingFile(folder: folder.path, file: "model.bin") }
        let config = try WhisperModel.readConfig(folder)
        tokenizer = try WhisperTokenizer(folder: folder)
        let file = try ModelFile(path: binary.path)
        guard file.specName == "WhisperSpec" else {
            throw WhisperError.notAWhisperModel(path: binary.path, reason: "model spec is \(file.specName), not WhisperSpec")
        }
        let conv1 = try file.tensor("encoder/conv1/weight")
        guard conv1.shape.count == 3 else {
            throw WhisperError.corruptModel(path: binary.path, field: "encoder/conv1/weight", reason: "rank \(conv1.shape.count), expected 3")
        }
        width = conv1.shape[0]
        melBins = conv1.shape[1]
        func layerCount(_ prefix: String) -> Int {
            var count = 0
            while file.variables["\(prefix)/layer_\(count)/ffn/linear_0/weight"] != nil { count += 1 }
            return count
        }
        let encoderHeads = Int(file.scalar("encoder/num_heads") ?? Float(width / 64))
        let decoderHeads = Int(file.scalar("decoder/num_heads") ?? Float(width / 64))
        encoder = try Encoder(file, melBins: melBins, width: width, heads: encoderHeads, layerCount: layerCount("encoder"))
        decoder = try Decoder(file, vocabularySize: tokenizer.tokens.count, width: width, heads: decoderHeads, layerCount: layerCount("decoder"))
        let s = tokenizer.specials
        suppressedTokens = Array(Set(config.suppressIDs + [s.transcribe, s.translate, s.startOfTranscript, s.startOfPrevious,
                                                           s.startOfLM, s.noSpeech].filter { $0 >= 0 })).sorted()
        suppressedAtBegin = config.suppressIDsBegin
        // Without the list (older conversions), openai-whisper's default: every head of the upper half of the layers.
        let layers = decoder.layers.count
        alignmentHeads = config.alignmentHeads?.compactMap { $0.count == 2 ? ($0[0], $0[1]) : nil }
            ?? (layers / 2..<layers).flatMap { layer in (0..<decoderHeads).map { (layer, $0) } }
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
