// Audio files decoded by libsndfile (WAV, FLAC, OGG/Vorbis, Opus, MP3, ...), downmixed and resampled in blocks.
import CSndfile
import Foundation

/// What a file's header says, for `hark info`.
public struct AudioFileInfo: Equatable, Sendable {
    public let path: String
    public let format: String
    public let encoding: String
    public let sampleRate: Int
    public let channels: Int
    public let frames: Int64
    public var duration: Double { sampleRate > 0 ? Double(frames) / Double(sampleRate) : 0 }
}

/// Reads a file in blocks so an hour-long recording never sits whole in memory at its source rate.
public final class AudioFile: AudioSource {
    public let name: String
    public let info: AudioFileInfo
    public private(set) var warnings: [String] = []
    private var handle: OpaquePointer?
    private let resampler: Resampler
    private let blockFrames: Int
    private var framesRead: Int64 = 0
    private var finished = false

    public init(path: String, blockFrames: Int = 65_536) throws {
        name = path
        self.blockFrames = blockFrames
        var attributes = try? FileManager.default.attributesOfItem(atPath: path)
        if attributes == nil, !FileManager.default.fileExists(atPath: path) {
            throw AudioError.cannotOpen(name: path, reason: "no such file")
        }
        if let size = attributes?[.size] as? Int, size == 0 { throw AudioError.empty(name: path) }
        attributes = nil
        var sfInfo = SF_INFO()
        guard let opened = sf_open(path, Int32(SFM_READ), &sfInfo) else {
            throw AudioError.cannotOpen(name: path, reason: String(cString: sf_strerror(nil)))
        }
        handle = opened
        guard sfInfo.channels > 0 else { sf_close(opened); throw AudioError.invalidHeader(name: path, reason: "zero channels") }
        guard sfInfo.samplerate > 0 else { sf_close(opened); throw AudioError.invalidHeader(name: path, reason: "zero sample rate") }
        info = AudioFileInfo(
            path: path,
            format: AudioFile.formatName(sfInfo.format & Int32(SF_FORMAT_TYPEMASK)),
            encoding: AudioFile.formatName(sfInfo.format & Int32(SF_FORMAT_SUBMASK)),
            sampleRate: Int(sfInfo.samplerate),
            channels: Int(sfInfo.channels),
            frames: Int64(sfInfo.frames))
        // Float data is read as is (no clipping to [-1, 1]); integer data is scaled to [-1, 1).
        sf_command(opened, Int32(SFC_SET_SCALE_FLOAT_INT_READ), nil, Int32(SF_TRUE))
        do { resampler = try Resampler(from: info.sampleRate) } catch {
            sf_close(opened); throw AudioError.resampler(name: path, reason: "\(error)")
        }
    }

    deinit { if let handle { sf_close(handle) } }

    public func nextBlock() throws -> [Float]? {
        guard !finished, let handle else { return nil }
        let channels = info.channels
        var interleaved = [Float](repeating: 0, count: blockFrames * channels)
        let got = interleaved.withUnsafeMutableBufferPointer { sf_readf_float(handle, $0.baseAddress, sf_count_t(blockFrames)) }
        let error = sf_error(handle)
        if error != 0 {
            let reason = String(cString: sf_strerror(handle))
            if framesRead + Int64(got) == 0 { throw AudioError.unreadable(name: name, reason: reason) }
            warnings.append("\(name): decoding stopped at frame \(framesRead + Int64(got)): \(reason)")
        }
        var mono = [Float](repeating: 0, count: Int(got))
        let scale = 1 / Float(channels)
        for frame in 0..<Int(got) {
            var sum: Float = 0
            for channel in 0..<channels { sum += interleaved[frame * channels + channel] }
            guard sum.isFinite else { throw AudioError.nonFiniteSample(name: name, frame: framesRead + Int64(frame)) }
            mono[frame] = sum * scale
        }
        framesRead += Int64(got)
        let endOfInput = got < blockFrames || error != 0
        if endOfInput {
            finished = true
            if info.frames > framesRead, error == 0 {
                warnings.append("\(name): header promises \(info.frames) frames, file holds \(framesRead); decoded what is there")
            }
            if framesRead == 0 { throw AudioError.empty(name: name) }
        }
        let block = resampler.process(mono, final: endOfInput)
        return block.isEmpty && endOfInput ? (framesRead > 0 ? [] : nil) : block
    }

    private static func formatName(_ code: Int32) -> String {
        var formatInfo = SF_FORMAT_INFO()
        formatInfo.format = code
        guard sf_command(nil, Int32(SFC_GET_FORMAT_INFO), &formatInfo, Int32(MemoryLayout<SF_FORMAT_INFO>.size)) == 0,
              let cName = formatInfo.name else { return String(format: "0x%06X", code) }
        return String(cString: cName)
    }
}

extension AudioFile {
    /// Decodes a whole file to 16 kHz mono (the batch path).
    public static func load(_ path: String) throws -> [Float] {
        var file: AudioSource = try AudioFile(path: path)
        return try file.readAll()
    }
}
