// Options the speech-understanding commands share: which recognizer and LLM, the language, n-best and calibration.
import ArgumentParser
import Foundation
import SLU
import Whisper

struct CascadeOptions: ParsableArguments {
    @Option(help: "Transcripts of the audio in the prompt: 1 (the best) or K (the K best, with scores).")
    var nBest = 1

    @Flag(help: "Choose by raw log-probabilities instead of calibrated scores.")
    var noCalibration = false

    @OptionGroup var llm: LLMOptions

    @OptionGroup var whisper: WhisperOptions

    @OptionGroup var threads: ThreadOptions

    @Flag(help: "Print one JSON object per input.")
    var json = false

    func validate() throws {
        guard nBest >= 1 else { throw ValidationError("--n-best must be at least 1") }
    }

    /// A recognizer that returns each input's n-best transcripts with their average log-probabilities.
    func recognizer() throws -> (String, AudioInputOptions) throws -> [TranscriptHypothesis] {
        let recognizer = WhisperRecognizer(transcriber: Transcriber(model: try whisper.load(pool: threads.pool())),
                                           forcedLanguage: whisper.forcedLanguage)
        return { input, audio in try recognizer.transcribe(try audio.load(input), language: recognizer.forcedLanguage, count: nBest) }
    }

    /// The language model that scores the prompts.
    func scorer() async throws -> LogLikelihoodScorer { try await llm.scorer(pool: threads.pool()) }
}
