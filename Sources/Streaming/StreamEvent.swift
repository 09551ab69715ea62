// What the stream reports: partial and final text with times in the input, and utterance ends; one JSON line each.
import Foundation

public struct StreamEvent: Equatable, Sendable {
    public enum Kind: String, Sendable {
        /// The current guess after the committed text; replaced by the next partial.
        case partial
        /// Committed text; it never changes.
        case final
        /// The utterance ended (silence, --max-utterance-s or end of input); carries no text.
        case endOfUtterance
    }

    public var kind: Kind
    /// Seconds from the start of the input.
    public var start: Double
    public var end: Double
    public var text: String

    public init(kind: Kind, start: Double, end: Double, text: String) {
        self.kind = kind
        self.start = start
        self.end = end
        self.text = text
    }

    /// `{"type": "partial"|"final", "start": s, "end": s, "text": ...}`; nil for events users do not see in JSON.
    public var jsonLine: String? {
        guard kind != .endOfUtterance else { return nil }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .withoutEscapingSlashes
        let quoted = String(decoding: (try? encoder.encode(text)) ?? Data("\"\"".utf8), as: UTF8.self)
        return String(format: "{\"type\": \"%@\", \"start\": %.2f, \"end\": %.2f, \"text\": %@}", kind.rawValue, start, end, quoted)
    }
}
