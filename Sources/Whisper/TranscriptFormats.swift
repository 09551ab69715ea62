// Transcripts in the formats whisper.cpp and openai-whisper users know: txt, srt, vtt, tsv and json.
import Foundation

/// How subtitles are laid out from timed words (openai-whisper's --max_line_width, --max_line_count,
/// --max_words_per_line, --highlight_words); without timed words, or with none of these, a cue is a segment.
public struct SubtitleOptions: Sendable, Equatable {
    /// Characters in a line before it breaks.
    public var maxLineWidth: Int?
    /// Lines in a cue (with maxLineWidth); a pause of more than 3 s also starts a cue.
    public var maxLineCount: Int?
    /// Words in a line (without maxLineWidth).
    public var maxWordsPerLine: Int?
    /// A cue for each word, the word underlined.
    public var highlightWords = false

    public init() {}
}

public enum TranscriptFormat: String, CaseIterable, Sendable {
    case txt, srt, vtt, tsv, json

    public func render(_ transcription: Transcription, subtitles: SubtitleOptions = SubtitleOptions()) -> String {
        let segments = transcription.segments
        switch self {
        case .txt:
            return segments.map { $0.text.trimmingCharacters(in: .whitespaces) + "\n" }.joined()
        case .srt:
            return Self.cues(segments, subtitles).enumerated().map { index, cue in
                "\(index + 1)\n\(Self.clock(cue.start, separator: ",")) --> \(Self.clock(cue.end, separator: ","))\n\(cue.text)\n\n"
            }.joined()
        case .vtt:
            return "WEBVTT\n\n" + Self.cues(segments, subtitles).map { cue in
                "\(Self.clock(cue.start, separator: ".")) --> \(Self.clock(cue.end, separator: "."))\n\(cue.text)\n\n"
            }.joined()
        case .tsv:
            // openai-whisper's TSV: integer milliseconds, tabs in text replaced.
            return "start\tend\ttext\n" + segments.map { s in
                "\(Int((s.start * 1000).rounded()))\t\(Int((s.end * 1000).rounded()))\t\(s.text.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "\t", with: " "))\n"
            }.joined()
        case .json:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            let document = JSONTranscript(transcription)
            return String(decoding: (try? encoder.encode(document)) ?? Data(), as: UTF8.self) + "\n"
        }
    }

    /// The cues of SRT and VTT: each segment, or, when the segments have timed words, lines of words laid out by
    /// `options` (openai-whisper's SubtitlesWriter, rule for rule; lengths count Unicode scalars, as Python does).
    static func cues(_ segments: [Segment], _ options: SubtitleOptions) -> [(start: Double, end: Double, text: String)] {
        guard let first = segments.first, !first.words.isEmpty else {
            return segments.map { ($0.start, $0.end, $0.text.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "-->", with: "->")) }
        }
        let preserveSegments = options.maxLineCount == nil || options.maxLineWidth == nil
        let maxLineWidth = options.maxLineWidth ?? 1000
        let maxWordsPerLine = options.maxWordsPerLine ?? 1000
        func length(_ text: String) -> Int { text.unicodeScalars.count }
        var subtitles: [[TimedWord]] = []
        var subtitle: [TimedWord] = []
        var lineLength = 0, lineCount = 1
        var last = segments.first { !$0.words.isEmpty }?.words[0].start ?? first.start
        for segment in segments {
            var chunkIndex = 0
            while chunkIndex < segment.words.count {
                let words = segment.words[chunkIndex..<min(segment.words.count, chunkIndex + maxWordsPerLine)]
                for (i, original) in words.enumerated() {
                    var timing = original
                    let longPause = !preserveSegments && timing.start - last > 3
                    let hasRoom = lineLength + length(timing.text) <= maxLineWidth
                    let segmentBreak = i == 0 && !subtitle.isEmpty && preserveSegments
                    if lineLength > 0 && hasRoom && !longPause && !segmentBreak {
                        lineLength += length(timing.text)
                    } else {
                        timing.text = timing.text.trimmingCharacters(in: .whitespacesAndNewlines)
                        if (!subtitle.isEmpty && options.maxLineCount != nil && (longPause || lineCount >= options.maxLineCount!))
                            || segmentBreak {
                            subtitles.append(subtitle)
                            subtitle = []
                            lineCount = 1
                        } else if lineLength > 0 {
                            lineCount += 1
                            timing.text = "\n" + timing.text
                        }
                        lineLength = length(timing.text.trimmingCharacters(in: .whitespacesAndNewlines))
                    }
                    subtitle.append(timing)
                    last = timing.start
                }
                chunkIndex += maxWordsPerLine
            }
        }
        if !subtitle.isEmpty { subtitles.append(subtitle) }

        var cues: [(start: Double, end: Double, text: String)] = []
        for subtitle in subtitles {
            let text = subtitle.map(\.text).joined()
            guard options.highlightWords else {
                cues.append((subtitle[0].start, subtitle[subtitle.count - 1].end, text))
                continue
            }
            // Times compare as printed (to the millisecond), as the reference compares its formatted strings.
            var lastEnd = subtitle[0].start
            for (i, word) in subtitle.enumerated() {
                if milliseconds(lastEnd) != milliseconds(word.start) { cues.append((lastEnd, word.start, text)) }
                let underlined = subtitle.enumerated().map { j, other -> String in
                    guard j == i else { return other.text }
                    let body = other.text.drop { $0.isWhitespace }
                    return String(other.text.prefix(other.text.count - body.count)) + "<u>\(body)</u>"
                }
                cues.append((word.start, word.end, underlined.joined()))
                lastEnd = word.end
            }
        }
        return cues
    }

    private static func milliseconds(_ seconds: Double) -> Int { Int((max(0, seconds) * 1000).rounded()) }

    /// HH:MM:SS,mmm (SRT) or HH:MM:SS.mmm (VTT).
    static func clock(_ seconds: Double, separator: String) -> String {
        let milliseconds = Int((max(0, seconds) * 1000).rounded())
        let h = milliseconds / 3_600_000, m = milliseconds / 60_000 % 60, s = milliseconds / 1000 % 60, ms = milliseconds % 1000
        return String(format: "%02d:%02d:%02d%@%03d", h, m, s, separator, ms)
    }
}

/// The JSON document: the transcription with snake_case keys, as openai-whisper's JSON writer names them.
private struct JSONTranscript: Encodable {
    struct JSONSegment: Encodable {
        let id: Int, start: Double, end: Double, text: String, tokens: [Int]
        let avg_logprob: Float, no_speech_prob: Float, compression_ratio: Float, temperature: Float
        /// Only with --word-timestamps (left out of the document otherwise).
        let words: [JSONWord]?
    }
    /// openai-whisper's and faster-whisper's word: its text with the leading space, so a segment's words join to
    /// its text.
    struct JSONWord: Encodable {
        let word: String, start: Double, end: Double, probability: Float
    }
    struct JSONHypothesis: Encodable {
        let text: String, tokens: [Int], logprob: Float, avg_logprob: Float
    }
    let text: String
    let language: String
    let language_probabilities: [String: Float]
    let duration: Double
    let segments: [JSONSegment]
    let n_best: [JSONHypothesis]

    init(_ t: Transcription) {
        text = t.text
        language = t.language
        language_probabilities = Dictionary(t.languageProbabilities.prefix(5).map { ($0.language, $0.probability) }) { a, _ in a }
        duration = t.duration
        segments = t.segments.enumerated().map { i, s in
            JSONSegment(id: i, start: s.start, end: s.end, text: s.text, tokens: s.tokens, avg_logprob: s.averageLogProbability,
                        no_speech_prob: s.noSpeechProbability, compression_ratio: s.compressionRatio, temperature: s.temperature,
                        words: s.words.isEmpty ? nil : s.words.map { JSONWord(word: $0.text, start: $0.start, end: $0.end, probability: $0.probability) })
        }
        n_best = t.nBest.map { JSONHypothesis(text: $0.text, tokens: $0.tokens, logprob: $0.logProbability, avg_logprob: $0.averageLogProbability) }
    }
}
