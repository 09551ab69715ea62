// The seam between the stream and the recognizer: audio of one buffer in, timed text segments out.
import Foundation
import Whisper

/// A stretch of recognized text; times in seconds from the start of the decoded buffer.
public struct TimedText: Equatable, Sendable {
    public var start: Double
    public var end: Double
    public var text: String
    /// The recognizer's own tokens for the text, if it has them (Whisper's, without timestamps).
    public var tokens: [Int]
    /// The words with their own times, if the recognizer aligns them (same time base as the segment).
    public var words: [TimedWord]

    public init(start: Double, end: Double, text: String, tokens: [Int] = [], words: [TimedWord] = []) {
        self.start = start
        self.end = end
        self.text = text
        self.tokens = tokens
        self.words = words
    }
}

public protocol UtteranceDecoder {
    /// Recognizes `samples` (16 kHz mono, at most 30 s), continuing the text `prompt`. `previous` is the last
    /// result for the same utterance, its times moved to this buffer's start: a decoder may use it to go faster,
    /// but what it returns must not depend on it.
    mutating func decode(_ samples: [Float], prompt: String, previous: [TimedText]) throws -> [TimedText]
}

/// Whisper, greedy with timestamps: the stream re-decodes every step, so each pass must be one encoder run and
/// one greedy decode. With `shortEncoderWindows` the encoder sees the buffer padded to whole seconds (at least
/// 10 s), so a pass costs in proportion to the buffer; Whisper, trained on 30-s windows, then ends some passes
/// early on long buffers, which the stream's cuts after committed words avoid by keeping the buffer short
/// (figures in Benchmarks/results/stream.md). Without it the encoder sees a padded 30-s window.
/// Whisper's no-speech probability gates each pass (the Transcriber drops a window whose no-speech
/// probability is above 0.6 unless its text is likely), and segments whose text compresses too well
/// (repetition loops) are dropped instead of falling back to sampling, which would cost more passes. The previous
/// pass is the draft of the next (`DecodingOptions.draft`): most of it comes out again, checked in one batch.
public struct WhisperUtteranceDecoder: UtteranceDecoder {
    public let transcriber: Transcriber
    public private(set) var options: DecodingOptions
    private static let maxCompressionRatio: Float = 2.4

    /// `language` nil detects it on the first pass and keeps it for the rest of the stream.
    public init(model: WhisperModel, language: String?, shortEncoderWindows: Bool) {
        transcriber = Transcriber(model: model)
        var options = DecodingOptions()
        options.language = language
        options.beamSize = 1
        options.temperatures = [0]
        options.conditionOnPreviousText = true
        options.shortEncoderWindows = shortEncoderWindows
        // Word ends let the stream cut its buffer right after the committed words, inside a segment.
        options.wordTimestamps = true
        self.options = options
    }

    public mutating func decode(_ samples: [Float], prompt: String, previous: [TimedText]) throws -> [TimedText] {
        options.initialPrompt = prompt.isEmpty ? nil : prompt
        options.draft = draft(from: previous)
        // A repetition loop would run to 224 tokens and be dropped anyway; real speech stays far below this.
        options.maxNewTokens = 16 + Int(12 * Double(samples.count) / 16_000)
        let result = try transcriber.transcribe(samples, options: options)
        if options.language == nil, !result.segments.isEmpty { options.language = result.language }
        // A segment that compresses too well on its own is a repetition loop; it and what follows are dropped.
        // (The window's ratio alone misses a loop that maxNewTokens cut short after real speech.)
        let kept = result.segments.prefix {
            $0.compressionRatio <= Self.maxCompressionRatio && transcriber.compressionRatio($0.text) <= Self.maxCompressionRatio
        }
        return kept.map { TimedText(start: $0.start, end: $0.end, text: $0.text, tokens: $0.tokens, words: $0.words) }
    }

    /// The previous pass as Whisper wrote it: each segment's text between its start and end timestamps. Most of
    /// it comes out again one step later, and greedy decoding then checks it in one batched pass.
    private func draft(from previous: [TimedText]) -> [Int] {
        let tokenizer = transcriber.model.tokenizer
        var tokens: [Int] = []
        for segment in previous {
            guard let start = tokenizer.timestampToken(at: segment.start), let end = tokenizer.timestampToken(at: segment.end),
                  !segment.tokens.isEmpty else { break }
            tokens += [start] + segment.tokens + [end]
        }
        return tokens
    }
}
