// Options every command that runs Whisper on audio shares: which model, its compute type, and the spoken language.
import ArgumentParser
import HarkNumerics
import Whisper

struct WhisperOptions: ParsableArguments {
    @Option(help: "Whisper model: a name (base, tiny.en) or a CTranslate2 model folder.")
    var model = "base"

    @Option(help: ComputeType.help)
    var computeType = ComputeType.default

    @Option(help: "Spoken language code (en, es, ...), or auto to detect it from the speech; give it when you know it.")
    var language = "auto"

    /// The language to pass to the recognizer; nil detects it.
    var forcedLanguage: String? { language == "auto" ? nil : language }

    func load(pool: ThreadPool) throws -> WhisperModel {
        try ModelRegistry.loadWhisper(model, computeType: computeType, pool: pool)
    }
}
