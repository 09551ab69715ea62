// Headerless PCM from a file descriptor (standard input): s16le or f32le, any rate and channel count.
import Foundation
#if canImport(Glibc)
import Glibc
#endif

public enum RawSampleFormat: String, CaseIterable, Sendable {
    case s16le, f32le

    var bytesPerSample: Int { self == .s16le ? 2 : 4 }
}

/// Turns headerless PCM bytes, in whatever pieces they arrive (a pipe's reads, a WebSocket's frames), into 16 kHz
/// mono: whole frames are downmixed and resampled at once, a partial frame waits for the rest of its bytes.
public final class RawPCMDecoder {
    public let name: String
    public let format: RawSampleFormat
    public let sampleRate: Int
    public let channels: Int
    public private(set) var warnings: [String] = []
    private let resampler: Resampler
    private var carry: [UInt8] = []
    private var framesRead: Int64 = 0

    public init(name: String, format: RawSampleFormat, sampleRate: Int, channels: Int) throws {
        guard sampleRate > 0 else { throw AudioError.invalidHeader(name: name, reason: "sample rate must be positive, got \(sampleRate)") }
        guard channels > 0 else { throw AudioError.invalidHeader(name: name, reason: "channel count must be positive, got \(channels)") }
        if let problem = AudioLimits.problem(sampleRate: sampleRate, channels: channels) { throw AudioError.invalidHeader(name: name, reason: problem) }
        self.name = name
        self.format = format
        self.sampleRate = sampleRate
        self.channels = channels
        resampler = try Resampler(from: sampleRate, name: name)
    }

    /// The samples of the whole frames received so far that were not returned before.
    public func decode<Bytes: Collection>(_ bytes: Bytes) throws -> [Float] where Bytes.Element == UInt8 {
        carry.append(contentsOf: bytes)
        let frameBytes = format.bytesPerSample * channels
        let wholeFrames = carry.count / frameBytes
        let mono = try downmix(frames: wholeFrames)
        carry.removeFirst(wholeFrames * frameBytes)
        // An empty block could reach soxr as a nil buffer, which it takes for the end of input.
        return mono.isEmpty ? [] : try resampler.process(mono, final: false)
    }

    /// The end of the input: the resampler's last samples. Throws when no whole frame ever came.
    public func finish() throws -> [Float] {
        if !carry.isEmpty {
            warnings.append("\(name): input ended mid-sample; dropped \(carry.count) trailing bytes")
            carry = []
        }
        if framesRead == 0 { throw AudioError.empty(name: name) }
        return try resampler.process([], final: true)
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

/// Reads whatever bytes the pipe has (a live source delivers audio as it is recorded) and decodes them.
public final class RawPCMSource: AudioSource {
    public var name: String { decoder.name }
    public var format: RawSampleFormat { decoder.format }
    public var sampleRate: Int { decoder.sampleRate }
    public var channels: Int { decoder.channels }
    public var warnings: [String] { decoder.warnings }
    private let descriptor: Int32
    private let decoder: RawPCMDecoder
    private var finished = false
    private let readSize = 32_768

    public init(descriptor: Int32 = STDIN_FILENO, name: String = AudioInput.standardInputLabel, format: RawSampleFormat, sampleRate: Int, channels: Int) throws {
        self.descriptor = descriptor
        decoder = try RawPCMDecoder(name: name, format: format, sampleRate: sampleRate, channels: channels)
    }

    public func nextBlock() throws -> [Float]? {
        guard !finished else { return nil }
        var buffer = [UInt8](repeating: 0, count: readSize)
        var got = 0
        repeat {
            got = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, readSize) }
        } while got < 0 && errno == EINTR
        if got < 0 { throw AudioError.unreadable(name: name, reason: String(cString: strerror(errno))) }
        let samples = try decoder.decode(buffer[0..<got])
        guard got == 0 else { return samples }
        finished = true
        return samples + (try decoder.finish())
    }
}
