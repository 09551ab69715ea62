// Errors for bad audio input: one line each, naming the input and the problem.

public enum AudioError: Error, CustomStringConvertible, Equatable {
    case cannotOpen(name: String, reason: String)
    case empty(name: String)
    case invalidHeader(name: String, reason: String)
    case unreadable(name: String, reason: String)
    case nonFiniteSample(name: String, frame: Int64)
    case resampler(name: String, reason: String)

    public var description: String {
        switch self {
        case let .cannotOpen(name, reason): return "\(name): cannot open audio: \(reason)"
        case let .empty(name): return "\(name): no audio samples"
        case let .invalidHeader(name, reason): return "\(name): invalid header: \(reason)"
        case let .unreadable(name, reason): return "\(name): cannot decode audio: \(reason)"
        case let .nonFiniteSample(name, frame): return "\(name): sample at frame \(frame) is NaN or infinite"
        case let .resampler(name, reason): return "\(name): resampling failed: \(reason)"
        }
    }
}
