// Band-limited sample-rate conversion to 16 kHz through libsoxr (high quality), fed block by block.
internal import CSoxr

public final class Resampler {
    public let inputRate: Int
    public let outputRate: Int
    /// The source's name, for messages.
    public let name: String
    private let handle: soxr_t?

    public init(from inputRate: Int, to outputRate: Int = speechSampleRate, name: String) throws {
        self.inputRate = inputRate
        self.outputRate = outputRate
        self.name = name
        if inputRate == outputRate {
            handle = nil
            return
        }
        var error: soxr_error_t?
        // nil specs select soxr's defaults: interleaved float32 in and out, SOXR_HQ quality.
        let created = soxr_create(Double(inputRate), Double(outputRate), 1, &error, nil, nil, nil)
        if let error { throw AudioError.resampler(name: name, reason: String(cString: error)) }
        handle = created
    }

    deinit { if let handle { soxr_delete(handle) } }

    /// Resamples the next input block; pass `final: true` once to flush the filter's tail.
    public func process(_ input: [Float], final: Bool = false) throws -> [Float] {
        guard let handle else { return input }
        let capacity = Int((Double(input.count) * Double(outputRate) / Double(inputRate)).rounded(.up)) + 256
        var output = [Float](repeating: 0, count: capacity)
        var produced = 0
        var consumed = 0
        let status = input.withUnsafeBufferPointer { inBuf in
            output.withUnsafeMutableBufferPointer { outBuf in
                soxr_process(handle, inBuf.baseAddress, input.count, &consumed, outBuf.baseAddress, capacity, &produced)
            }
        }
        try check(status)
        // The output buffer has room for the whole block, so soxr takes all of it; anything left would be lost audio.
        guard consumed == input.count else {
            throw AudioError.resampler(name: name, reason: "soxr took \(consumed) of \(input.count) samples")
        }
        output.removeSubrange(produced...)
        if final {
            // Flush: a nil input tells soxr the stream has ended.
            while true {
                var tail = [Float](repeating: 0, count: 4096)
                var tailCount = 0
                let status = tail.withUnsafeMutableBufferPointer { outBuf in
                    soxr_process(handle, nil, 0, nil, outBuf.baseAddress, 4096, &tailCount)
                }
                try check(status)
                if tailCount == 0 { break }
                output.append(contentsOf: tail[0..<tailCount])
            }
        }
        return output
    }

    /// soxr reports failure as a message (nil on success).
    private func check(_ status: soxr_error_t?) throws {
        if let status { throw AudioError.resampler(name: name, reason: String(cString: status)) }
    }
}
