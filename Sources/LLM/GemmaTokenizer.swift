// Gemma's SentencePiece-style vocabulary from the GGUF, tokenizing as llama.cpp's SPM tokenizer does.
import Foundation
import HeapModule

public struct GemmaTokenizer: Sendable {
    public let tokens: [String]
    public let scores: [Float]
    public let beginOfSequence: Int
    public let endOfSequence: Int
    public let addsBeginOfSequence: Bool
    public var vocabularySize: Int { tokens.count }
    private let idsByToken: [String: Int]
    /// User-defined pieces ("\n", runs of spaces, "\t", HTML tags), matched whole before the merges, longest first.
    private let userDefined: [(bytes: [UInt8], id: Int)]
    private let byteTokens: [Int]

    /// SentencePiece's token types as the GGUF stores them.
    enum TokenType: Int32 { case normal = 1, unknown = 2, control = 3, userDefined = 4, unused = 5, byte = 6 }

    init(_ file: GGUFFile) throws {
        func array(_ key: String) throws -> [GGUFValue] {
            guard let values = file.metadata[key]?.array else { throw LLMError.missingKey(path: file.path, key: key) }
            return values
        }
        let model = try file.string("tokenizer.ggml.model")
        guard model == "llama" else {
            throw LLMError.corrupt(path: file.path, field: "tokenizer.ggml.model", reason: "tokenizer '\(model)' is not supported (Hark reads SentencePiece 'llama')")
        }
        let tokens = try array("tokenizer.ggml.tokens").map { $0.string ?? "" }
        self.tokens = tokens
        scores = try array("tokenizer.ggml.scores").map { $0.float ?? 0 }
        let types = try array("tokenizer.ggml.token_type").map { type in
            guard let code = type.int.flatMap(Int32.init(exactly:)) else {
                throw LLMError.corrupt(path: file.path, field: "tokenizer.ggml.token_type", reason: "\(type) is not a token type")
            }
            return code
        }
        guard scores.count == tokens.count, types.count == tokens.count else {
            throw LLMError.corrupt(path: file.path, field: "tokenizer.ggml.scores", reason: "\(scores.count) scores and \(types.count) types for \(tokens.count) tokens")
        }
        func tokenID(_ key: String) throws -> Int {
            let id = try file.int(key)
            guard tokens.indices.contains(id) else {
                throw LLMError.corrupt(path: file.path, field: key, reason: "token \(id) is not in the \(tokens.count)-token vocabulary")
            }
            return id
        }
        beginOfSequence = try tokenID("tokenizer.ggml.bos_token_id")
        endOfSequence = try tokenID("tokenizer.ggml.eos_token_id")
        addsBeginOfSequence = file.metadata["tokenizer.ggml.add_bos_token"]?.bool ?? true
        var ids: [String: Int] = [:]
        for (id, token) in tokens.enumerated() where ids[token] == nil { ids[token] = id }
        idsByToken = ids
        userDefined = types.enumerated()
            .filter { $0.element == TokenType.userDefined.rawValue }
            .map { (Array(tokens[$0.offset].utf8), $0.offset) }
            .sorted { $0.bytes.count > $1.bytes.count }
        byteTokens = try (0..<256).map { byte in
            guard let id = ids[String(format: "<0x%02X>", byte)] else {
                throw LLMError.corrupt(path: file.path, field: "tokenizer.ggml.tokens", reason: "no byte token <0x\(String(format: "%02X", byte))>")
            }
            return id
        }
    }

    /// Token ids of `text` (no BOS; see `encode(_:addBOS:)`).
    public func encode(_ text: String, addBOS: Bool = false) -> [Int] {
        var ids = addBOS ? [beginOfSequence] : []
        for fragment in partition(Array(text.utf8)) {
            switch fragment {
            case let .token(id): ids.append(id)
            case let .text(bytes): ids += mergePieces(String(decoding: bytes, as: UTF8.self))
            }
        }
        return ids
    }

    /// Text of token ids: pieces joined, "▁" back to spaces, byte tokens to bytes; BOS/EOS and control tokens skipped.
    public func decode(_ ids: [Int]) -> String {
        var bytes: [UInt8] = []
        for id in ids where id >= 0 && id < tokens.count && id != beginOfSequence && id != endOfSequence {
            if let byte = byteTokens.firstIndex(of: id) { bytes.append(UInt8(byte)); continue }
            let piece = tokens[id]
            if piece.hasPrefix("<") && piece.hasSuffix(">") && piece.count > 2 && !userDefined.contains(where: { $0.id == id }) { continue }
            bytes += Array(piece.replacingOccurrences(of: "\u{2581}", with: " ").utf8)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private enum Fragment { case text([UInt8]), token(Int) }

    /// Splits out every occurrence of the user-defined pieces, longest pieces first (llama.cpp's partition).
    private func partition(_ text: [UInt8]) -> [Fragment] {
        var fragments: [Fragment] = [.text(text)]
        for (piece, id) in userDefined {
            var next: [Fragment] = []
            for fragment in fragments {
                guard case let .text(bytes) = fragment, bytes.count >= piece.count else { next.append(fragment); continue }
                var start = 0, i = 0
                while i + piece.count <= bytes.count {
                    if bytes[i] == piece[0] && Array(bytes[i..<(i + piece.count)]) == piece {
                        if i > start { next.append(.text(Array(bytes[start..<i]))) }
                        next.append(.token(id))
                        i += piece.count
                        start = i
                    } else {
                        i += 1
                    }
                }
                if start < bytes.count { next.append(.text(Array(bytes[start...]))) }
            }
            fragments = next
        }
        return fragments
    }

    /// SentencePiece BPE: start from characters, repeatedly merge the adjacent pair whose joined piece is in the
    /// vocabulary with the highest score (the leftmost on ties); characters outside the vocabulary become bytes.
    /// Candidate pairs wait in a heap and symbols in a linked list, as in llama.cpp's SPM tokenizer: rescanning
    /// every pair after each merge made a prompt of a few thousand characters cost a second.
    private func mergePieces(_ text: String) -> [Int] {
        var symbols = text.replacingOccurrences(of: " ", with: "\u{2581}").unicodeScalars.map { String($0) }
        let count = symbols.count
        guard count > 0 else { return [] }
        // Neighbours in the list; a symbol merged into its left neighbour is left empty.
        var next = Array(1...count), previous = Array(-1..<(count - 1))
        var candidates = Heap<Bigram>()
        func consider(_ left: Int, _ right: Int) {
            guard left >= 0, right < count, let id = idsByToken[symbols[left] + symbols[right]] else { return }
            candidates.insert(Bigram(score: scores[id], left: left, right: right,
                                     length: symbols[left].utf8.count + symbols[right].utf8.count))
        }
        for i in 0..<(count - 1) { consider(i, i + 1) }
        while let best = candidates.popMax() {
            // Queued before one of its sides changed: no longer a pair of the current symbols. (Both sides are
            // checked for emptiness: a left side merged away and a right side grown can keep the pair's length.)
            guard next[best.left] == best.right, !symbols[best.left].isEmpty, !symbols[best.right].isEmpty,
                  symbols[best.left].utf8.count + symbols[best.right].utf8.count == best.length else { continue }
            symbols[best.left] += symbols[best.right]
            symbols[best.right] = ""
            next[best.left] = next[best.right]
            if next[best.right] < count { previous[next[best.right]] = best.left }
            consider(previous[best.left], best.left)
            consider(best.left, next[best.left])
        }
        symbols.removeAll { $0.isEmpty }
        return symbols.flatMap { symbol -> [Int] in
            if let id = idsByToken[symbol] { return [id] }
            return symbol.utf8.map { byteTokens[Int($0)] }
        }
    }
}

/// A pair of adjacent symbols whose joined piece is a token: the highest score merges first, the leftmost on ties.
private struct Bigram: Comparable {
    let score: Float
    let left: Int
    let right: Int
    /// The pair's bytes when queued, to recognize it once either side has grown.
    let length: Int

    static func < (a: Bigram, b: Bigram) -> Bool { a.score < b.score || (a.score == b.score && a.left > b.left) }
}
