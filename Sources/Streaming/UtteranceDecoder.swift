// The seam between the stream and the recognizer: audio of one buffer in, timed text segments out.
import Foundation
import Whisper

/// A stretch of recognized text; times in seconds from the start of the decoded buffer.
public struct TimedText: Equatable, Sendable {
    public var start: Double
    public var end: Double
    public var text: String

    public init(start: Double, end: Double, text: String) {
        self.start = start
        self.end = end
        self.text = text
    }
}

public protocol UtteranceDecoder {
    /// Recognizes `samples` (16 kHz mono, at most 30 s), continuing the text `prompt`.
    mutating func decode(_ samples: [Float], prompt: String) throws -> [TimedText]
}

/// Whisper, greedy with timestamps: the stream re-decodes every step, so each pass must be one encoder run and
/// one greedy decode. By default the encoder sees a padded 30-s window, so a pass costs the same whatever the
/// buffer's length; with `shortEncoderWindows` it sees the buffer padded to whole seconds (at least 10 s), so a
/// pass costs in proportion to the buffer (tiny.en on Audio/jfk.flac: 0.40 s a pass against 2.43 s) but Whisper,
/// trained on 30-s windows, ends some passes early (tiny.en lost a 20-word stretch of the benchmark recording).
/// Whisper's no-speech probability gates each pass (the Transcriber drops a window whose no-speech
/// probability is above 0.6 unless its text is likely), and segments whose text compresses too well
/// (repetition loops) are dropped instead of falling back to sampling, which would cost more passes.
public struct WhisperUtteranceDecoder: UtteranceDecoder {
    public let transcriber: Transcriber
    public private(set) var options: DecodingOptions
    private static let maxCompressionRatio: Float = 2.4

    /// `language` nil detects it on the first pass and keeps it for the rest of the stream.
    public init(model: WhisperModel, threads: Int, language: String?, shortEncoderWindows: Bool) {
        transcriber = Transcriber(model: model, threads: threads)
        var options = DecodingOptions()
        options.language = language
        options.beamSize = 1
        options.temperatures = [0]
        options.conditionOnPreviousText = true
        options.shortEncoderWindows = shortEncoderWindows
        self.options = options
    }

    public mutating func decode(_ samples: [Float], prompt: String) throws -> [TimedText] {
        options.initialPrompt = prompt.isEmpty ? nil : prompt
        let result = try transcriber.transcribe(samples, options: options)
        if options.language == nil, !result.segments.isEmpty { options.language = result.language }
        return result.segments
            .filter { $0.compressionRatio <= Self.maxCompressionRatio }
            .map { TimedText(start: $0.start, end: $0.end, text: $0.text) }
    }
}
