// Opens what the user named: a file path, or "-" for standard input (a WAV stream, or raw PCM when a format is given).

public struct RawPCMFormat: Equatable, Sendable {
    public var sampleFormat: RawSampleFormat
    public var sampleRate: Int
    public var channels: Int

    public init(sampleFormat: RawSampleFormat, sampleRate: Int, channels: Int) {
        self.sampleFormat = sampleFormat
        self.sampleRate = sampleRate
        self.channels = channels
    }
}

public enum AudioInput {
    public static let standardInputName = "-"
    /// What messages and output file names call standard input.
    public static let standardInputLabel = "stdin"

    /// An audio source for `path`; `raw` applies to standard input only (files describe themselves).
    public static func open(_ path: String, raw: RawPCMFormat? = nil) throws -> AudioSource {
        guard path == standardInputName else { return try AudioFile(path: path) }
        if let raw {
            return try RawPCMSource(format: raw.sampleFormat, sampleRate: raw.sampleRate, channels: raw.channels)
        }
        return try AudioFile(standardInputBlockFrames: 4096)
    }
}
