// The --vad options of transcription: Silero VAD finds the speech, which is decoded in chunks of at most 30 s.
import ArgumentParser
import Foundation
import HarkNumerics
import VAD

struct VADOptions: ParsableArguments {
    @Flag(help: "Decode only speech (faster-whisper's vad_filter, whisper.cpp's --vad): Silero VAD finds it, its stretches are joined into chunks of at most 30 s, each decoded on its own (the previous chunk's text as its prompt), and times are mapped back to the recording. Silence, noise and music in between are skipped, where Whisper would otherwise invent text.")
    var vad = false

    @Option(help: "With --vad: a 32-ms frame whose speech probability reaches this (0 to 1) is speech.")
    var vadThreshold: Float = 0.5

    @Option(help: "With --vad: a pause must last this long (milliseconds) to end a stretch of speech.")
    var minSilenceMs = 2000

    @Option(help: "With --vad: each stretch of speech is widened by this much (milliseconds) on both sides.")
    var speechPadMs = 400

    @Option(help: "With --vad: Silero VAD weights (silero_vad_16k.safetensors; default: the installed ones).")
    var vadModel: String?

    /// Whisper's window: a chunk is never longer.
    static let maxChunkSeconds = 30
    /// Silence between the stretches a chunk joins: a place for the pause that was cut out, so that the time warp
    /// need not put it inside a word. On the 10-minute test recording 0 and 0.5 s gave the same text (a seam's
    /// first word placed a second early in both, until the word-duration rules cut it back); a whole second made
    /// Whisper end a chunk's text early at a seam.
    static let gapMilliseconds = 500

    func validate() throws {
        guard vadThreshold > 0 && vadThreshold < 1 else { throw ValidationError("--vad-threshold must be between 0 and 1") }
        guard minSilenceMs >= 0 else { throw ValidationError("--min-silence-ms must not be negative") }
        guard speechPadMs >= 0 && speechPadMs <= 5000 else { throw ValidationError("--speech-pad-ms must be between 0 and 5000") }
    }

    /// The detection rules: faster-whisper's, with these settings, and stretches cut to fit a chunk once padded.
    var detection: SpeechDetectionOptions {
        var options = SpeechDetectionOptions()
        options.threshold = vadThreshold
        options.minSilenceMilliseconds = minSilenceMs
        options.speechPadMilliseconds = speechPadMs
        options.maxSpeechSeconds = Double(Self.maxChunkSeconds)
        return options
    }

    func loadModel() throws -> SileroVAD {
        let url: URL
        if let vadModel {
            url = URL(fileURLWithPath: vadModel)
        } else {
            url = ModelCache.directory.appendingPathComponent("silero-vad/silero_vad_16k.safetensors")
            guard FileManager.default.fileExists(atPath: url.path) else {
                throw ModelRegistry.RegistryError.notInstalled(name: "silero-vad", folder: url.deletingLastPathComponent().path)
            }
        }
        return try SileroVAD(contentsOf: url)
    }

    /// The speech of `samples` in chunks of at most 30 s.
    func chunks(_ samples: [Float], model: SileroVAD, pool: ThreadPool) -> [SpeechChunk] {
        let probabilities = model.speechProbabilities(samples, pool: pool)
        let speech = SpeechTimestamps.speech(probabilities: probabilities, sampleCount: samples.count, options: detection)
        return SpeechChunk.group(speech, maxSamples: Self.maxChunkSeconds * SileroVAD.sampleRate,
                                 gapSamples: Self.gapMilliseconds * SileroVAD.sampleRate / 1000)
    }
}
