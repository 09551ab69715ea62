// Errors of the language-model stage: one line each, naming the file and the field.
import HarkNumerics

public enum LLMError: Error, CustomStringConvertible, Equatable {
    case cannotRead(path: String)
    case notGGUF(path: String)
    case unsupportedVersion(path: String, version: UInt32)
    case corrupt(path: String, field: String, reason: String)
    case unsupportedTensorType(path: String, tensor: String, type: UInt32)
    case missingKey(path: String, key: String)
    case missingTensor(path: String, name: String)

    public var description: String {
        switch self {
        case let .cannotRead(path): return "\(path): cannot read file"
        case let .notGGUF(path): return "\(path): not a GGUF file (bad magic)"
        case let .unsupportedVersion(path, version): return "\(path): unsupported GGUF version \(version) (expected 2 or 3)"
        case let .corrupt(path, field, reason): return "\(path): corrupt GGUF at \(FileText.printable(field)): \(FileText.printable(reason, limit: 400))"
        case let .unsupportedTensorType(path, tensor, type):
            let name = GGMLType(rawValue: type).map { "\($0.name) (\(type))" } ?? "\(type)"
            return "\(path): tensor \(FileText.printable(tensor)) has type \(name), which Hark cannot read (it reads \(GGMLType.allCases.filter(\.isSupported).map(\.name).joined(separator: ", ")))"
        case let .missingKey(path, key): return "\(path): metadata has no \(key)"
        case let .missingTensor(path, name): return "\(path): no tensor \(name)"
        }
    }
}
