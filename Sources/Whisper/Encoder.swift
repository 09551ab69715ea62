// Whisper's audio encoder: two convolutions with GELU, sinusoidal positions, pre-norm blocks, a final norm.
import HarkNumerics

struct Encoder {
    struct Layer {
        let attention: SelfAttention
        let feedForward: FeedForward
        let pool: ThreadPool

        func callAsFunction(_ x: Tensor) -> Tensor {
            // Queries, keys and values read in place from the fused projection's rows.
            let qkv = attention.qkv(attention.norm(x))
            let width = x.columns, headDim = width / attention.heads
            let mixed = qkv.data.withUnsafeBufferPointer { rows in
                SequenceAttention.attend(rows.baseAddress!, rowStride: 3 * width, positions: x.rows, heads: attention.heads,
                                         headDim: headDim, scale: 1 / Float(headDim).squareRoot(), pool: pool)
            }
            // The residual added to the new output in place (addition commutes exactly): x + out would copy x first.
            var h = attention.out(Tensor(shape: x.shape, data: mixed))
            h.add(x)
            return feedForward(h)
        }
    }

    let conv1: Convolution1D
    let conv2: Convolution1D
    let positions: Tensor
    let layers: [Layer]
    let finalNorm: LayerNorm
    let pool: ThreadPool
    var width: Int { conv1.outChannels }
    var melBins: Int { conv1.inChannels }

    init(_ file: LayerLoader, melBins: Int, width: Int, heads: Int, layerCount: Int) throws {
        conv1 = Convolution1D(weight: try file.tensor("encoder/conv1/weight", shape: [width, melBins, 3]),
                              bias: try file.vector("encoder/conv1/bias", count: width), stride: 1, padding: 1)
        conv2 = Convolution1D(weight: try file.tensor("encoder/conv2/weight", shape: [width, width, 3]),
                              bias: try file.vector("encoder/conv2/bias", count: width), stride: 2, padding: 1)
        positions = try file.tensor("encoder/position_encodings/encodings", shape: [1500, width])
        layers = try (0..<layerCount).map { i in
            Layer(attention: try SelfAttention(file, "encoder/layer_\(i)/self_attention", width: width, heads: heads),
                  feedForward: try FeedForward(file, "encoder/layer_\(i)/ffn", width: width), pool: file.pool)
        }
        finalNorm = try LayerNorm(file, "encoder/layer_norm", width: width)
        pool = file.pool
    }

    /// mel is one window, [frames, melBins] with at most 3000 frames (30 s; shorter when the caller pads less,
    /// `DecodingOptions.shortEncoderWindows`); the result is [frames / 2, width].
    func callAsFunction(_ mel: Tensor) -> Tensor {
        var x = conv1(mel, pool: pool)
        Vector.gelu(&x.data, pool: pool)
        x = conv2(x, pool: pool)
        Vector.gelu(&x.data, pool: pool)
        x.add(positions.rows(0..<x.rows))
        for layer in layers { x = layer(x) }
        return finalNorm(x)
    }
}
