// 1-D convolution over time as one gemm (im2col), the way Whisper's two input convolutions run.

public enum Convolution {
    /// x is [time, inChannels]; weight is [outChannels, inChannels, kernel] (PyTorch's Conv1d layout).
    /// Returns [outTime, outChannels] with outTime = (time + 2 * padding - kernel) / stride + 1.
    public static func conv1d(_ x: Tensor, weight: Tensor, bias: [Float], stride: Int, padding: Int,
                              pool: ThreadPool) -> Tensor {
        let time = x.rows, inChannels = x.columns
        let outChannels = weight.shape[0], kernel = weight.shape[2]
        precondition(weight.shape[1] == inChannels, "conv1d: input has \(inChannels) channels, weight expects \(weight.shape[1])")
        let outTime = (time + 2 * padding - kernel) / stride + 1
        let patch = inChannels * kernel
        // Column t holds the input window of output step t, ordered (channel, tap) like the weight's rows.
        var columns = [Float](repeating: 0, count: outTime * patch)
        x.data.withUnsafeBufferPointer { input in
            columns.withUnsafeMutableBufferPointer { cols in
                for t in 0..<outTime {
                    for tap in 0..<kernel {
                        let source = t * stride + tap - padding
                        guard source >= 0, source < time else { continue }
                        for c in 0..<inChannels { cols[t * patch + c * kernel + tap] = input[source * inChannels + c] }
                    }
                }
            }
        }
        return BLAS.linear(Tensor(shape: [outTime, patch], data: columns),
                           weight: weight.reshaped([outChannels, patch]), bias: bias, pool: pool)
    }
}
