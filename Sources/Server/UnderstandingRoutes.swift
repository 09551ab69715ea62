// POST /v1/classify and /v1/answer: the SLU cascade on an uploaded recording or a text, answered as `hark classify --json` and `hark answer --json` print.
import Foundation
import Hummingbird
import SLU
import Whisper

extension HarkServer {
    func classify(_ request: Request, context: HarkContext) async throws -> Response {
        let form = try await self.form(request)
        try checkModel(form)
        let scorer = try requireScorer()
        let labels = Self.list(form.texts("labels"), separator: ",")
        var classifier = TopicClassifier(scorer: scorer, scoring: try scoring(form, task: .topic))
        (classifier.nBestMode, classifier.temperature) = try nBestSettings(form)
        let passage = try await passage(form, context: context)
        let configured = classifier
        let decision = try await workers.run(closingWith: context.channel) {
            try await configured.classify(passage.hypotheses, labels: labels.isEmpty ? TopicPrompt.sibFleursLabels : labels)
        }
        return Self.json(decision.jsonObject(input: passage.name, transcripts: passage.hypotheses))
    }

    func answer(_ request: Request, context: HarkContext) async throws -> Response {
        let form = try await self.form(request)
        try checkModel(form)
        let scorer = try requireScorer()
        guard let question = form.text("question"), !question.isEmpty else { throw APIError.badRequest("the 'question' field is missing", param: "question") }
        let options = Self.list(form.texts("options"), separator: "|")
        guard options.count >= 2 else {
            throw APIError.badRequest("'options' needs at least two answers (repeated fields, a JSON list, or one field separated by '|')", param: "options")
        }
        var chooser = MultipleChoice(scorer: scorer, scoring: try scoring(form, task: .multipleChoice))
        (chooser.nBestMode, chooser.temperature) = try nBestSettings(form)
        let passage = try await passage(form, context: context)
        let configured = chooser
        let decision = try await workers.run(closingWith: context.channel) {
            try await configured.answer(passage: passage.hypotheses, question: question, options: options)
        }
        return Self.json(decision.jsonObject(passage: passage.hypotheses))
    }

    private func requireScorer() throws -> LogLikelihoodScorer {
        guard let scorer = models.scorer else {
            throw APIError(status: .serviceUnavailable, message: "this server runs without a language model (started with --no-llm)",
                           type: "server_error", code: "no_language_model")
        }
        return scorer
    }

    /// The task's chosen score kind, or raw log-likelihoods when the form says `calibration: false`.
    private func scoring(_ form: RequestForm, task: PromptTemplate.Task) throws -> ScoreKind {
        try form.text("calibration") == nil || form.flag("calibration") ? .chosen(for: task) : .raw
    }

    /// How n-best transcripts reach the language model: `n_best_mode` and `posterior_temperature`, as
    /// `--n-best-mode` and `--posterior-temperature` give them to the commands, or the chosen defaults.
    private func nBestSettings(_ form: RequestForm) throws -> (mode: NBestMode, temperature: Double) {
        let mode = try form.choice("n_best_mode", of: NBestMode.self) ?? .chosen
        let temperature = try form.number("posterior_temperature") ?? Marginalization.defaultTemperature
        guard temperature > 0 else {
            throw APIError.badRequest("'posterior_temperature' must be positive, got \(temperature)", param: "posterior_temperature")
        }
        return (mode, temperature)
    }

    /// The passage to understand: the uploaded recording's n-best transcripts, or the given text.
    private func passage(_ form: RequestForm, context: HarkContext) async throws -> (name: String, hypotheses: [TranscriptHypothesis]) {
        let text = form.text("text")
        let upload = form.file("file")
        guard (text == nil) != (upload == nil) else {
            throw APIError.badRequest("give either a 'file' (audio) or a 'text' field", param: upload == nil ? "file" : "text")
        }
        if let text {
            guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { throw APIError.badRequest("'text' is empty", param: "text") }
            return (text, [TranscriptHypothesis(text: text, score: 0)])
        }
        let count = try form.integer("n_best") ?? 1
        guard (1...16).contains(count) else { throw APIError.badRequest("'n_best' must be between 1 and 16", param: "n_best") }
        let recognizer = WhisperRecognizer(transcriber: Transcriber(model: models.whisper),
                                           forcedLanguage: try language(form.text("language")))
        let uploads = self.uploads, metrics = self.metrics
        let hypotheses = try await workers.run(closingWith: context.channel) { () throws -> [TranscriptHypothesis] in
            let audio = try uploads.decode(upload!)
            metrics.recognized(seconds: Double(audio.samples.count) / 16_000)
            return try recognizer.transcribe(audio.samples, language: recognizer.forcedLanguage, count: count)
        }
        return (upload!.filename, hypotheses)
    }

    /// A list given as repeated fields, a JSON list, or one field with separators.
    static func list(_ values: [String], separator: Character) -> [String] {
        let items = values.count == 1 ? values[0].split(separator: separator, omittingEmptySubsequences: false).map(String.init) : values
        return items.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
}
