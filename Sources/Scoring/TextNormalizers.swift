// Whisper's evaluation normalizers (openai-whisper's normalizers/basic.py), ported so WER matches its papers.
import Foundation

public protocol TextNormalizer {
    func normalize(_ text: String) -> String
}

public enum TextNormalizers {
    /// English gets number and spelling standardization; every other language the basic normalizer.
    public static func forLanguage(_ code: String) -> TextNormalizer {
        code == "en" ? EnglishTextNormalizer.shared : BasicTextNormalizer()
    }

    /// Languages written without spaces between words: their word error rate is meaningless, read CER.
    public static func usesCharacterErrorRate(_ code: String) -> Bool {
        ["zh", "ja", "th", "lo", "my", "km", "yue"].contains(code)
    }
}

/// Lowercase, drop [bracketed] and (parenthesized) text, replace marks, symbols and punctuation by spaces,
/// optionally drop diacritics or put a space between every grapheme, collapse white space.
public struct BasicTextNormalizer: TextNormalizer {
    public var removeDiacritics = false
    public var splitLetters = false

    public init(removeDiacritics: Bool = false, splitLetters: Bool = false) {
        self.removeDiacritics = removeDiacritics
        self.splitLetters = splitLetters
    }

    public func normalize(_ text: String) -> String {
        var s = Python.lower(text)
        s = Regex.sub(#"[<\[][^>\]]*[>\]]"#, "", s)
        s = Regex.sub(#"\(([^)]+?)\)"#, "", s)
        s = Python.lower(removeDiacritics ? Symbols.removeSymbolsAndDiacritics(s) : Symbols.removeSymbols(s))
        if splitLetters { s = s.map(String.init).joined(separator: " ") }
        return Regex.sub(Python.spaces, " ", s)
    }
}

/// The parts of Python's string semantics the reference normalizers rely on, where Swift's differ.
enum Python {
    /// `\s+` as Python's re reads it: str.isspace(), which adds the separators U+001C-U+001F to Unicode's White_Space.
    static let spaces = #"[\s\x{0B}\x{1C}-\x{1F}\x{85}]+"#

    static func isSpace(_ scalar: Unicode.Scalar) -> Bool {
        scalar.properties.isWhitespace || (0x1C...0x1F).contains(scalar.value)
    }

    /// str.split(): runs of white space separate words, by code point (a zero-width joiner after a space must not
    /// glue them into one grapheme as Swift's Characters would).
    static func split(_ s: String) -> [String] {
        var words: [String] = [], current = String.UnicodeScalarView()
        for scalar in s.unicodeScalars {
            if isSpace(scalar) {
                if !current.isEmpty { words.append(String(current)); current = String.UnicodeScalarView() }
            } else {
                current.append(scalar)
            }
        }
        if !current.isEmpty { words.append(String(current)) }
        return words
    }

    /// str.lower(): full lowercase mappings, with capital sigma written final (ς) at the end of a word.
    static func lower(_ s: String) -> String {
        let scalars = Array(s.unicodeScalars)
        var out = String.UnicodeScalarView()
        for (i, scalar) in scalars.enumerated() {
            if scalar == "\u{03A3}" && isFinalSigma(scalars, at: i) {
                out.append("\u{03C2}")
            } else {
                out.append(contentsOf: scalar.properties.lowercaseMapping.unicodeScalars)
            }
        }
        return String(out)
    }

    /// Unicode's Final_Sigma: a cased letter before (case-ignorable marks between), none after.
    private static func isFinalSigma(_ scalars: [Unicode.Scalar], at index: Int) -> Bool {
        func casedNeighbour(_ indices: some Sequence<Int>) -> Bool {
            for j in indices {
                let properties = scalars[j].properties
                if properties.isCaseIgnorable { continue }
                return properties.isCased
            }
            return false
        }
        return casedNeighbour(stride(from: index - 1, through: 0, by: -1)) && !casedNeighbour(index + 1..<scalars.count)
    }
}

enum Symbols {
    /// Letters NFKD does not take apart, written as Whisper's normalizer writes them.
    static let additionalDiacritics: [Unicode.Scalar: String] = [
        "œ": "oe", "Œ": "OE", "ø": "o", "Ø": "O", "æ": "ae", "Æ": "AE", "ß": "ss", "ẞ": "SS",
        "đ": "d", "Đ": "D", "ð": "d", "Ð": "D", "þ": "th", "Þ": "th", "ł": "l", "Ł": "L",
    ]

    /// Unicode general categories whose first letter is M (marks), S (symbols) or P (punctuation).
    static func isMarkSymbolOrPunctuation(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .nonspacingMark, .spacingMark, .enclosingMark,
             .mathSymbol, .currencySymbol, .modifierSymbol, .otherSymbol,
             .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation:
            return true
        default:
            return false
        }
    }

    /// NFKD, then diacritics (category Mn) dropped, other marks, symbols and punctuation to spaces, except `keep`.
    static func removeSymbolsAndDiacritics(_ s: String, keep: Set<Unicode.Scalar> = []) -> String {
        var out = String.UnicodeScalarView()
        for scalar in s.decomposedStringWithCompatibilityMapping.unicodeScalars {
            if keep.contains(scalar) {
                out.append(scalar)
            } else if let replacement = additionalDiacritics[scalar] {
                out.append(contentsOf: replacement.unicodeScalars)
            } else if scalar.properties.generalCategory == .nonspacingMark {
                continue
            } else if isMarkSymbolOrPunctuation(scalar) {
                out.append(" ")
            } else {
                out.append(scalar)
            }
        }
        return String(out)
    }

    /// NFKC, then marks, symbols and punctuation to spaces (diacritics kept, composed).
    static func removeSymbols(_ s: String) -> String {
        String(String.UnicodeScalarView(s.precomposedStringWithCompatibilityMapping.unicodeScalars.map {
            isMarkSymbolOrPunctuation($0) ? " " : $0
        }))
    }
}

/// Python's re.sub over NSRegularExpression (ICU), with compiled patterns cached.
enum Regex {
    private static let cache = RegexCache()

    static func compiled(_ pattern: String) -> NSRegularExpression { cache.get(pattern) }

    /// Replaces every match; the template uses $1 for groups.
    static func sub(_ pattern: String, _ template: String, _ s: String) -> String {
        compiled(pattern).stringByReplacingMatches(in: s, range: NSRange(s.startIndex..., in: s), withTemplate: template)
    }

    /// Replaces every match by what `replace` makes of its groups (nil for a group that did not take part).
    static func sub(_ pattern: String, _ s: String, _ replace: ([String?]) -> String) -> String {
        let matches = compiled(pattern).matches(in: s, range: NSRange(s.startIndex..., in: s))
        var out = "", last = s.startIndex
        for match in matches {
            let range = Range(match.range, in: s)!
            out += s[last..<range.lowerBound]
            let groups = (0..<match.numberOfRanges).map { Range(match.range(at: $0), in: s).map { String(s[$0]) } }
            out += replace(groups)
            last = range.upperBound
        }
        return out + s[last...]
    }

    static func matches(_ pattern: String, _ s: String) -> Bool {
        compiled(pattern).firstMatch(in: s, range: NSRange(s.startIndex..., in: s)) != nil
    }

    /// Python's re.split: the pieces between matches.
    static func split(_ pattern: String, _ s: String) -> [String] {
        var pieces: [String] = [], last = s.startIndex
        for match in compiled(pattern).matches(in: s, range: NSRange(s.startIndex..., in: s)) {
            let range = Range(match.range, in: s)!
            pieces.append(String(s[last..<range.lowerBound]))
            last = range.upperBound
        }
        return pieces + [String(s[last...])]
    }
}

private final class RegexCache: @unchecked Sendable {
    private var compiled: [String: NSRegularExpression] = [:]
    private let lock = NSLock()

    func get(_ pattern: String) -> NSRegularExpression {
        lock.lock()
        defer { lock.unlock() }
        if let regex = compiled[pattern] { return regex }
        let regex = try! NSRegularExpression(pattern: pattern)
        compiled[pattern] = regex
        return regex
    }
}
