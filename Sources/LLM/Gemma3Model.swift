// Gemma 3 text model (as llama.cpp runs gemma3 GGUFs): the whole forward pass in one readable place.
import Foundation
import HarkNumerics

/// Hyperparameters from the GGUF metadata, plus what the file does not store and llama.cpp knows.
public struct Gemma3Config: Equatable, Sendable {
    public let layers: Int
    public let width: Int
    public let feedForward: Int
    public let queryHeads: Int
    public let keyValueHeads: Int
    public let headDim: Int
    public let rmsEpsilon: Float
    public let globalRopeBase: Float
    /// Windowed layers use RoPE base 10000 (not stored in the GGUF).
    public let localRopeBase: Float = 10_000
    public let slidingWindow: Int
    /// Every sixth layer (5, 11, 17, ...) attends globally; the others use the sliding window.
    public let globalEvery = 6

    public func isGlobal(_ layer: Int) -> Bool { (layer + 1) % globalEvery == 0 }

    init(_ file: GGUFFile) throws {
        let architecture = try file.string("general.architecture")
        guard architecture == "gemma3" else {
            throw LLMError.corrupt(path: file.path, field: "general.architecture", reason: "unsupported architecture '\(architecture)' (Hark runs gemma3)")
        }
        /// A size no Gemma reaches by far (the 27B has 62 layers, width 5376, 21504 feed-forward units), so that
        /// products of sizes cannot overflow and nothing is allocated for a layer count the file cannot hold.
        func size(_ key: String, upTo limit: Int) throws -> Int {
            let value = try file.int(key)
            guard (1...limit).contains(value) else {
                throw LLMError.corrupt(path: file.path, field: key, reason: "\(value) is outside 1...\(limit)")
            }
            return value
        }
        func positive(_ key: String) throws -> Float {
            let value = try file.float(key)
            guard value.isFinite, value > 0 else { throw LLMError.corrupt(path: file.path, field: key, reason: "\(value) is not a positive number") }
            return value
        }
        layers = try size("gemma3.block_count", upTo: 1 << 10)
        width = try size("gemma3.embedding_length", upTo: 1 << 16)
        feedForward = try size("gemma3.feed_forward_length", upTo: 1 << 18)
        queryHeads = try size("gemma3.attention.head_count", upTo: 1 << 10)
        keyValueHeads = try size("gemma3.attention.head_count_kv", upTo: 1 << 10)
        headDim = try size("gemma3.attention.key_length", upTo: 1 << 12)
        rmsEpsilon = try positive("gemma3.attention.layer_norm_rms_epsilon")
        globalRopeBase = try positive("gemma3.rope.freq_base")
        slidingWindow = try size("gemma3.attention.sliding_window", upTo: Int(Int32.max))
        // Query heads share key-value heads in equal groups; rotary embedding turns pairs of a head's values.
        guard queryHeads % keyValueHeads == 0 else {
            throw LLMError.corrupt(path: file.path, field: "gemma3.attention.head_count_kv",
                                   reason: "\(keyValueHeads) does not divide the \(queryHeads) query heads")
        }
        guard headDim % 2 == 0 else {
            throw LLMError.corrupt(path: file.path, field: "gemma3.attention.key_length", reason: "\(headDim) is odd")
        }
    }
}

/// Keys and values of the tokens seen so far, per layer, [length, keyValueHeads * headDim].
public struct Gemma3Cache {
    var keys: [[Float]]
    var values: [[Float]]
    public internal(set) var length = 0

    public init(layers: Int) {
        keys = Array(repeating: [], count: layers)
        values = Array(repeating: [], count: layers)
    }
}

/// A weight as the file stores it: quantized blocks multiplied where they lie in the mapped file, or (F32, F16,
/// BF16) values widened to Float. llama.cpp rounds the activation to match the storage type before the product
/// (8-bit blocks, or half), and so does Hark, to agree with it.
struct StoredLinear {
    enum Weight {
        case blocks(QuantizedMatrix)
        case floats(Tensor, storage: GGMLType)
    }

    let weight: Weight
    let pool: ThreadPool

    func callAsFunction(_ x: Tensor) -> Tensor {
        switch weight {
        case let .blocks(matrix):
            return Tensor(shape: [x.rows, matrix.rows], data: matrix.multiply(x.data, rows: x.rows, pool: pool))
        case let .floats(matrix, storage):
            var input = x
            ActivationRounding.forProduct(with: storage, &input.data)
            return BLAS.linear(input, weight: matrix, pool: pool)
        }
    }

    /// The products of several weights with one input: on quantized blocks, in one hand-out of work to the threads.
    static func apply(_ linears: [StoredLinear], to x: Tensor) -> [Tensor] {
        let matrices = linears.compactMap { linear -> QuantizedMatrix? in
            if case let .blocks(matrix) = linear.weight { return matrix } else { return nil }
        }
        guard matrices.count == linears.count, let pool = linears.first?.pool else { return linears.map { $0(x) } }
        return zip(matrices, QuantizedMatrix.multiply(matrices, x.data, rows: x.rows, pool: pool)).map { matrix, y in
            Tensor(shape: [x.rows, matrix.rows], data: y)
        }
    }

    /// Row r of the weight as Float (a token's embedding).
    func row(_ r: Int) -> [Float] {
        switch weight {
        case let .blocks(matrix): return matrix.row(r)
        case let .floats(matrix, _): return Array(matrix.row(r))
        }
    }
}

public final class Gemma3Model {
    struct Layer {
        let attentionNorm: [Float], query: StoredLinear, key: StoredLinear, value: StoredLinear, output: StoredLinear
        let queryNorm: [Float], keyNorm: [Float], postAttentionNorm: [Float]
        let feedForwardNorm: [Float], gate: StoredLinear, up: StoredLinear, down: StoredLinear, postFeedForwardNorm: [Float]
    }

    public let config: Gemma3Config
    public let tokenizer: GemmaTokenizer
    public let path: String
    /// Token embeddings [vocabulary, width], also the output projection (tied).
    let embeddings: StoredLinear
    let layers: [Layer]
    let outputNorm: [Float]
    let pool: ThreadPool

    public static func load(from url: URL, pool: ThreadPool = .allCores()) throws -> Gemma3Model {
        try Gemma3Model(file: GGUFFile(url: url), pool: pool)
    }

    /// Quantized weights stay in the mapped file (loading reads only the metadata, the norms and the vocabulary).
    public init(file: GGUFFile, pool: ThreadPool = .allCores()) throws {
        self.pool = pool
        path = file.path
        config = try Gemma3Config(file)
        tokenizer = try GemmaTokenizer(file)
        func linear(_ name: String, rows: Int, columns: Int) throws -> StoredLinear {
            let info = try file.tensor(name)
            guard info.dimensions == (rows == 1 ? [columns] : [columns, rows]) else {
                throw LLMError.corrupt(path: file.path, field: name, reason: "dimensions \(info.dimensions), expected [\(columns), \(rows)]")
            }
            if rows > 1, let matrix = file.matrix(info) { return StoredLinear(weight: .blocks(matrix), pool: pool) }
            return StoredLinear(weight: .floats(Tensor(shape: [rows, columns], data: file.dequantize(info)), storage: info.type),
                                pool: pool)
        }
        func matrix(_ name: String, rows: Int, columns: Int) throws -> StoredLinear { try linear(name, rows: rows, columns: columns) }
        func vector(_ name: String, count: Int) throws -> [Float] { try linear(name, rows: 1, columns: count).row(0) }
        let c = config
        embeddings = try matrix("token_embd.weight", rows: tokenizer.vocabularySize, columns: c.width)
        layers = try (0..<c.layers).map { i in
            let p = "blk.\(i)."
            return Layer(
                attentionNorm: try vector(p + "attn_norm.weight", count: c.width),
                query: try matrix(p + "attn_q.weight", rows: c.queryHeads * c.headDim, columns: c.width),
                key: try matrix(p + "attn_k.weight", rows: c.keyValueHeads * c.headDim, columns: c.width),
                value: try matrix(p + "attn_v.weight", rows: c.keyValueHeads * c.headDim, columns: c.width),
                output: try matrix(p + "attn_output.weight", rows: c.width, columns: c.queryHeads * c.headDim),
                queryNorm: try vector(p + "attn_q_norm.weight", count: c.headDim),
                keyNorm: try vector(p + "attn_k_norm.weight", count: c.headDim),
                postAttentionNorm: try vector(p + "post_attention_norm.weight", count: c.width),
                feedForwardNorm: try vector(p + "ffn_norm.weight", count: c.width),
                gate: try matrix(p + "ffn_gate.weight", rows: c.feedForward, columns: c.width),
                up: try matrix(p + "ffn_up.weight", rows: c.feedForward, columns: c.width),
                down: try matrix(p + "ffn_down.weight", rows: c.width, columns: c.feedForward),
                postFeedForwardNorm: try vector(p + "post_ffw_norm.weight", count: c.width))
        }
        outputNorm = try vector("output_norm.weight", count: c.width)
    }

    private func rmsNorm(_ x: Tensor, _ weight: [Float]) -> Tensor {
        var out = x
        Vector.rmsNormRows(&out.data, width: weight.count, weight: weight, eps: config.rmsEpsilon, pool: pool)
        return out
    }

    /// Runs `tokens` after the cache, extending it; returns the final-normed hidden states [tokens, width].
    public func forward(_ tokens: [Int], cache: inout Gemma3Cache) -> Tensor {
        forward(tokens, positions: (0..<tokens.count).map { cache.length + $0 }, branchStarts: nil, cache: &cache)
    }

    /// Runs several continuations of the cached tokens in one pass, each seeing the cache and its own earlier tokens
    /// (not the others'); returns their hidden states one after the other. The cache is left as it was.
    public func forward(branches: [[Int]], after cache: Gemma3Cache) -> Tensor {
        var tokens: [Int] = [], positions: [Int] = [], starts: [Int] = []
        for branch in branches {
            let start = tokens.count
            tokens += branch
            positions += branch.indices.map { cache.length + $0 }
            starts += Array(repeating: start, count: branch.count)
        }
        guard !tokens.isEmpty else { return Tensor(shape: [0, config.width], data: []) }
        var scratch = cache
        return forward(tokens, positions: positions, branchStarts: starts, cache: &scratch)
    }

    private func forward(_ tokens: [Int], positions: [Int], branchStarts: [Int]?, cache: inout Gemma3Cache) -> Tensor {
        let c = config
        var x = Tensor(shape: [tokens.count, c.width], data: tokens.flatMap { embeddings.row($0) })
        Vector.scale(&x.data, by: Float(c.width).squareRoot())
        let rotations = (local: RotaryEmbedding(positions: positions, headDim: c.headDim, base: c.localRopeBase),
                         global: RotaryEmbedding(positions: positions, headDim: c.headDim, base: c.globalRopeBase))
        for (l, layer) in layers.enumerated() {
            let h = rmsNorm(x, layer.attentionNorm)
            let projections = StoredLinear.apply([layer.query, layer.key, layer.value], to: h)
            var q = projections[0].data, k = projections[1].data, v = projections[2].data
            Vector.rmsNormRows(&q, width: c.headDim, weight: layer.queryNorm, eps: c.rmsEpsilon, pool: pool)
            Vector.rmsNormRows(&k, width: c.headDim, weight: layer.keyNorm, eps: c.rmsEpsilon, pool: pool)
            let rotation = c.isGlobal(l) ? rotations.global : rotations.local
            rotation.applyNeoX(&q, heads: c.queryHeads)
            rotation.applyNeoX(&k, heads: c.keyValueHeads)
            // llama.cpp scales queries before attention and keeps keys and values in a half-precision cache.
            Vector.scale(&q, by: 1 / Float(c.headDim).squareRoot())
            ActivationRounding.toHalf(&q)
            ActivationRounding.toHalf(&k)
            ActivationRounding.toHalf(&v)
            cache.keys[l].append(contentsOf: k)
            cache.values[l].append(contentsOf: v)
            let mixed = Attention.groupedQuery(
                q: q, k: cache.keys[l], v: cache.values[l], queries: tokens.count, keys: cache.length + tokens.count,
                queryHeads: c.queryHeads, keyValueHeads: c.keyValueHeads, headDim: c.headDim, scale: 1,
                causalOffset: cache.length, window: c.isGlobal(l) ? nil : c.slidingWindow, branchStarts: branchStarts, pool: pool,
                softmax: ActivationRounding.halfPrecisionSoftmax)
            let attended = layer.output(Tensor(shape: [tokens.count, c.queryHeads * c.headDim], data: mixed))
            x.add(rmsNorm(attended, layer.postAttentionNorm))

            let f = rmsNorm(x, layer.feedForwardNorm)
            let gateAndUp = StoredLinear.apply([layer.gate, layer.up], to: f)
            var gate = gateAndUp[0]
            let up = gateAndUp[1]
            ActivationRounding.geluTanhHalfTable(&gate.data, pool: pool)
            for i in gate.data.indices { gate.data[i] *= up.data[i] }
            x.add(rmsNorm(layer.down(gate), layer.postFeedForwardNorm))
        }
        cache.length += tokens.count
        return rmsNorm(x, outputNorm)
    }

    /// Next-token logits [rows, vocabulary] of hidden states: the tied embedding matrix as output projection.
    /// The 262144-wide product dominates the cost, so callers pass only the rows whose scores they need.
    public func logits(_ hidden: Tensor) -> Tensor { embeddings(hidden) }

    /// The most likely next token after the last row of `hidden`.
    public func greedyToken(after hidden: Tensor) -> Int {
        let row = logits(hidden.rows((hidden.rows - 1)..<hidden.rows)).data
        return row.indices.max { row[$0] < row[$1] }!
    }
}
