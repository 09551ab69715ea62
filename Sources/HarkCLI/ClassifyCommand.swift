// `hark classify`: the topic of recordings (Whisper n-best -> prompt -> embedded LLM scores) or of given text.
import ArgumentParser
import Foundation
import LLM
import SLU
import Whisper

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

    @Option(help: "Transcripts in the prompt: 1 (the best) or K (the K best, with scores).")
    var nBest = 1

    @Flag(help: "Choose by raw label log-probabilities instead of calibrated scores.")
    var noCalibration = false

    @Option(help: "GGUF language model (default: the installed Gemma 3 270M).")
    var llm: String?

    @Option(help: "Whisper model name or folder for audio inputs.")
    var model = "base"

    @Option(help: "Spoken language of the audio (or auto).")
    var language = "auto"

    @Flag(help: "Print one JSON object per input.")
    var json = false

    @OptionGroup var audio: AudioInputOptions

    func validate() throws {
        guard !inputs.isEmpty || !text.isEmpty else { throw ValidationError("give audio files or --text") }
        guard nBest >= 1 else { throw ValidationError("--n-best must be at least 1") }
    }

    func run() async throws {
        let labelList = labels.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }
            ?? TopicPrompt.sibFleursLabels
        let gguf = llm.map { URL(fileURLWithPath: $0) } ?? ModelCache.directory.appendingPathComponent("gemma-3-270m-q4_k_m.gguf")
        let classifier = TopicClassifier(scorer: EmbeddedScorer(scorer: Scorer(model: try Gemma3Model.load(from: gguf))),
                                         calibrated: !noCalibration)
        var items: [(name: String, hypotheses: [TranscriptHypothesis])] = text.map { ($0, [TranscriptHypothesis(text: $0, score: 0)]) }
        if !inputs.isEmpty {
            let transcriber = Transcriber(model: try WhisperModel.load(from: try ModelRegistry.whisperFolder(model)))
            var options = DecodingOptions()
            options.language = language == "auto" ? nil : language
            options.beamSize = max(5, nBest)
            options.nBest = nBest
            options.withoutTimestamps = true
            for input in inputs {
                let result = try transcriber.transcribe(try audio.load(input), options: options)
                items.append((input, result.nBest.map { TranscriptHypothesis(text: $0.text, score: $0.averageLogProbability) }))
            }
        }
        var failed = 0
        for item in items {
            do {
                let decision = try await classifier.classify(item.hypotheses, labels: labelList)
                if json {
                    let object: [String: Any] = [
                        "input": item.name, "label": decision.label, "scores": decision.scores, "raw_scores": decision.rawScores,
                        "transcripts": item.hypotheses.map { ["text": $0.text, "score": Double($0.score)] }, "prompt": decision.prompt,
                    ]
                    let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
                    print(String(decoding: data, as: UTF8.self))
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
