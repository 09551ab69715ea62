// Errors of voice activity detection: a weights file that cannot be used.
import HarkNumerics

public enum VADError: Error, CustomStringConvertible, Equatable {
    case unreadable(path: String, reason: String)
    case corruptFile(path: String, field: String, reason: String)
    case missingTensor(path: String, name: String)
    case badShape(path: String, name: String, expected: [Int], actual: [Int])

    public var description: String {
        switch self {
        case let .unreadable(path, reason): return "\(path): not a safetensors file: \(reason)"
        case let .corruptFile(path, field, reason):
            return "\(path): corrupt safetensors file at \(FileText.printable(field)): \(FileText.printable(reason, limit: 400))"
        case let .missingTensor(path, name): return "\(path): not Silero VAD weights: no tensor \(name)"
        case let .badShape(path, name, expected, actual):
            return "\(path): not Silero VAD weights: tensor \(name) has shape \(actual), expected \(expected)"
        }
    }
}
