// 1-D convolution over time as one matrix product (im2col), the way Whisper's and Silero's convolutions run.

/// A Conv1d layer with its weight packed once for the panel kernel: OpenBLAS's sgemm, which ran these before,
/// picks its kernels by CPU model and fell back to SSE3 ones ("Prescott", 4x slower) on a CPU it did not know.
public struct Convolution1D: Sendable {
    public let inChannels: Int
    public let outChannels: Int
    public let kernel: Int
    public let stride: Int
    public let padding: Int
    /// [outChannels, inChannels x kernel]: PyTorch's [out, in, kernel] weight with each output's taps in a row.
    let weight: PanelMatrix<Float>
    let bias: [Float]?

    /// weight is [outChannels, inChannels, kernel] (PyTorch's Conv1d layout).
    public init(weight: Tensor, bias: [Float]?, stride: Int, padding: Int) {
        precondition(weight.shape.count == 3, "Convolution1D: weight shape \(weight.shape), expected [out, in, kernel]")
        outChannels = weight.shape[0]
        inChannels = weight.shape[1]
        kernel = weight.shape[2]
        if let bias { precondition(bias.count == outChannels, "Convolution1D: \(bias.count) biases for \(outChannels) outputs") }
        self.weight = PanelMatrix(weight.reshaped([outChannels, inChannels * kernel]))
        self.bias = bias
        self.stride = stride
        self.padding = padding
    }

    /// x is [sequences x time, inChannels]: `sequences` inputs of equal length, one after the other, each padded
    /// on its own (Silero runs its encoder over many 32-ms frames at once). Returns [sequences x outTime,
    /// outChannels] with outTime = (time + 2 * padding - kernel) / stride + 1.
    public func callAsFunction(_ x: Tensor, sequences: Int = 1, pool: ThreadPool) -> Tensor {
        precondition(x.columns == inChannels, "conv1d: input has \(x.columns) channels, weight expects \(inChannels)")
        precondition(sequences >= 1 && x.rows % sequences == 0, "conv1d: \(x.rows) rows are not \(sequences) equal sequences")
        let time = x.rows / sequences
        let outTime = (time + 2 * padding - kernel) / stride + 1
        let patch = inChannels * kernel
        // Row t holds the input window of output step t, ordered (channel, tap) like the weight's rows; rows
        // filled on the pool's threads (one thread took about a quarter of a Whisper convolution's time).
        let count = sequences * outTime * patch
        var columns = [Float](unsafeUninitializedCapacity: count) { _, initialized in initialized = count }
        x.data.withUnsafeBufferPointer { input in
            columns.withUnsafeMutableBufferPointer { cols in
                pool.forEach(splitting: sequences * outTime, minimum: max(1, 16_384 / patch)) { steps, _ in
                    for step in steps {
                        let sequence = step / outTime, t = step % outTime, row = cols.baseAddress! + step * patch
                        for tap in 0..<kernel {
                            let source = t * stride + tap - padding
                            guard source >= 0, source < time else {
                                for c in 0..<inChannels { row[c &* kernel &+ tap] = 0 }
                                continue
                            }
                            let from = input.baseAddress! + (sequence * time + source) * inChannels
                            for c in 0..<inChannels { row[c &* kernel &+ tap] = from[c] }
                        }
                    }
                }
            }
        }
        return weight.product(Tensor(shape: [sequences * outTime, patch], data: columns), bias: bias, pool: pool)
    }
}
