// Transcripts in the formats whisper.cpp and openai-whisper users know: txt, srt, vtt, tsv and json.
import Foundation

public enum TranscriptFormat: String, CaseIterable, Sendable {
    case txt, srt, vtt, tsv, json

    public func render(_ transcription: Transcription) -> String {
        let segments = transcription.segments
        switch self {
        case .txt:
            return segments.map { $0.text.trimmingCharacters(in: .whitespaces) + "\n" }.joined()
        case .srt:
            return segments.enumerated().map { index, s in
                "\(index + 1)\n\(Self.clock(s.start, separator: ",")) --> \(Self.clock(s.end, separator: ","))\n\(s.text.trimmingCharacters(in: .whitespaces))\n\n"
            }.joined()
        case .vtt:
            return "WEBVTT\n\n" + segments.map { s in
                "\(Self.clock(s.start, separator: ".")) --> \(Self.clock(s.end, separator: "."))\n\(s.text.trimmingCharacters(in: .whitespaces))\n\n"
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
