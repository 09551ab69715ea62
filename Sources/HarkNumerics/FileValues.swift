// Values read from files, made safe to use: sizes multiplied without overflow, names shown without control characters.

public enum Sizes {
    /// The product of `dimensions` (1 for none), or nil when a dimension is negative or the product exceeds `limit`.
    public static func product(_ dimensions: [Int], limit: Int = Int.max) -> Int? {
        var total = 1
        for dimension in dimensions {
            guard dimension >= 0 else { return nil }
            let (next, overflow) = total.multipliedReportingOverflow(by: dimension)
            guard !overflow, next <= limit else { return nil }
            total = next
        }
        return total
    }
}

public enum FileText {
    /// Text from a file (a key, a tensor name, a header) fit for a one-line message: control characters escaped
    /// (a newline would split the line, an escape sequence would drive the terminal), and at most `limit` characters.
    public static func printable(_ text: some StringProtocol, limit: Int = 200) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            if out.unicodeScalars.count >= limit { return out + "..." }
            let category = scalar.properties.generalCategory
            if category == .control || category == .lineSeparator || category == .paragraphSeparator || category == .format {
                out += scalar.escaped(asASCII: true)
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
