// Headerless PCM from a file descriptor (standard input): s16le or f32le, any rate and channel count.
import Foundation
#if canImport(Glibc)
import Glibc
#endif

public enum RawSampleFormat: String, CaseIterable, Sendable {
    case s16le, f32le

    var bytesPerSample: Int { self == .s16le ? 2 : 4 }
}

/// Reads whatever bytes the pipe has (a live source delivers audio as it is recorded), keeps whole frames,
/// downmixes and resamples them to 16 kHz mono.
public final class RawPCMSource: AudioSource {
    public let name: String
    public let format: RawSampleFormat
    public let sampleRate: Int
    public let channels: Int
    public private(set) var warnings: [String] = []
    private let descriptor: Int32
    private let resampler: Resampler
    private var carry: [UInt8] = []
    private var framesRead: Int64 = 0
    private var finished = false
    private let readSize = 32_768

    public init(descriptor: Int32 = STDIN_FILENO, name: String = AudioInput.standardInputLabel, format: RawSampleFormat, sampleRate: Int, channels: Int) throws {
        guard sampleRate > 0 else { throw AudioError.invalidHeader(name: name, reason: "sample rate must be positive, got \(sampleRate)") }
        guard channels > 0 else { throw AudioError.invalidHeader(name: name, reason: "channel count must be positive, got \(channels)") }
        if let problem = AudioLimits.problem(sampleRate: sampleRate, channels: channels) { throw AudioError.invalidHeader(name: name, reason: problem) }
        self.descriptor = descriptor
        self.name = name
        self.format = format
        self.sampleRate = sampleRate
        self.channels = channels
        resampler = try Resampler(from: sampleRate, name: name)
    }

    public func nextBlock() throws -> [Float]? {
        guard !finished else { return nil }
        var buffer = [UInt8](repeating: 0, count: readSize)
        var got = 0
        repeat {
            got = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, readSize) }
        } while got < 0 && errno == EINTR
        if got < 0 { throw AudioError.unreadable(name: name, reason: String(cString: strerror(errno))) }
        let endOfInput = got == 0
        carry.append(contentsOf: buffer[0..<got])
        let frameBytes = format.bytesPerSample * channels
        let wholeFrames = carry.count / frameBytes
        let mono = try downmix(frames: wholeFrames)
        carry.removeFirst(wholeFrames * frameBytes)
        if endOfInput {
            finished = true
            if !carry.isEmpty {
                warnings.append("\(name): input ended mid-sample; dropped \(carry.count) trailing bytes")
            }
            if framesRead == 0 { throw AudioError.empty(name: name) }
        }
        return try resampler.process(mono, final: endOfInput)
    }

    private func downmix(frames: Int) throws -> [Float] {
        var mono = [Float](repeating: 0, count: frames)
        let scale = 1 / Float(channels)
        for frame in 0..<frames {
            var sum: Float = 0
            for channel in 0..<channels {
                let offset = (frame * channels + channel) * format.bytesPerSample
                switch format {
                case .s16le:
                    sum += Float(Int16(bitPattern: UInt16(carry[offset]) | UInt16(carry[offset + 1]) << 8)) / 32768
                case .f32le:
                    let bits = UInt32(carry[offset]) | UInt32(carry[offset + 1]) << 8 | UInt32(carry[offset + 2]) << 16 | UInt32(carry[offset + 3]) << 24
                    sum += Float(bitPattern: bits)
                }
            }
            guard sum.isFinite else { throw AudioError.nonFiniteSample(name: name, frame: framesRead + Int64(frame)) }
            mono[frame] = sum * scale
        }
        framesRead += Int64(frames)
        return mono
    }
}
