// Errors of the feature stage: one line each, naming the file and the field.
import HarkNumerics

public enum FeaturesError: Error, CustomStringConvertible, Equatable {
    case unsupportedMelCount(Int)
    case invalidFile(path: String, reason: String)
    case truncatedFile(path: String, expectedBytes: Int, actualBytes: Int)

    public var description: String {
        switch self {
        case let .unsupportedMelCount(count): return "unsupported mel bin count \(count) (Whisper models use 80 or 128)"
        case let .invalidFile(path, reason): return "\(path): \(FileText.printable(reason, limit: 400))"
        case let .truncatedFile(path, expected, actual):
            return "\(path): truncated: expected \(expected) bytes, found \(actual)"
        }
    }
}
