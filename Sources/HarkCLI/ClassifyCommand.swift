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
            pick the wrong language); with --n-best K the K best transcripts are each classified and the decisions \
            weighted by the recognizer's posterior (--n-best-mode marginal), or listed in one prompt (list). \
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
        let classifier = try await cascade.classifier()
        let recognize = inputs.isEmpty ? nil : try cascade.recognizer()
        // Texts first, then recordings, each recognized and classified before the next: a bad file is reported and
        // skipped, and the others still get their label.
        let items = text.map { (name: $0, text: Optional($0)) } + inputs.map { (name: $0, text: nil) }
        var failures = BatchFailures(total: items.count)
        for item in items {
            do {
                let hypotheses = try item.text.map { [TranscriptHypothesis(text: $0, score: 0)] } ?? recognize!(item.name, audio)
                let decision = try await classifier.classify(hypotheses, labels: labelList)
                if cascade.json {
                    print(try jsonLine(decision.jsonObject(input: item.name, transcripts: hypotheses)))
                } else {
                    print(decision.label)
                }
            } catch {
                failures.record(item.name, error)
            }
        }
        try failures.finish()
    }
}
