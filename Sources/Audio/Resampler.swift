// Band-limited sample-rate conversion to 16 kHz through libsoxr (high quality), fed block by block.
internal import CSoxr

public final class Resampler {
    public let inputRate: Int
    public let outputRate: Int
    private let handle: soxr_t?

    public init(from inputRate: Int, to outputRate: Int = speechSampleRate) throws {
        self.inputRate = inputRate
        self.outputRate = outputRate
        if inputRate == outputRate {
            handle = nil
            return
        }
        var error: soxr_error_t?
        // nil specs select soxr's defaults: interleaved float32 in and out, SOXR_HQ quality.
        let created = soxr_create(Double(inputRate), Double(outputRate), 1, &error, nil, nil, nil)
        if let error { throw AudioError.resampler(name: "soxr", reason: String(cString: error)) }
        handle = created
    }

    deinit { if let handle { soxr_delete(handle) } }

    /// Resamples the next input block; pass `final: true` once to flush the filter's tail.
    public func process(_ input: [Float], final: Bool = false) -> [Float] {
        guard let handle else { return input }
        let capacity = Int((Double(input.count) * Double(outputRate) / Double(inputRate)).rounded(.up)) + 256
        var output = [Float](repeating: 0, count: capacity)
        var produced = 0
        var consumed = 0
        input.withUnsafeBufferPointer { inBuf in
            output.withUnsafeMutableBufferPointer { outBuf in
                _ = soxr_process(handle, inBuf.baseAddress, input.count, &consumed, outBuf.baseAddress, capacity, &produced)
            }
        }
        output.removeSubrange(produced...)
        if final {
            // Flush: a nil input tells soxr the stream has ended.
            while true {
                var tail = [Float](repeating: 0, count: 4096)
                var tailCount = 0
                tail.withUnsafeMutableBufferPointer { outBuf in
                    _ = soxr_process(handle, nil, 0, nil, outBuf.baseAddress, 4096, &tailCount)
                }
                if tailCount == 0 { break }
                output.append(contentsOf: tail[0..<tailCount])
            }
        }
        return output
    }
}
