// Options every audio-reading subcommand shares: how to read raw PCM from standard input.
import ArgumentParser
import Audio

extension RawSampleFormat: ExpressibleByArgument {}

struct AudioInputOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Raw PCM on standard input: s16le or f32le (without it, '-' expects a WAV stream).",
                               valueName: "format"))
    var format: RawSampleFormat?

    @Option(help: "Sample rate of raw PCM on standard input, in Hz.")
    var rate: Int = 16_000

    @Option(help: "Channel count of raw PCM on standard input.")
    var channels: Int = 1

    /// Opens a path, or "-" for standard input.
    func open(_ path: String) throws -> AudioSource {
        let raw = format.map { RawPCMFormat(sampleFormat: $0, sampleRate: rate, channels: channels) }
        return try AudioInput.open(path, raw: raw)
    }

    /// Decodes the whole input to 16 kHz mono, printing any warnings (a truncated file still yields its audio).
    func load(_ path: String) throws -> [Float] {
        var source = try open(path)
        let samples = try source.readAll()
        for warning in source.warnings { printError("warning: \(warning)") }
        return samples
    }
}
