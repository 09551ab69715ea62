// Whisper's log-mel spectrogram, equal to openai-whisper's log_mel_spectrogram and faster-whisper's extractor.
import HarkNumerics

public struct WhisperLogMel: Sendable {
    public static let sampleRate = 16_000
    public static let fftSize = 400
    public static let hopLength = 160
    /// One 30-s window: 480000 samples, 3000 frames.
    public static let windowSamples = 480_000
    public static let windowFrames = 3000

    public let melBins: Int
    public let recipe: SpectrogramRecipe

    public init(melBins: Int = 80) throws {
        guard melBins == 80 || melBins == 128 else { throw FeaturesError.unsupportedMelCount(melBins) }
        self.melBins = melBins
        recipe = SpectrogramRecipe(
            fftSize: Self.fftSize, windowLength: Self.fftSize, hopLength: Self.hopLength,
            melFilters: MelFilterbank.slaney(sampleRate: Self.sampleRate, fftSize: Self.fftSize, melCount: melBins),
            magnitude: .power, dropsLastFrame: true)
    }

    /// Normalized log-mel [frames, melBins] of 16 kHz samples, with `padding` zero samples appended first
    /// (openai-whisper's transcribe pads 30 s; faster-whisper's extractor pads 160 samples by default).
    public func callAsFunction(_ samples: [Float], padding: Int = 0) -> Tensor {
        let stream = makeStream()
        var log10Mel = stream.feed(padding > 0 ? samples + [Float](repeating: 0, count: padding) : samples)
        log10Mel.append(rows: stream.finish())
        return Self.normalize(log10Mel)
    }

    /// An incremental extractor of log10 mel frames (before normalization, which needs the whole window).
    public func makeStream() -> LogMelStream { LogMelStream(recipe: recipe) }

    /// Whisper's dynamic-range compression over a block of log10 frames: clamp at (max - 8), then (x + 4) / 4.
    public static func normalize(_ log10Mel: Tensor) -> Tensor {
        guard let maxValue = log10Mel.data.max() else { return log10Mel }
        let floor = maxValue - 8
        return Tensor(shape: log10Mel.shape, data: log10Mel.data.map { (max($0, floor) + 4) / 4 })
    }

    /// Pads with zeros (the reference pads the normalized features) or trims to `frames` rows.
    public static func padOrTrim(_ features: Tensor, frames: Int = windowFrames) -> Tensor {
        let columns = features.columns
        var data = Array(features.data.prefix(frames * columns))
        data.append(contentsOf: [Float](repeating: 0, count: frames * columns - data.count))
        return Tensor(shape: [frames, columns], data: data)
    }
}
