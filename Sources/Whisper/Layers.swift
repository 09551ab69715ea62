// The transformer pieces Whisper is built from: LayerNorm, Linear, attention blocks and the MLP.
import HarkNumerics

struct LayerNorm {
    let gamma: [Float]
    let beta: [Float]

    init(_ file: ModelFile, _ prefix: String, width: Int) throws {
        gamma = try file.vector("\(prefix)/gamma", count: width)
        beta = try file.vector("\(prefix)/beta", count: width)
    }

    func callAsFunction(_ x: Tensor) -> Tensor {
        var out = x
        Vector.layerNormRows(&out.data, width: x.columns, gamma: gamma, beta: beta)
        return out
    }
}

struct Linear {
    let weight: Tensor
    let bias: [Float]?

    init(_ file: ModelFile, _ prefix: String, outFeatures: Int, inFeatures: Int) throws {
        weight = try file.tensor("\(prefix)/weight", shape: [outFeatures, inFeatures])
        bias = file.variables["\(prefix)/bias"] == nil ? nil : try file.vector("\(prefix)/bias", count: outFeatures)
    }

    func callAsFunction(_ x: Tensor) -> Tensor { BLAS.linear(x, weight: weight, bias: bias) }
}

/// Pre-norm MLP: x + W2 gelu(W1 LN(x)).
struct FeedForward {
    let norm: LayerNorm
    let up: Linear
    let down: Linear

    init(_ file: ModelFile, _ prefix: String, width: Int) throws {
        norm = try LayerNorm(file, "\(prefix)/layer_norm", width: width)
        up = try Linear(file, "\(prefix)/linear_0", outFeatures: 4 * width, inFeatures: width)
        down = try Linear(file, "\(prefix)/linear_1", outFeatures: width, inFeatures: 4 * width)
    }

    func callAsFunction(_ x: Tensor) -> Tensor {
        var hidden = up(norm(x))
        Vector.gelu(&hidden.data)
        return x + down(hidden)
    }
}

/// Pre-norm self-attention with the query, key and value projections fused into one matrix (CTranslate2's layout).
struct SelfAttention {
    let norm: LayerNorm
    let qkv: Linear
    let out: Linear
    let heads: Int

    init(_ file: ModelFile, _ prefix: String, width: Int, heads: Int) throws {
        norm = try LayerNorm(file, "\(prefix)/layer_norm", width: width)
        qkv = try Linear(file, "\(prefix)/linear_0", outFeatures: 3 * width, inFeatures: width)
        out = try Linear(file, "\(prefix)/linear_1", outFeatures: width, inFeatures: width)
        self.heads = heads
    }

    /// Projects normed x into (q, k, v), each [rows, width].
    func project(_ x: Tensor) -> (q: [Float], k: [Float], v: [Float]) {
        let parts = splitFused(qkv(norm(x)), parts: 3)
        return (parts[0], parts[1], parts[2])
    }
}

/// Pre-norm attention of decoder positions over the encoder output; keys and values are computed once per window.
struct CrossAttention {
    let norm: LayerNorm
    let query: Linear
    let keyValue: Linear
    let out: Linear
    let heads: Int

    init(_ file: ModelFile, _ prefix: String, width: Int, heads: Int) throws {
        norm = try LayerNorm(file, "\(prefix)/layer_norm", width: width)
        query = try Linear(file, "\(prefix)/linear_0", outFeatures: width, inFeatures: width)
        keyValue = try Linear(file, "\(prefix)/linear_1", outFeatures: 2 * width, inFeatures: width)
        out = try Linear(file, "\(prefix)/linear_2", outFeatures: width, inFeatures: width)
        self.heads = heads
    }

    /// Keys and values of the encoder output, [positions, width] each.
    func memory(_ encoded: Tensor) -> (keys: [Float], values: [Float]) {
        let parts = splitFused(keyValue(encoded), parts: 2)
        return (parts[0], parts[1])
    }
}

/// Splits the rows of a fused projection [rows, parts * width] into `parts` matrices [rows, width].
private func splitFused(_ fused: Tensor, parts: Int) -> [[Float]] {
    let width = fused.columns / parts
    var out = [[Float]](repeating: [], count: parts)
    for p in 0..<parts { out[p].reserveCapacity(fused.rows * width) }
    for r in 0..<fused.rows {
        for p in 0..<parts {
            let start = r * fused.columns + p * width
            out[p].append(contentsOf: fused.data[start..<(start + width)])
        }
    }
    return out
}
