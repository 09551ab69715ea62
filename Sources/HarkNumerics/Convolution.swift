// 1-D convolution over time as one gemm (im2col), the way Whisper's two input convolutions run.

public enum Convolution {
    /// x is [sequences x time, inChannels]: `sequences` inputs of equal length, one after the other, each padded
    /// on its own (Silero runs its encoder over many 32-ms frames at once); weight is [outChannels, inChannels,
    /// kernel] (PyTorch's Conv1d layout). Returns [sequences x outTime, outChannels] with
    /// outTime = (time + 2 * padding - kernel) / stride + 1.
    public static func conv1d(_ x: Tensor, weight: Tensor, bias: [Float]?, stride: Int, padding: Int, sequences: Int = 1,
                              pool: ThreadPool) -> Tensor {
        let inChannels = x.columns
        let outChannels = weight.shape[0], kernel = weight.shape[2]
        precondition(weight.shape[1] == inChannels, "conv1d: input has \(inChannels) channels, weight expects \(weight.shape[1])")
        precondition(sequences >= 1 && x.rows % sequences == 0, "conv1d: \(x.rows) rows are not \(sequences) equal sequences")
        let time = x.rows / sequences
        let outTime = (time + 2 * padding - kernel) / stride + 1
        let patch = inChannels * kernel
        // Column t holds the input window of output step t, ordered (channel, tap) like the weight's rows.
        var columns = [Float](repeating: 0, count: sequences * outTime * patch)
        x.data.withUnsafeBufferPointer { input in
            columns.withUnsafeMutableBufferPointer { cols in
                for sequence in 0..<sequences {
                    let firstRow = sequence * time, firstColumn = sequence * outTime
                    for t in 0..<outTime {
                        for tap in 0..<kernel {
                            let source = t * stride + tap - padding
                            guard source >= 0, source < time else { continue }
                            let from = (firstRow + source) * inChannels, to = (firstColumn + t) * patch + tap
                            for c in 0..<inChannels { cols[to + c * kernel] = input[from + c] }
                        }
                    }
                }
            }
        }
        return BLAS.linear(Tensor(shape: [sequences * outTime, patch], data: columns),
                           weight: weight.reshaped([outChannels, patch]), bias: bias, pool: pool)
    }
}
