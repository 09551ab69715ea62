// Whisper as the benchmark's recognizer: beam search, n-best transcripts, the manifest's language passed on.
import Foundation
import SLU
import Whisper

public struct WhisperRecognizer: SpeechRecognizer {
    public let transcriber: Transcriber
    public let fingerprint: String
    /// A language for every item (`--language`), overriding the manifest.
    public var forcedLanguage: String?

    public init(transcriber: Transcriber, forcedLanguage: String? = nil) {
        self.transcriber = transcriber
        self.forcedLanguage = forcedLanguage
        let folder = transcriber.model.folder
        let size = (try? FileManager.default.attributesOfItem(atPath: folder.appendingPathComponent("model.bin").path)[.size] as? Int) ?? 0
        fingerprint = "\(folder.lastPathComponent):\(size)"
    }

    /// The manifest knows the language; giving it to Whisper avoids misdetection on poor audio, where the
    /// text otherwise collapses into another script.
    public func language(for item: BenchItem) -> String? {
        guard transcriber.model.isMultilingual else { return nil }
        let supported = transcriber.model.tokenizer.languages
        if let forcedLanguage { return forcedLanguage }
        if let asrLang = item.asrLang, supported.contains(asrLang) { return asrLang }
        return WhisperLanguage.code(for: item.lang, supported: supported)
    }

    public func transcribe(_ samples: [Float], language: String?, count: Int) throws -> [TranscriptHypothesis] {
        var options = DecodingOptions()
        options.language = language
        options.beamSize = max(5, count)
        options.nBest = count
        options.withoutTimestamps = true
        return try transcriber.transcribe(samples, options: options).nBest
            .map { TranscriptHypothesis(text: $0.text, score: $0.averageLogProbability) }
    }
}
