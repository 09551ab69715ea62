// Audio files decoded by libsndfile (WAV, FLAC, OGG/Vorbis, Opus, MP3, ...), downmixed and resampled in blocks.
internal import CSndfile
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

    /// Opens a file by path. Blocks of 64k source frames keep memory flat for long files.
    public convenience init(path: String, blockFrames: Int = 65_536) throws {
        if !FileManager.default.fileExists(atPath: path) { throw AudioError.cannotOpen(name: path, reason: "no such file") }
        if let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int, size == 0 {
            throw AudioError.empty(name: path)
        }
        var sfInfo = SF_INFO()
        guard let opened = AudioFile.withStandardErrorSilenced({ sf_open(path, Int32(SFM_READ), &sfInfo) }) else {
            let reason = AudioFile.lastError(nil)
            // A file named .mp3 that is not MPEG audio fails in the MPEG decoder, which libsndfile reports as a
            // file that does not exist; this one does (checked above), so the truth is that it is no audio format.
            if reason.contains("does not exist or is not a regular file") && AudioFile.isRegularFile(path) {
                throw AudioError.cannotOpen(name: path, reason: "Format not recognised")
            }
            // libsndfile's wording for a header with a zero rate or format is an "internal error"; say what it means.
            if reason.contains("Channel count is zero") {
                throw AudioError.invalidHeader(name: path, reason: "zero channels")
            }
            if reason.contains("SF_INFO struct incomplete") {
                throw AudioError.invalidHeader(name: path, reason: "sample rate, channel count or format is zero")
            }
            throw AudioError.cannotOpen(name: path, reason: reason)
        }
        try self.init(opened: opened, name: path, sfInfo: sfInfo, blockFrames: blockFrames)
    }

    private static func isRegularFile(_ path: String) -> Bool {
        (try? FileManager.default.attributesOfItem(atPath: path)[.type] as? FileAttributeType) == .typeRegular
    }

    /// Runs `body` with standard error pointed at /dev/null. libsndfile's MPEG decoder (mpg123) prints notes there
    /// while it hunts for a frame in a file that is not MPEG audio at all; the failure is reported in one line of
    /// ours instead. The lock keeps two opens from swapping the descriptor under each other.
    private static func withStandardErrorSilenced<T>(_ body: () -> T) -> T {
        standardErrorLock.lock()
        defer { standardErrorLock.unlock() }
        fflush(stderr)
        let saved = dup(STDERR_FILENO)
        let null = open("/dev/null", O_WRONLY)
        guard saved >= 0, null >= 0 else {
            if saved >= 0 { close(saved) }
            if null >= 0 { close(null) }
            return body()
        }
        dup2(null, STDERR_FILENO)
        close(null)
        defer {
            fflush(stderr)
            dup2(saved, STDERR_FILENO)
            close(saved)
        }
        return body()
    }

    private static let standardErrorLock = NSLock()

    /// Reads a WAV (or other self-describing) stream from standard input; libsndfile parses it from the pipe.
    /// Small blocks, because a live pipe delivers audio as it is recorded.
    public convenience init(standardInputBlockFrames blockFrames: Int = 4096) throws {
        var sfInfo = SF_INFO()
        guard let opened = sf_open_fd(STDIN_FILENO, Int32(SFM_READ), &sfInfo, 0) else {
            let reason = AudioFile.lastError(nil)
            throw reason.contains("too short") || reason.contains("empty")
                ? AudioError.empty(name: AudioInput.standardInputLabel)
                : AudioError.cannotOpen(name: AudioInput.standardInputLabel, reason: reason)
        }
        try self.init(opened: opened, name: AudioInput.standardInputLabel, sfInfo: sfInfo, blockFrames: blockFrames)
    }

    private init(opened: OpaquePointer, name: String, sfInfo: SF_INFO, blockFrames: Int) throws {
        self.name = name
        self.blockFrames = blockFrames
        handle = opened
        guard sfInfo.channels > 0 else { sf_close(opened); throw AudioError.invalidHeader(name: name, reason: "zero channels") }
        guard sfInfo.samplerate > 0 else { sf_close(opened); throw AudioError.invalidHeader(name: name, reason: "zero sample rate") }
        if let problem = AudioLimits.problem(sampleRate: Int(sfInfo.samplerate), channels: Int(sfInfo.channels)) {
            sf_close(opened); throw AudioError.invalidHeader(name: name, reason: problem)
        }
        info = AudioFileInfo(
            path: name,
            format: AudioFile.formatName(sfInfo.format & Int32(SF_FORMAT_TYPEMASK)),
            encoding: AudioFile.formatName(sfInfo.format & Int32(SF_FORMAT_SUBMASK)),
            sampleRate: Int(sfInfo.samplerate),
            channels: Int(sfInfo.channels),
            frames: Int64(sfInfo.frames))
        // Float data is read as is (no clipping to [-1, 1]); integer data is scaled to [-1, 1).
        sf_command(opened, Int32(SFC_SET_SCALE_FLOAT_INT_READ), nil, Int32(SF_TRUE))
        do { resampler = try Resampler(from: info.sampleRate, name: name) } catch {
            sf_close(opened); throw error
        }
        if let warning = AudioFile.truncationWarning(name: name, log: AudioFile.log(opened)) { warnings.append(warning) }
    }

    /// libsndfile's parse log of the header, where it notes sizes that disagree with the file.
    private static func log(_ handle: OpaquePointer) -> String {
        var buffer = [CChar](repeating: 0, count: 4096)
        sf_command(handle, Int32(SFC_GET_LOG_INFO), &buffer, Int32(buffer.count))
        return String(cString: buffer)
    }

    /// libsndfile reads a truncated WAV/AIFF silently, logging "data : 32000 (should be 8001)"; say so.
    static func truncationWarning(name: String, log: String) -> String? {
        func numbers(after key: String) -> [Int]? {
            guard let line = log.split(separator: "\n").first(where: { $0.trimmingCharacters(in: .whitespaces).hasPrefix(key) }) else { return nil }
            return line.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
        }
        guard let sizes = numbers(after: "data :"), sizes.count == 2, sizes[0] > sizes[1] else { return nil }
        let blockAlign = numbers(after: "Block Align")?.first ?? 1
        let midSample = blockAlign > 1 && sizes[1] % blockAlign != 0 ? ", ending mid-sample" : ""
        return "\(name): truncated: header promises \(sizes[0]) bytes of audio, file holds \(sizes[1])\(midSample); decoded what is there"
    }

    /// libsndfile's message, without its trailing period and newline, for one-line errors.
    private static func lastError(_ handle: OpaquePointer?) -> String {
        String(cString: sf_strerror(handle)).trimmingCharacters(in: CharacterSet(charactersIn: ".\n "))
    }

    deinit { if let handle { sf_close(handle) } }

    public func nextBlock() throws -> [Float]? {
        guard !finished, let handle else { return nil }
        let channels = info.channels
        var interleaved = [Float](repeating: 0, count: blockFrames * channels)
        let got = interleaved.withUnsafeMutableBufferPointer { sf_readf_float(handle, $0.baseAddress, sf_count_t(blockFrames)) }
        let error = sf_error(handle)
        if error != 0 {
            let reason = AudioFile.lastError(handle)
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
            if framesRead == 0 { throw AudioError.empty(name: name) }
        }
        let block = try resampler.process(mono, final: endOfInput)
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
