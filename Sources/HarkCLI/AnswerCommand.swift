// `hark answer`: a multiple-choice question about a recording (or a text), answered by the embedded LLM.
import ArgumentParser
import Foundation
import LLM
import SLU
import Whisper

struct AnswerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "answer",
        abstract: "Answer a four-option question about a recording or a text (Belebele-style listening comprehension).",
        discussion: """
            Prints the chosen option's number (1-4) and text, or JSON with --json (answer, option, scores, \
            raw_scores, transcripts, prompt).
              hark answer --text "The museum is closed on Mondays." --question "When is it closed?" --options "Sundays|Mondays|Fridays|Never"
              hark answer Audio/jfk.flac --language en --question "Who should you ask?" --options "Yourself|Your country|Your friends|Nobody"
            """)

    @Argument(help: "An audio file, or '-' for standard input (or use --text).")
    var input: String?

    @Option(help: "The passage as text instead of audio.")
    var text: String?

    @Option(help: "The question.")
    var question: String

    @Option(help: "Four options separated by '|'.")
    var options: String

    @Option(help: "Transcripts of the audio in the prompt (1 = the best).")
    var nBest = 1

    @Flag(help: "Choose by raw log-probabilities instead of calibrated scores.")
    var noCalibration = false

    @Option(help: "GGUF language model (default: the installed Gemma 3 270M).")
    var llm: String?

    @Option(help: "Whisper model name or folder for audio.")
    var model = "base"

    @Option(help: "Spoken language of the audio (or auto).")
    var language = "auto"

    @Flag(help: "Print JSON.")
    var json = false

    @OptionGroup var audio: AudioInputOptions

    func validate() throws {
        guard (input == nil) != (text == nil) else { throw ValidationError("give either an audio file or --text") }
    }

    func run() async throws {
        let gguf = llm.map { URL(fileURLWithPath: $0) } ?? ModelCache.directory.appendingPathComponent("gemma-3-270m-q4_k_m.gguf")
        let chooser = MultipleChoice(scorer: EmbeddedScorer(scorer: Scorer(model: try Gemma3Model.load(from: gguf))), calibrated: !noCalibration)
        var passage = text.map { [TranscriptHypothesis(text: $0, score: 0)] } ?? []
        if let input {
            var decoding = DecodingOptions()
            decoding.language = language == "auto" ? nil : language
            decoding.beamSize = max(5, nBest)
            decoding.nBest = nBest
            decoding.withoutTimestamps = true
            let result = try Transcriber(model: try WhisperModel.load(from: try ModelRegistry.whisperFolder(model)))
                .transcribe(try audio.load(input), options: decoding)
            passage = result.nBest.map { TranscriptHypothesis(text: $0.text, score: $0.averageLogProbability) }
        }
        let decision = try await chooser.answer(passage: passage, question: question,
                                                options: options.split(separator: "|", omittingEmptySubsequences: false).map(String.init))
        if json {
            let object: [String: Any] = ["answer": decision.answer, "option": decision.option, "scores": decision.scores,
                                         "raw_scores": decision.rawScores, "prompt": decision.prompt,
                                         "transcripts": passage.map { ["text": $0.text, "score": Double($0.score)] }]
            print(String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]), as: UTF8.self))
        } else {
            print("\(decision.answer) \(decision.option)")
        }
    }
}
