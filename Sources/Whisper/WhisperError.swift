// Errors of the recognizer: a model folder or file that cannot be used, or input it cannot take.
import HarkNumerics

public enum WhisperError: Error, CustomStringConvertible, Equatable {
    case missingFile(folder: String, file: String)
    case notAWhisperModel(path: String, reason: String)
    case corruptModel(path: String, field: String, reason: String)
    case missingVariable(path: String, name: String)
    case badShape(path: String, name: String, expected: [Int], actual: [Int])
    case unknownLanguage(String)
    case englishOnlyModel(language: String)
    case unsupportedTask(String)
    case featureMismatch(expectedMels: Int, actualMels: Int)

    public var description: String {
        switch self {
        case let .missingFile(folder, file): return "\(folder): not a Whisper model folder: missing \(file)"
        case let .notAWhisperModel(path, reason): return "\(path): not a Whisper model: \(FileText.printable(reason, limit: 400))"
        case let .corruptModel(path, field, reason):
            return "\(path): corrupt model file at \(FileText.printable(field)): \(FileText.printable(reason, limit: 400))"
        case let .missingVariable(path, name): return "\(path): model has no variable \(FileText.printable(name))"
        case let .badShape(path, name, expected, actual):
            return "\(path): variable \(name) has shape \(actual), expected \(expected)"
        case let .unknownLanguage(code): return "unknown language '\(code)' (use a Whisper language code such as en, es, fr, or auto)"
        case let .englishOnlyModel(language):
            return "the model is English-only and cannot transcribe '\(language)' (use a multilingual model such as base)"
        case let .unsupportedTask(reason): return reason
        case let .featureMismatch(expected, actual):
            return "features have \(actual) mel bins but the model expects \(expected)"
        }
    }
}
