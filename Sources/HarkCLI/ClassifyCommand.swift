// `hark classify`: the topic of recordings (Whisper n-best -> prompt -> embedded LLM scores) or of given text.
import ArgumentParser
import Foundation
import SLU

struct ClassifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "classify",
        abstract: "Classify the topic of recordings or text with the embedded Gemma 3 model (calibrated label scores).",
        discussion: """
            Audio is transcribed first (pass --language when you know it: on poor audio Whisper's detection can \
            pick the wrong language); with --n-best K the K best transcripts go into the prompt with their scores. \
            Labels default to the seven SIB-Fleurs topics. Prints one label per input, or one JSON object per \
            input with --json (label, scores, raw_scores, transcripts, prompt).
              hark classify --text "The striker scored twice in the final."
              hark classify --language es --n-best 5 --json Audio/asterisk-es-vm-intro.flac
            """)

    @Argument(help: "Audio files, or '-' for standard input.")
    var inputs: [String] = []

    @Option(help: "Classify this text instead of audio (repeatable).")
    var text: [String] = []

    @Option(help: "Comma-separated labels (default: the seven SIB-Fleurs topics).")
    var labels: String?

    @OptionGroup var cascade: CascadeOptions

    @OptionGroup var audio: AudioInputOptions

    func validate() throws {
        guard !inputs.isEmpty || !text.isEmpty else { throw ValidationError("give audio files or --text") }
    }

    func run() async throws {
        let labelList = labels.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }
            ?? TopicPrompt.sibFleursLabels
        let classifier = TopicClassifier(scorer: try await cascade.llm.scorer(), calibrated: !cascade.noCalibration)
        var items: [(name: String, hypotheses: [TranscriptHypothesis])] = text.map { ($0, [TranscriptHypothesis(text: $0, score: 0)]) }
        if !inputs.isEmpty {
            let recognize = try cascade.recognizer()
            for input in inputs { items.append((input, try recognize(input, audio))) }
        }
        var failed = 0
        for item in items {
            do {
                let decision = try await classifier.classify(item.hypotheses, labels: labelList)
                if cascade.json {
                    try cascade.printJSON(["input": item.name, "label": decision.label, "scores": decision.scores,
                                           "raw_scores": decision.rawScores, "transcripts": item.hypotheses.jsonObjects,
                                           "prompt": decision.prompt])
                } else {
                    print(decision.label)
                }
            } catch {
                printError("\(item.name): \(error)")
                failed += 1
            }
        }
        if failed > 0 { throw CLIError.someInputsFailed(failed: failed, total: items.count) }
    }
}
