// Options every command that runs Whisper on audio shares: which model, and the spoken language.
import ArgumentParser
import Whisper

struct WhisperOptions: ParsableArguments {
    @Option(help: "Whisper model: a name (base, tiny.en) or a CTranslate2 model folder.")
    var model = "base"

    @Option(help: "Spoken language code (en, es, ...), or auto to detect it from the speech; give it when you know it.")
    var language = "auto"

    /// The language to pass to the recognizer; nil detects it.
    var forcedLanguage: String? { language == "auto" ? nil : language }

    func load() throws -> WhisperModel { try ModelRegistry.loadWhisper(model) }
}
