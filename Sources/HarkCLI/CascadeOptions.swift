// Options the speech-understanding commands share: which recognizer and LLM, the language, n-best and calibration.
import ArgumentParser
import Foundation
import LLM
import SLU
import Whisper

struct CascadeOptions: ParsableArguments {
    @Option(help: "Transcripts of the audio in the prompt: 1 (the best) or K (the K best, with scores).")
    var nBest = 1

    @Flag(help: "Choose by raw log-probabilities instead of calibrated scores.")
    var noCalibration = false

    @Option(help: "GGUF language model (default: the installed Gemma 3 270M).")
    var llm: String?

    @Option(help: "Whisper model name or folder for audio inputs.")
    var model = "base"

    @Option(help: "Spoken language of the audio (or auto; give it when you know it).")
    var language = "auto"

    @Flag(help: "Print one JSON object per input.")
    var json = false

    func validate() throws {
        guard nBest >= 1 else { throw ValidationError("--n-best must be at least 1") }
    }

    /// The embedded scorer over the chosen GGUF.
    func scorer() throws -> EmbeddedScorer {
        let gguf = llm.map { URL(fileURLWithPath: $0) } ?? ModelCache.directory.appendingPathComponent("gemma-3-270m-q4_k_m.gguf")
        return EmbeddedScorer(scorer: Scorer(model: try Gemma3Model.load(from: gguf)))
    }

    /// A recognizer that returns each input's n-best transcripts with their average log-probabilities.
    func recognizer() throws -> (String, AudioInputOptions) throws -> [TranscriptHypothesis] {
        let transcriber = Transcriber(model: try WhisperModel.load(from: try ModelRegistry.whisperFolder(model)))
        var options = DecodingOptions()
        options.language = language == "auto" ? nil : language
        options.beamSize = max(5, nBest)
        options.nBest = nBest
        options.withoutTimestamps = true
        return { input, audio in
            try transcriber.transcribe(try audio.load(input), options: options).nBest
                .map { TranscriptHypothesis(text: $0.text, score: $0.averageLogProbability) }
        }
    }

    /// One line of JSON with sorted keys, as every command prints it.
    func printJSON(_ object: [String: Any]) throws {
        print(String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]), as: UTF8.self))
    }
}

extension Array where Element == TranscriptHypothesis {
    var jsonObjects: [[String: Any]] { map { ["text": $0.text, "score": Double($0.score)] } }
}
