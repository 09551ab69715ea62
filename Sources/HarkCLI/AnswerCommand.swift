// `hark answer`: a multiple-choice question about a recording (or a text), answered by the embedded LLM.
import ArgumentParser
import Foundation
import SLU

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

    @OptionGroup var cascade: CascadeOptions

    @OptionGroup var audio: AudioInputOptions

    func validate() throws {
        guard (input == nil) != (text == nil) else { throw ValidationError("give either an audio file or --text") }
    }

    func run() async throws {
        let chooser = try await cascade.chooser()
        let passage = try input.map { try cascade.recognizer()($0, audio) } ?? [TranscriptHypothesis(text: text ?? "", score: 0)]
        let decision = try await chooser.answer(passage: passage, question: question,
                                                options: options.split(separator: "|", omittingEmptySubsequences: false).map(String.init))
        if cascade.json {
            print(try jsonLine(decision.jsonObject(passage: passage)))
        } else {
            print("\(decision.answer) \(decision.option)")
        }
    }
}
