// Word and character error rates: Levenshtein distance over words or characters, divided by the reference length.

public struct ErrorCount: Equatable, Sendable {
    /// Substitutions + deletions + insertions.
    public var edits: Int
    public var referenceLength: Int

    public init(edits: Int, referenceLength: Int) {
        self.edits = edits
        self.referenceLength = referenceLength
    }

    public var rate: Double { referenceLength == 0 ? (edits == 0 ? 0 : 1) : Double(edits) / Double(referenceLength) }

    public static func + (a: ErrorCount, b: ErrorCount) -> ErrorCount {
        ErrorCount(edits: a.edits + b.edits, referenceLength: a.referenceLength + b.referenceLength)
    }
}

public enum ErrorRate {
    /// Word errors after splitting both texts on white space (normalize first for a fair comparison).
    public static func words(reference: String, hypothesis: String) -> ErrorCount {
        count(reference.split(whereSeparator: \.isWhitespace).map(String.init),
              hypothesis.split(whereSeparator: \.isWhitespace).map(String.init))
    }

    /// Character errors, white space removed (for languages written without spaces).
    public static func characters(reference: String, hypothesis: String) -> ErrorCount {
        count(reference.filter { !$0.isWhitespace }.map(String.init), hypothesis.filter { !$0.isWhitespace }.map(String.init))
    }

    static func count(_ reference: [String], _ hypothesis: [String]) -> ErrorCount {
        var previous = Array(0...hypothesis.count)
        for (i, r) in reference.enumerated() {
            var current = [i + 1] + [Int](repeating: 0, count: hypothesis.count)
            for (j, h) in hypothesis.enumerated() {
                current[j + 1] = min(previous[j] + (r == h ? 0 : 1), previous[j + 1] + 1, current[j] + 1)
            }
            previous = current
        }
        return ErrorCount(edits: previous[hypothesis.count], referenceLength: reference.count)
    }
}
