// dMel: log-mel channels discretized into 16 levels ("dMel: Speech Tokenization made Simple"), and back.
import HarkNumerics

/// Everything that defines a token stream: the spectrogram and the quantizer. Stored in every .dmel file.
public struct DMelRecipe: Equatable, Sendable {
    public enum Kind: UInt8, Sendable, CaseIterable {
        /// The paper's recipe: amplitude mel, 80 channels 80-7600 Hz, log10 clipped to [-7, 2].
        case dmel = 0
        /// Whisper's normalized log-mel quantized, so the recognizer can consume tokens.
        case whisper = 1
    }

    public var kind: Kind
    public var sampleRate: Int
    public var fftSize: Int
    public var windowLength: Int
    public var hopLength: Int
    public var melBins: Int
    public var minHz: Float
    public var maxHz: Float
    /// Centre of level 0; level k is centred at lowest + k * step.
    public var lowest: Float
    public var step: Float
    public var levels: Int

    /// The paper's recipe; the hop (12.5 ms) is a parameter.
    public static func paper(hopLength: Int = 200) -> DMelRecipe {
        DMelRecipe(kind: .dmel, sampleRate: 16_000, fftSize: 1024, windowLength: 800, hopLength: hopLength,
                   melBins: 80, minHz: 80, maxHz: 7600, lowest: -7, step: 0.6, levels: 16)
    }

    /// Whisper's features quantized: 16 levels 0.2 apart spanning [-1.5, 1.5] of the normalized scale
    /// ((log10 + 4) / 4), which holds Whisper's 8-decade dynamic range for speech at ordinary levels.
    public static func whisper(melBins: Int = 80) -> DMelRecipe {
        DMelRecipe(kind: .whisper, sampleRate: 16_000, fftSize: WhisperLogMel.fftSize, windowLength: WhisperLogMel.fftSize,
                   hopLength: WhisperLogMel.hopLength, melBins: melBins, minHz: 0, maxHz: 8000,
                   lowest: -1.5, step: 0.2, levels: 16)
    }

    public var highest: Float { lowest + step * Float(levels - 1) }

    /// Nearest level centre; exact ties go to the lower level.
    @inline(__always)
    public func level(of value: Float) -> UInt8 {
        let clipped = min(max(value, lowest), highest)
        let position = (clipped - lowest) / step
        let level = (position - 0.5).rounded(.up)
        return UInt8(min(max(level, 0), Float(levels - 1)))
    }

    @inline(__always)
    public func value(of level: UInt8) -> Float { lowest + step * Float(level) }
}

/// A tokenized utterance: `frames` x `recipe.melBins` levels, row per frame.
public struct DMelTokens: Equatable, Sendable {
    public var recipe: DMelRecipe
    public var frames: Int
    public var tokens: [UInt8]

    public init(recipe: DMelRecipe, frames: Int, tokens: [UInt8]) {
        precondition(tokens.count == frames * recipe.melBins)
        self.recipe = recipe
        self.frames = frames
        self.tokens = tokens
    }

    /// Tokens back to features [frames, melBins]: each level's centre (log10 amplitude for .dmel,
    /// Whisper's normalized scale for .whisper).
    public func decoded() -> Tensor {
        Tensor(shape: [frames, recipe.melBins], data: tokens.map { recipe.value(of: $0) })
    }
}

/// Turns 16 kHz samples into tokens, whole or incrementally.
public struct DMelEncoder {
    public let recipe: DMelRecipe
    private let spectrogram: SpectrogramRecipe

    public init(recipe: DMelRecipe) throws {
        self.recipe = recipe
        switch recipe.kind {
        case .dmel:
            spectrogram = SpectrogramRecipe(
                fftSize: recipe.fftSize, windowLength: recipe.windowLength, hopLength: recipe.hopLength,
                melFilters: MelFilterbank.slaney(sampleRate: recipe.sampleRate, fftSize: recipe.fftSize, melCount: recipe.melBins,
                                                 minHz: Double(recipe.minHz), maxHz: Double(recipe.maxHz)),
                magnitude: .amplitude(floor: 1e-10), dropsLastFrame: false)
        case .whisper:
            spectrogram = try WhisperLogMel(melBins: recipe.melBins).recipe
        }
    }

    /// Tokens of a whole utterance.
    public func encode(_ samples: [Float]) throws -> DMelTokens {
        switch recipe.kind {
        case .dmel:
            let stream = makeStream()
            var tokens = stream.feed(samples)
            tokens.append(contentsOf: stream.finish())
            return DMelTokens(recipe: recipe, frames: tokens.count / recipe.melBins, tokens: tokens)
        case .whisper:
            // Whisper's normalization uses the utterance's maximum, so this recipe is batch only.
            let features = try WhisperLogMel(melBins: recipe.melBins)(samples)
            return quantize(features)
        }
    }

    /// The values the recipe quantizes, before quantization: log10 amplitude mel for .dmel, Whisper's normalized
    /// log-mel for .whisper; [frames, melBins].
    public func continuousFeatures(_ samples: [Float]) throws -> Tensor {
        switch recipe.kind {
        case .dmel:
            let stream = LogMelStream(recipe: spectrogram)
            var features = stream.feed(samples)
            features.append(rows: stream.finish())
            return features
        case .whisper:
            return try WhisperLogMel(melBins: recipe.melBins)(samples)
        }
    }

    /// Levels of features already on the recipe's scale.
    public func quantize(_ features: Tensor) -> DMelTokens {
        DMelTokens(recipe: recipe, frames: features.rows, tokens: features.data.map { recipe.level(of: $0) })
    }

    /// Incremental tokens for the paper's recipe (each frame is quantized on its own).
    public func makeStream() -> DMelStream { DMelStream(recipe: recipe, frames: LogMelStream(recipe: spectrogram)) }
}

/// Incremental dMel tokens: feed samples in any chunk sizes, get the same tokens as a whole-file encode.
public final class DMelStream {
    public let recipe: DMelRecipe
    private let frames: LogMelStream

    init(recipe: DMelRecipe, frames: LogMelStream) {
        self.recipe = recipe
        self.frames = frames
    }

    public func feed(_ samples: [Float]) -> [UInt8] { frames.feed(samples).data.map { recipe.level(of: $0) } }
    public func finish() -> [UInt8] { frames.finish().data.map { recipe.level(of: $0) } }
}
