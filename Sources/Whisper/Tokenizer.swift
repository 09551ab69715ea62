// Whisper's byte-level BPE vocabulary: token ids to text (and back, for prompts), and the special tokens.
import Foundation

public struct WhisperTokenizer: Sendable {
    /// Token strings in GPT-2's byte-to-unicode alphabet, indexed by id.
    public let tokens: [String]
    public let isMultilingual: Bool
    public let specials: SpecialTokens
    /// Language codes in token order (<|en|> first), as the vocabulary lists them.
    public let languages: [String]
    private let idsByToken: [String: Int]
    private let mergeRanks: [String: Int]
    private static let byteForCharacter: [Character: UInt8] = {
        var table: [Character: UInt8] = [:]
        for (byte, scalar) in byteToUnicode.enumerated() { table[Character(scalar)] = UInt8(byte) }
        return table
    }()

    public struct SpecialTokens: Sendable {
        public let endOfText, startOfTranscript, translate, transcribe, startOfLM, startOfPrevious: Int
        public let noSpeech, noTimestamps, timestampBegin: Int
        public var firstLanguage: Int { startOfTranscript + 1 }
    }

    /// Reads vocabulary.json (a JSON list) or vocabulary.txt (one token per line), plus merges from tokenizer.json.
    public init(folder: URL) throws {
        let jsonURL = folder.appendingPathComponent("vocabulary.json")
        let textURL = folder.appendingPathComponent("vocabulary.txt")
        if let data = FileManager.default.contents(atPath: jsonURL.path) {
            guard let list = try? JSONDecoder().decode([String].self, from: data) else {
                throw WhisperError.notAWhisperModel(path: jsonURL.path, reason: "vocabulary.json is not a list of strings")
            }
            tokens = list
        } else if let data = FileManager.default.contents(atPath: textURL.path) {
            var lines = String(decoding: data, as: UTF8.self).components(separatedBy: "\n")
            if lines.last == "" { lines.removeLast() }
            tokens = lines
        } else {
            throw WhisperError.missingFile(folder: folder.path, file: "vocabulary.json (or vocabulary.txt)")
        }
        var ids: [String: Int] = [:]
        for (id, token) in tokens.enumerated() where ids[token] == nil { ids[token] = id }
        idsByToken = ids
        func id(_ token: String) throws -> Int {
            guard let id = ids[token] else {
                throw WhisperError.notAWhisperModel(path: folder.path, reason: "vocabulary has no \(token)")
            }
            return id
        }
        let sot = try id("<|startoftranscript|>")
        specials = SpecialTokens(
            endOfText: try id("<|endoftext|>"), startOfTranscript: sot, translate: try id("<|translate|>"),
            transcribe: try id("<|transcribe|>"), startOfLM: try id("<|startoflm|>"), startOfPrevious: try id("<|startofprev|>"),
            noSpeech: ids["<|nospeech|>"] ?? ids["<|nocaptions|>"] ?? -1, noTimestamps: try id("<|notimestamps|>"),
            timestampBegin: try id("<|0.00|>"))
        // The decoder offers every timestamp of a 30-s window, <|0.00|> to <|30.00|>, in 0.02-s steps.
        guard tokens.count > specials.timestampBegin + 1500 else {
            throw WhisperError.notAWhisperModel(path: folder.path, reason: "vocabulary ends before the last timestamp token <|30.00|>")
        }
        var codes: [String] = []
        var next = sot + 1
        while next < tokens.count, tokens[next].hasPrefix("<|"), tokens[next] != "<|translate|>" {
            codes.append(String(tokens[next].dropFirst(2).dropLast(2)))
            next += 1
        }
        languages = codes
        // English-only models have a vocabulary one entry shorter (no <|nocaptions|>-era shifts aside).
        isMultilingual = tokens.count >= 51865
        mergeRanks = try WhisperTokenizer.loadMerges(folder: folder)
    }

    public func languageToken(_ code: String) throws -> Int {
        guard let index = languages.firstIndex(of: code) else { throw WhisperError.unknownLanguage(code) }
        return specials.firstLanguage + index
    }

    public func isTimestamp(_ token: Int) -> Bool { token >= specials.timestampBegin }

    /// The timestamp token nearest `seconds` into a window (<|0.00|> ... <|30.00|> in steps of 0.02 s), or nil
    /// outside the window.
    public func timestampToken(at seconds: Double) -> Int? {
        let step = Int((seconds / Transcriber.secondsPerTimestep).rounded())
        return (0...1500).contains(step) ? specials.timestampBegin + step : nil
    }

    /// Text of the ordinary tokens; specials and timestamps are skipped; bytes are joined before UTF-8
    /// decoding so a character split across tokens comes out whole.
    public func decode(_ ids: [Int]) -> String {
        var bytes: [UInt8] = []
        for id in ids where id < specials.endOfText && id >= 0 && id < tokens.count {
            for character in tokens[id] {
                if let byte = WhisperTokenizer.byteForCharacter[character] { bytes.append(byte) }
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Whether an ordinary token's text begins with a space: where a word starts in space-separated scripts.
    public func startsWithSpace(_ id: Int) -> Bool {
        guard id >= 0, id < specials.endOfText, id < tokens.count, let first = tokens[id].first else { return false }
        return WhisperTokenizer.byteForCharacter[first] == UInt8(ascii: " ")
    }

    /// Token ids of text (for prompts): GPT-2 pre-tokenization, then BPE merges from tokenizer.json.
    public func encode(_ text: String) -> [Int] {
        var ids: [Int] = []
        for word in WhisperTokenizer.preTokenize(text) {
            let symbols = Array(word.utf8).map { String(Character(WhisperTokenizer.byteToUnicode[Int($0)])) }
            for piece in bytePairMerge(symbols) {
                if let id = idsByToken[piece] { ids.append(id) }
            }
        }
        return ids
    }

    private func bytePairMerge(_ start: [String]) -> [String] {
        var parts = start
        while parts.count > 1 {
            var best: (rank: Int, index: Int)? = nil
            for i in 0..<(parts.count - 1) {
                if let rank = mergeRanks[parts[i] + " " + parts[i + 1]], rank < (best?.rank ?? .max) { best = (rank, i) }
            }
            guard let best else { break }
            parts[best.index] += parts[best.index + 1]
            parts.remove(at: best.index + 1)
        }
        return parts
    }

    /// GPT-2's split: contractions, letter runs, digit runs, other-symbol runs, each with one leading space.
    static func preTokenize(_ text: String) -> [String] {
        let pattern = #"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"#
        guard let regex = try? NSRegularExpression(pattern: pattern) else { return [text] }
        let range = NSRange(text.startIndex..., in: text)
        return regex.matches(in: text, range: range).compactMap { Range($0.range, in: text).map { String(text[$0]) } }
    }

    /// BPE merge ranks from tokenizer.json; without them a prompt would be encoded byte by byte, so a missing or
    /// unreadable file is an error, not an empty table.
    private static func loadMerges(folder: URL) throws -> [String: Int] {
        let url = folder.appendingPathComponent("tokenizer.json")
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw WhisperError.missingFile(folder: folder.path, file: "tokenizer.json")
        }
        // JSONDecoder reads only the merges; JSONSerialization built every object of the 4 MB file (0.3 s).
        guard let merges = try? JSONDecoder().decode(TokenizerFile.self, from: data).model.merges, !merges.isEmpty else {
            throw WhisperError.notAWhisperModel(path: url.path, reason: "no BPE merges (model.merges)")
        }
        var ranks: [String: Int] = [:]
        ranks.reserveCapacity(merges.count)
        for (rank, merge) in merges.enumerated() where ranks[merge.pair] == nil { ranks[merge.pair] = rank }
        return ranks
    }

    /// The part of a Hugging Face tokenizer.json that encoding needs.
    private struct TokenizerFile: Decodable {
        struct Model: Decodable { let merges: [Merge] }
        /// A merge is "a b" in older files and ["a", "b"] in newer ones.
        struct Merge: Decodable {
            let pair: String
            init(from decoder: Swift.Decoder) throws {
                let container = try decoder.singleValueContainer()
                if let text = try? container.decode(String.self) { pair = text; return }
                let parts = try container.decode([String].self)
                guard parts.count == 2 else {
                    throw DecodingError.dataCorruptedError(in: container, debugDescription: "a merge has two parts")
                }
                pair = parts[0] + " " + parts[1]
            }
        }
        let model: Model
    }

    /// GPT-2's reversible map from bytes to printable unicode characters.
    static let byteToUnicode: [Unicode.Scalar] = {
        var printable = Array(33...126) + Array(161...172) + Array(174...255)
        var scalars = printable
        var extra = 0
        for byte in 0..<256 where !printable.contains(byte) {
            printable.append(byte)
            scalars.append(256 + extra)
            extra += 1
        }
        var table = [Unicode.Scalar](repeating: " ", count: 256)
        for (byte, scalar) in zip(printable, scalars) { table[byte] = Unicode.Scalar(UInt32(scalar))! }
        return table
    }()
}
