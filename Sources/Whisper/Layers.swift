// The transformer pieces Whisper is built from: LayerNorm, Linear, attention blocks and the MLP.
import HarkNumerics

/// A model file read into layers: matrices kept as the compute type says, products run on the pool.
struct LayerLoader {
    let file: ModelFile
    let computeType: ComputeType
    let pool: ThreadPool

    func vector(_ name: String, count: Int) throws -> [Float] { try file.vector(name, count: count) }
    func tensor(_ name: String, shape: [Int]? = nil) throws -> Tensor { try file.tensor(name, shape: shape) }

    /// A [rows x columns] weight matrix in the compute type.
    func matrix(_ name: String, rows: Int, columns: Int) throws -> Matrix {
        switch computeType {
        case .float32: return .float32(try file.tensor(name, shape: [rows, columns]))
        case .float16: return .float16(try file.halfMatrix(name, shape: [rows, columns]))
        case .int8: return .int8(Int8Matrix(quantizing: try file.tensor(name, shape: [rows, columns])))
        }
    }
}

/// A weight matrix [outFeatures, inFeatures] as the compute type keeps it.
enum Matrix {
    case float32(Tensor)
    case float16(HalfMatrix)
    case int8(Int8Matrix)

    /// x W^T + bias for every row of x, then `finish` (an activation) on the result.
    func product(_ x: Tensor, bias: [Float]?, pool: ThreadPool, then finish: Vector.InPlace? = nil) -> Tensor {
        switch self {
        case let .float32(weight):
            var y = BLAS.linear(x, weight: weight, bias: bias, pool: pool)
            if let finish { Vector.apply(finish, to: &y.data, pool: pool) }
            return y
        case let .float16(weight): return weight.product(x, bias: bias, pool: pool, then: finish)
        case let .int8(weight): return weight.product(x, bias: bias, pool: pool, then: finish)
        }
    }

    /// Row r as float32 (an embedding lookup).
    func row(_ r: Int) -> [Float] {
        switch self {
        case let .float32(weight): return Array(weight.row(r))
        case let .float16(weight): return weight.row(r)
        case let .int8(weight): return weight.row(r)
        }
    }

    var rows: Int {
        switch self {
        case let .float32(weight): return weight.rows
        case let .float16(weight): return weight.rows
        case let .int8(weight): return weight.rows
        }
    }
}

struct LayerNorm {
    let gamma: [Float]
    let beta: [Float]
    let pool: ThreadPool

    init(_ file: LayerLoader, _ prefix: String, width: Int) throws {
        gamma = try file.vector("\(prefix)/gamma", count: width)
        beta = try file.vector("\(prefix)/beta", count: width)
        pool = file.pool
    }

    func callAsFunction(_ x: Tensor) -> Tensor {
        Tensor(shape: x.shape, data: Vector.layerNormRows(x.data, width: x.columns, gamma: gamma, beta: beta, pool: pool))
    }
}

struct Linear {
    let weight: Matrix
    let bias: [Float]?
    let pool: ThreadPool

    init(_ file: LayerLoader, _ prefix: String, outFeatures: Int, inFeatures: Int) throws {
        weight = try file.matrix("\(prefix)/weight", rows: outFeatures, columns: inFeatures)
        bias = file.file.variables["\(prefix)/bias"] == nil ? nil : try file.vector("\(prefix)/bias", count: outFeatures)
        pool = file.pool
    }

    func callAsFunction(_ x: Tensor, then finish: Vector.InPlace? = nil) -> Tensor {
        weight.product(x, bias: bias, pool: pool, then: finish)
    }
}

/// Pre-norm MLP: x + W2 gelu(W1 LN(x)).
struct FeedForward {
    let norm: LayerNorm
    let up: Linear
    let down: Linear

    init(_ file: LayerLoader, _ prefix: String, width: Int) throws {
        norm = try LayerNorm(file, "\(prefix)/layer_norm", width: width)
        up = try Linear(file, "\(prefix)/linear_0", outFeatures: 4 * width, inFeatures: width)
        down = try Linear(file, "\(prefix)/linear_1", outFeatures: width, inFeatures: 4 * width)
    }

    func callAsFunction(_ x: Tensor) -> Tensor {
        var y = down(up(norm(x), then: Vector.gelu))
        y.add(x)
        return y
    }
}

/// Pre-norm self-attention with the query, key and value projections fused into one matrix (CTranslate2's layout).
struct SelfAttention {
    let norm: LayerNorm
    let qkv: Linear
    let out: Linear
    let heads: Int

    init(_ file: LayerLoader, _ prefix: String, width: Int, heads: Int) throws {
        norm = try LayerNorm(file, "\(prefix)/layer_norm", width: width)
        qkv = try Linear(file, "\(prefix)/linear_0", outFeatures: 3 * width, inFeatures: width)
        out = try Linear(file, "\(prefix)/linear_1", outFeatures: width, inFeatures: width)
        self.heads = heads
    }

    /// Projects normed x into (q, k, v), each [rows, width].
    func project(_ x: Tensor) -> (q: [Float], k: [Float], v: [Float]) {
        let parts = qkv(norm(x)).columnBlocks(3)
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

    init(_ file: LayerLoader, _ prefix: String, width: Int, heads: Int) throws {
        norm = try LayerNorm(file, "\(prefix)/layer_norm", width: width)
        query = try Linear(file, "\(prefix)/linear_0", outFeatures: width, inFeatures: width)
        keyValue = try Linear(file, "\(prefix)/linear_1", outFeatures: 2 * width, inFeatures: width)
        out = try Linear(file, "\(prefix)/linear_2", outFeatures: width, inFeatures: width)
        self.heads = heads
    }
}
