// Options the speech-understanding commands share: which recognizer and LLM, the language, n-best and calibration.
import ArgumentParser
import Foundation
import SLU
import Whisper

extension NBestMode: ExpressibleByArgument {}
extension ScoreKind: ExpressibleByArgument {}

struct CascadeOptions: ParsableArguments {
    @Option(help: "Transcripts of the audio the LLM sees: 1 (the best) or K (the K best, see --n-best-mode).")
    var nBest = 1

    @Option(help: "How K > 1 transcripts reach the LLM: marginal (each in its own prompt, decisions weighted by the recognizer's posterior), list (one prompt listing them with scores) or merged (the best transcript with the others' variants inline).")
    var nBestMode = NBestMode.chosen

    @Option(help: "Marginal mode: temperature of the posterior over the n-best (higher spreads the weight more evenly).")
    var posteriorTemperature = Marginalization.defaultTemperature

    @Option(help: ArgumentHelp("Prompt template: a text file with {text} and optionally {labels} (topics), or {passage}, {question} and optionally {options} (multiple choice).",
                               valueName: "file"))
    var promptTemplate: String?

    @Option(help: "How candidates are scored: cal (minus their score after a content-free input), raw (log-likelihood) or norm (log-likelihood per byte). Default: cal for topics, norm for answers.")
    var scoring: ScoreKind?

    @Flag(help: "Same as --scoring raw.")
    var noCalibration = false

    @OptionGroup var llm: LLMOptions

    @OptionGroup var whisper: WhisperOptions

    @OptionGroup var threads: ThreadOptions

    @Flag(help: "Print one JSON object per input.")
    var json = false

    func validate() throws {
        guard nBest >= 1 else { throw ValidationError("--n-best must be at least 1") }
        if noCalibration, scoring != nil { throw ValidationError("give --scoring or --no-calibration, not both") }
        guard posteriorTemperature > 0 else { throw ValidationError("--posterior-temperature must be positive") }
    }

    private func scoring(for task: PromptTemplate.Task) -> ScoreKind { noCalibration ? .raw : scoring ?? .chosen(for: task) }

    /// The --prompt-template file, checked to be a template of the command's task.
    func template(for task: PromptTemplate.Task) throws -> PromptTemplate {
        guard let promptTemplate else { return .default(for: task) }
        let template = try PromptTemplate(contentsOf: URL(fileURLWithPath: promptTemplate))
        guard template.task == task else { throw PromptTemplateError.wrongTask(path: promptTemplate, task: template.task) }
        return template
    }

    /// The topic classifier these options describe.
    func classifier() async throws -> TopicClassifier {
        var classifier = TopicClassifier(scorer: try await scorer(), scoring: scoring(for: .topic))
        classifier.template = try template(for: .topic)
        classifier.nBestMode = nBestMode
        classifier.temperature = posteriorTemperature
        return classifier
    }

    /// The multiple-choice answerer these options describe.
    func chooser() async throws -> MultipleChoice {
        var chooser = MultipleChoice(scorer: try await scorer(), scoring: scoring(for: .multipleChoice))
        chooser.template = try template(for: .multipleChoice)
        chooser.nBestMode = nBestMode
        chooser.temperature = posteriorTemperature
        return chooser
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
