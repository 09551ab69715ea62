// Whisper's text decoder: token and learned positions, causal self-attention with a cache, cross-attention, tied output.
import HarkNumerics

/// Keys and values of the tokens decoded so far, one pair of [length, width] buffers per layer.
public struct DecoderCache {
    var keys: [[Float]]
    var values: [[Float]]
    public internal(set) var length = 0

    init(layers: Int) {
        keys = Array(repeating: [], count: layers)
        values = Array(repeating: [], count: layers)
    }

    /// Forgets the tokens after the first `count`.
    mutating func truncate(to count: Int) {
        guard count < length else { return }
        for l in keys.indices {
            let width = keys[l].count / length
            keys[l].removeLast((length - count) * width)
            values[l].removeLast((length - count) * width)
        }
        length = count
    }
}

/// The encoder output seen through each layer's cross-attention projections, computed once per window.
struct CrossMemory {
    let layers: [any PackedAttention]
    let positions: Int
}

struct Decoder {
    struct Layer {
        let selfAttention: SelfAttention
        let crossAttention: CrossAttention
        let feedForward: FeedForward
    }

    /// Token embeddings, tied to the output projection.
    let embeddings: Matrix
    let positions: Tensor
    let layers: [Layer]
    let finalNorm: LayerNorm
    let width: Int
    let heads: Int
    /// What cross-attention keys and values are kept in: float16, except for the float32 compute type.
    let memoryElement: any PanelElement.Type
    let pool: ThreadPool

    init(_ file: LayerLoader, vocabularySize: Int, width: Int, heads: Int, layerCount: Int) throws {
        embeddings = try file.matrix("decoder/embeddings/weight", rows: vocabularySize, columns: width)
        positions = try file.tensor("decoder/position_encodings/encodings", shape: [Decoder.textPositions, width])
        layers = try (0..<layerCount).map { i in
            Layer(selfAttention: try SelfAttention(file, "decoder/layer_\(i)/self_attention", width: width, heads: heads),
                  crossAttention: try CrossAttention(file, "decoder/layer_\(i)/attention", width: width, heads: heads),
                  feedForward: try FeedForward(file, "decoder/layer_\(i)/ffn", width: width))
        }
        finalNorm = try LayerNorm(file, "decoder/layer_norm", width: width)
        self.width = width
        self.heads = heads
        memoryElement = file.computeType == .float32 ? Float.self : Float16.self
        pool = file.pool
    }

    /// Every Whisper model's text context: prompts, window prompts and sampled tokens share it.
    static let textPositions = 448
    var maxPositions: Int { positions.rows }
    var vocabularySize: Int { embeddings.rows }

    func memory(_ encoded: Tensor) -> CrossMemory {
        CrossMemory(layers: layers.map { layer in
            packed(layer.crossAttention.keyValue(encoded), as: memoryElement)
        }, positions: encoded.rows)
    }

    /// Keys and values packed from the fused projection's rows, [positions, 2 * width], in place.
    private func packed<Element: PanelElement>(_ keysValues: Tensor, as _: Element.Type) -> any PackedAttention {
        keysValues.data.withUnsafeBufferPointer { rows in
            PackedKeysValues<Element>(keys: rows.baseAddress!, values: rows.baseAddress! + width, rowStride: 2 * width,
                                      positions: keysValues.rows, heads: heads, headDim: width / heads, pool: pool)
        }
    }

    /// Runs `tokens[b]` (the same count for every sequence b) after each sequence's cache, extending the caches.
    /// Returns the final-normed hidden state of every token, [sequences * steps, width] (row b * steps + t).
    /// `crossQueries` sees each layer's cross-attention queries, [sequences * steps, width] (for word timings).
    func callAsFunction(_ tokens: [[Int]], caches: inout [DecoderCache], memory: CrossMemory,
                        crossQueries: ((_ layer: Int, _ queries: [Float]) -> Void)? = nil) -> Tensor {
        self(tokens, caches: &caches, memories: [(memory, 0..<tokens.count)], crossQueries: crossQueries)
    }

    /// As above, for sequences that attend to different encoder outputs (windows decoded together): each memory
    /// with the range of sequences that attend to it; the ranges cover the sequences in order.
    func callAsFunction(_ tokens: [[Int]], caches: inout [DecoderCache], memories: [(CrossMemory, Range<Int>)],
                        crossQueries: ((_ layer: Int, _ queries: [Float]) -> Void)? = nil) -> Tensor {
        let sequences = tokens.count, steps = tokens[0].count
        // Row (b * steps + t) is token t of sequence b: every linear layer runs on all rows at once.
        var x = Tensor(zeros: [sequences * steps, width])
        for b in 0..<sequences {
            for t in 0..<steps {
                let position = caches[b].length + t, embedding = embeddings.row(tokens[b][t])
                for c in 0..<width { x.data[(b * steps + t) * width + c] = embedding[c] + positions[position, c] }
            }
        }
        for (l, layer) in layers.enumerated() {
            let (q, k, v) = layer.selfAttention.project(x)
            func rows(of b: Int) -> Range<Int> { (b * steps * width)..<((b + 1) * steps * width) }
            for b in 0..<sequences {
                caches[b].keys[l].append(contentsOf: k[rows(of: b)])
                caches[b].values[l].append(contentsOf: v[rows(of: b)])
            }
            // The sequences (beams, windows decoded together) share the pool: one step's attention of one sequence
            // is too small to split over threads, so otherwise each ran on the calling thread in turn.
            // The caches are read in place: a copy of them still alive at the next layer's appends would make each
            // append copy its whole cache.
            let attended = pool.map(sequences) { b in
                Attention.multiHead(q: Array(q[rows(of: b)]), k: caches[b].keys[l], v: caches[b].values[l],
                                    queries: steps, keys: caches[b].length + steps, heads: heads, headDim: width / heads,
                                    causalOffset: caches[b].length, pool: pool)
            }
            // The sequences' rows are x's rows in order.
            let mixed = Array(attended.joined())
            x.add(layer.selfAttention.out(Tensor(shape: x.shape, data: mixed)))

            let cross = layer.crossAttention
            // The sequences of one encoder output attend to it without a mask, so their rows go through one product
            // per head: the keys and values are read once per step instead of once per beam.
            let queries = cross.query(cross.norm(x)).data
            crossQueries?(l, queries)
            var crossMixed = [Float](repeating: 0, count: x.count)
            for (memory, sequenceRange) in memories {
                let rows = (sequenceRange.lowerBound * steps * width)..<(sequenceRange.upperBound * steps * width)
                crossMixed.replaceSubrange(rows, with: memory.layers[l].attend(Array(queries[rows]), queries: sequenceRange.count * steps,
                                                                              scale: 1 / Float(width / heads).squareRoot(), pool: pool))
            }
            x.add(cross.out(Tensor(shape: x.shape, data: crossMixed)))
            x = layer.feedForward(x)
        }
        for b in 0..<sequences { caches[b].length += steps }
        return finalNorm(x)
    }

    /// Output logits of hidden states [n, width] against the tied token embeddings: [n, vocabulary].
    func logits(_ hidden: Tensor) -> Tensor { embeddings.product(hidden, bias: nil, pool: pool) }
}
