// The cascade's first stage: n-best transcripts of speech, from Whisper or from any recognizer behind the protocol.
import Foundation
import Whisper

/// N-best transcripts of 16 kHz samples, best first, scored by average log-probability.
public protocol SpeechRecognizer {
    /// Model identity for results' keys (a changed model recomputes).
    var fingerprint: String { get }
    /// The language codes the recognizer can be told, or nil when it knows one language only (nothing to tell).
    var languages: [String]? { get }
    /// The language every input is in (`--language`), or nil to use each input's own or detect it.
    var forcedLanguage: String? { get }
    func transcribe(_ samples: [Float], language: String?, count: Int) throws -> [TranscriptHypothesis]
}

/// Whisper with beam search, as wide as the n-best list asked for (at least 5).
public struct WhisperRecognizer: SpeechRecognizer {
    public let transcriber: Transcriber
    public let fingerprint: String
    public var forcedLanguage: String?

    public init(transcriber: Transcriber, forcedLanguage: String? = nil) {
        self.transcriber = transcriber
        self.forcedLanguage = forcedLanguage
        let folder = transcriber.model.folder
        let size = (try? FileManager.default.attributesOfItem(atPath: folder.appendingPathComponent("model.bin").path)[.size] as? Int) ?? 0
        fingerprint = "\(folder.lastPathComponent):\(size)"
    }

    public var languages: [String]? { transcriber.model.isMultilingual ? transcriber.model.tokenizer.languages : nil }

    public func transcribe(_ samples: [Float], language: String?, count: Int) throws -> [TranscriptHypothesis] {
        var options = DecodingOptions()
        options.language = language
        options.beamSize = max(5, count)
        options.nBest = count
        options.withoutTimestamps = true
        return try transcriber.transcribe(samples, options: options).nBest.map { hypothesis in
            var text = hypothesis.text, cut: Bool?
            // A hypothesis the fallback could not cure still loops: its repeats are noise to the LLM.
            if let threshold = options.compressionRatioThreshold, transcriber.compressionRatio(text) > threshold {
                let result = RepetitionCut.cut(text)
                text = result.text
                cut = result.cut ? true : nil
            }
            return TranscriptHypothesis(text: text, score: hypothesis.averageLogProbability, logProbability: hypothesis.logProbability,
                                        repetitionCut: cut)
        }
    }
}
