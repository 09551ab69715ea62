// Whisper's English normalizer (openai-whisper's normalizers/english.py): contractions, titles, spelled-out
// numbers to digits, currencies and percentages, British to American spelling (the map is openai-whisper's
// english.json, MIT licence, kept as this module's resource).
import Foundation

public final class EnglishTextNormalizer: TextNormalizer, @unchecked Sendable {
    public static let shared = EnglishTextNormalizer()

    private let numbers = EnglishNumberNormalizer()
    private let spellings: [String: String] = {
        // The resource is part of the build: a missing or broken file is a broken installation, not bad input.
        let url = Bundle.module.url(forResource: "english", withExtension: "json")!
        return try! JSONDecoder().decode([String: String].self, from: Data(contentsOf: url))
    }()

    static let ignorePatterns = #"\b(hmm|mm|mhm|mmm|uh|um)\b"#
    /// Applied in this order, as the reference applies its dictionary.
    static let replacers: [(String, String)] = [
        // common contractions
        (#"\bwon't\b"#, "will not"), (#"\bcan't\b"#, "can not"), (#"\blet's\b"#, "let us"), (#"\bain't\b"#, "aint"),
        (#"\by'all\b"#, "you all"), (#"\bwanna\b"#, "want to"), (#"\bgotta\b"#, "got to"), (#"\bgonna\b"#, "going to"),
        (#"\bi'ma\b"#, "i am going to"), (#"\bimma\b"#, "i am going to"), (#"\bwoulda\b"#, "would have"),
        (#"\bcoulda\b"#, "could have"), (#"\bshoulda\b"#, "should have"), (#"\bma'am\b"#, "madam"),
        // contractions in titles and prefixes
        (#"\bmr\b"#, "mister "), (#"\bmrs\b"#, "missus "), (#"\bst\b"#, "saint "), (#"\bdr\b"#, "doctor "),
        (#"\bprof\b"#, "professor "), (#"\bcapt\b"#, "captain "), (#"\bgov\b"#, "governor "), (#"\bald\b"#, "alderman "),
        (#"\bgen\b"#, "general "), (#"\bsen\b"#, "senator "), (#"\brep\b"#, "representative "), (#"\bpres\b"#, "president "),
        (#"\brev\b"#, "reverend "), (#"\bhon\b"#, "honorable "), (#"\basst\b"#, "assistant "), (#"\bassoc\b"#, "associate "),
        (#"\blt\b"#, "lieutenant "), (#"\bcol\b"#, "colonel "), (#"\bjr\b"#, "junior "), (#"\bsr\b"#, "senior "),
        (#"\besq\b"#, "esquire "),
        // perfect tenses
        (#"'d been\b"#, " had been"), (#"'s been\b"#, " has been"), (#"'d gone\b"#, " had gone"), (#"'s gone\b"#, " has gone"),
        (#"'d done\b"#, " had done"), (#"'s got\b"#, " has got"),
        // general contractions
        (#"n't\b"#, " not"), (#"'re\b"#, " are"), (#"'s\b"#, " is"), (#"'d\b"#, " would"), (#"'ll\b"#, " will"),
        (#"'t\b"#, " not"), (#"'ve\b"#, " have"), (#"'m\b"#, " am"),
    ]

    public func normalize(_ text: String) -> String {
        var s = Python.lower(text)
        s = Regex.sub(#"[<\[][^>\]]*[>\]]"#, "", s)
        s = Regex.sub(#"\(([^)]+?)\)"#, "", s)
        s = Regex.sub(Self.ignorePatterns, "", s)
        s = Regex.sub(Python.spaces + "'", "'", s)
        for (pattern, replacement) in Self.replacers { s = Regex.sub(pattern, replacement, s) }
        s = Regex.sub(#"(\d),(\d)"#, "$1$2", s)
        s = Regex.sub(#"\.([^0-9]|$)"#, " $1", s)
        s = Symbols.removeSymbolsAndDiacritics(s, keep: [".", "%", "$", "¢", "€", "£"])
        s = numbers.normalize(s)
        s = Python.split(s).map { spellings[$0] ?? $0 }.joined(separator: " ")
        // prefix and suffix symbols that are not next to a number
        s = Regex.sub(#"[.$¢€£]([^0-9])"#, " $1", s)
        s = Regex.sub(#"([^0-9])%"#, "$1 ", s)
        return Regex.sub(Python.spaces, " ", s)
    }
}

/// Spelled-out numbers to digits, keeping suffixes (1960s, 21st), currencies after the number ($20 million ->
/// $20000000), percentages, and runs of single digits read as a nominal ("one oh one" -> 101).
final class EnglishNumberNormalizer {
    /// Python's int-or-str: integers grow by arithmetic, strings by concatenation (decimals, "007", IP parts).
    /// Decimal holds the integers exactly to 38 digits (the reference's ints are unbounded).
    enum Value {
        case integer(Decimal)
        case text(String)

        var string: String {
            switch self {
            case let .integer(n): return n.integerString
            case let .text(s): return s
            }
        }
    }

    let zeros: Set<String> = ["o", "oh", "zero"]
    let ones: [String: Int]
    let onesSuffixed: [String: (Int, String)]
    let tens: [String: Int] = ["twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90]
    let tensSuffixed: [String: (Int, String)]
    let multipliers: [String: Decimal]
    let multipliersSuffixed: [String: (Decimal, String)]
    let decimals: Set<String>
    let precedingPrefixers = ["minus": "-", "negative": "-", "plus": "+", "positive": "+"]
    let followingPrefixers = ["pound": "£", "pounds": "£", "euro": "€", "euros": "€", "dollar": "$", "dollars": "$", "cent": "¢", "cents": "¢"]
    let prefixes: Set<Character> = ["-", "+", "£", "€", "$", "¢"]
    let specials: Set<String> = ["and", "double", "triple", "point"]
    let words: Set<String>

    init() {
        let names = ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
                     "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"]
        ones = Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, $0 + 1) })
        var onesSuffixed: [String: (Int, String)] = [:]
        for (name, value) in ones { onesSuffixed[name == "six" ? "sixes" : name + "s"] = (value, "s") }
        let ordinals: [String: (Int, String)] = ["zeroth": (0, "th"), "first": (1, "st"), "second": (2, "nd"), "third": (3, "rd"),
                                                 "fifth": (5, "th"), "twelfth": (12, "th")]
        onesSuffixed.merge(ordinals) { $1 }
        for (name, value) in ones where value > 3 && value != 5 && value != 12 {
            onesSuffixed[name + (name.hasSuffix("t") ? "h" : "th")] = (value, "th")
        }
        self.onesSuffixed = onesSuffixed
        var tensSuffixed: [String: (Int, String)] = [:]
        for (name, value) in tens {
            tensSuffixed[name.replacingOccurrences(of: "y", with: "ies")] = (value, "s")
            tensSuffixed[name.replacingOccurrences(of: "y", with: "ieth")] = (value, "th")
        }
        self.tensSuffixed = tensSuffixed
        let scale = ["hundred": 2, "thousand": 3, "million": 6, "billion": 9, "trillion": 12, "quadrillion": 15, "quintillion": 18,
                     "sextillion": 21, "septillion": 24, "octillion": 27, "nonillion": 30, "decillion": 33]
        multipliers = scale.mapValues { Decimal(sign: .plus, exponent: $0, significand: 1) }
        var multipliersSuffixed: [String: (Decimal, String)] = [:]
        for (name, value) in multipliers {
            multipliersSuffixed[name + "s"] = (value, "s")
            multipliersSuffixed[name + "th"] = (value, "th")
        }
        self.multipliersSuffixed = multipliersSuffixed
        decimals = Set(ones.keys).union(tens.keys).union(zeros)
        words = zeros.union(ones.keys).union(onesSuffixed.keys).union(tens.keys).union(tensSuffixed.keys)
            .union(multipliers.keys).union(multipliersSuffixed.keys).union(precedingPrefixers.keys)
            .union(followingPrefixers.keys).union(["per", "percent"]).union(specials)
    }

    func normalize(_ s: String) -> String {
        postprocess(processWords(Python.split(preprocess(s))).joined(separator: " "))
    }

    // MARK: The word loop (the reference's process_words)

    private static let numeric = #"^\d+(\.\d+)?$"#

    func processWords(_ words: [String]) -> [String] {
        var out: [String] = []
        var prefix: String? = nil
        var value: Value? = nil
        var skip = false

        func output(_ result: String) {
            out.append((prefix ?? "") + result)
            value = nil
            prefix = nil
        }
        func flush() { if let v = value { output(v.string) } }

        guard !words.isEmpty else { return [] }
        let padded: [String?] = [nil] + words + [nil]
        for i in 1...words.count {
            let previous = padded[i - 1], current = words[i - 1], next = padded[i + 1]
            if skip {
                skip = false
                continue
            }
            let nextIsNumeric = next.map { Regex.matches(Self.numeric, $0) } ?? false
            let hasPrefix = prefixes.contains(current.first!)
            let currentWithoutPrefix = hasPrefix ? String(current.dropFirst()) : current
            let previousInOnes = previous.map { ones[$0] != nil } ?? false
            let previousInTens = previous.map { tens[$0] != nil } ?? false

            if Regex.matches(Self.numeric, currentWithoutPrefix) {
                // Arabic numbers, possibly with a sign or currency and a fraction.
                guard let fraction = Self.fraction(currentWithoutPrefix) else { continue }
                if let v = value {
                    if case let .text(text) = v, text.hasSuffix(".") {
                        // concatenate decimals or IP address components
                        value = .text(text + current)
                        continue
                    }
                    output(v.string)
                }
                prefix = hasPrefix ? String(current.first!) : prefix
                value = fraction.isInteger ? .integer(fraction) : .text(currentWithoutPrefix)
            } else if !self.words.contains(current) {
                flush()
                output(current)
            } else if zeros.contains(current) {
                value = .text(Self.digitsSoFar(value) + "0")
            } else if let one = ones[current] {
                switch value {
                case nil:
                    value = .integer(Decimal(one))
                case let .text(text)?:
                    value = .text(previousInTens && one < 10 ? String(text.dropLast()) + String(one) : text + String(one))
                case let .integer(n)? where previousInOnes:
                    value = .text(previousInTens && one < 10 ? String(n.integerString.dropLast()) + String(one) : n.integerString + String(one))
                case let .integer(n)?:
                    if one < 10 {
                        value = n.remainder(10) == 0 ? .integer(n + Decimal(one)) : .text(n.integerString + String(one))
                    } else {
                        value = n.remainder(100) == 0 ? .integer(n + Decimal(one)) : .text(n.integerString + String(one))
                    }
                }
            } else if let (one, suffix) = onesSuffixed[current] {
                // ordinal or plural: the number is complete
                switch value {
                case nil:
                    output(String(one) + suffix)
                case let v? where v.isText || previousInOnes:
                    let text = v.string
                    output(previousInTens && one < 10 ? String(text.dropLast()) + String(one) + suffix : text + String(one) + suffix)
                case let .integer(n)?:
                    let modulus: Decimal = one < 10 ? 10 : 100
                    output(n.remainder(modulus) == 0 ? (n + Decimal(one)).integerString + suffix : n.integerString + String(one) + suffix)
                default:
                    break
                }
                value = nil
            } else if let ten = tens[current] {
                switch value {
                case nil: value = .integer(Decimal(ten))
                case let .text(text)?: value = .text(text + String(ten))
                case let .integer(n)?: value = n.remainder(100) == 0 ? .integer(n + Decimal(ten)) : .text(n.integerString + String(ten))
                }
            } else if let (ten, suffix) = tensSuffixed[current] {
                switch value {
                case nil: output(String(ten) + suffix)
                case let .text(text)?: output(text + String(ten) + suffix)
                case let .integer(n)?:
                    output(n.remainder(100) == 0 ? (n + Decimal(ten)).integerString + suffix : n.integerString + String(ten) + suffix)
                }
            } else if let multiplier = multipliers[current] {
                switch value {
                case nil:
                    value = .integer(multiplier)
                case let v? where v.isText || v.isZero:
                    if let f = Self.fraction(v.string), (f * multiplier).isInteger {
                        value = .integer(f * multiplier)
                    } else {
                        output(v.string)
                        value = .integer(multiplier)
                    }
                case let .integer(n)?:
                    let before = n.floorDivided(by: 1000) * 1000
                    value = .integer(before + n.remainder(1000) * multiplier)
                default:
                    break
                }
            } else if let (multiplier, suffix) = multipliersSuffixed[current] {
                switch value {
                case nil:
                    output(multiplier.integerString + suffix)
                case let .text(text)?:
                    if let f = Self.fraction(text), (f * multiplier).isInteger {
                        output((f * multiplier).integerString + suffix)
                    } else {
                        output(text)
                        output(multiplier.integerString + suffix)
                    }
                case let .integer(n)?:
                    let before = n.floorDivided(by: 1000) * 1000
                    output((before + n.remainder(1000) * multiplier).integerString + suffix)
                }
                value = nil
            } else if let sign = precedingPrefixers[current] {
                // a sign applies only when a number follows
                flush()
                if let next, self.words.contains(next) || nextIsNumeric {
                    prefix = sign
                } else {
                    output(current)
                }
            } else if let currency = followingPrefixers[current] {
                // a currency applies only after a number
                if let v = value {
                    prefix = currency
                    output(v.string)
                } else {
                    output(current)
                }
            } else if current == "per" || current == "percent" {
                if let v = value {
                    if current == "percent" {
                        output(v.string + "%")
                    } else if next == "cent" {
                        output(v.string + "%")
                        skip = true
                    } else {
                        output(v.string)
                        output(current)
                    }
                } else {
                    output(current)
                }
            } else if specials.contains(current) {
                if !(next.map { self.words.contains($0) } ?? false) && !nextIsNumeric {
                    // special handling only when the next word can be a number
                    flush()
                    output(current)
                } else if current == "and" {
                    // "and" after hundreds, thousands, ... is part of the number
                    if !(previous.map { multipliers[$0] != nil } ?? false) {
                        flush()
                        output(current)
                    }
                } else if current == "double" || current == "triple" {
                    if let next, ones[next] != nil || zeros.contains(next) {
                        let repeats = current == "double" ? 2 : 3
                        let digit = String(ones[next] ?? 0)
                        value = .text(Self.digitsSoFar(value) + String(repeating: digit, count: repeats))
                        skip = true
                    } else {
                        flush()
                        output(current)
                    }
                } else if current == "point" {
                    if let next, decimals.contains(next) || nextIsNumeric {
                        value = .text(Self.digitsSoFar(value) + ".")
                    }
                }
            }
        }
        flush()
        return out
    }

    /// The reference's `str(value or "")`: nothing for no value and for the integer zero.
    static func digitsSoFar(_ value: Value?) -> String {
        guard let value else { return "" }
        if case let .integer(n) = value, n == 0 { return "" }
        return value.string
    }

    /// Python's Fraction(s) for the strings this loop builds: digits (any script's, as Python reads them) with
    /// at most one decimal point.
    static func fraction(_ s: String) -> Decimal? {
        guard Regex.matches(#"^[+-]?(\d+\.?\d*|\.\d+)$"#, s) else { return nil }
        let ascii = String(String.UnicodeScalarView(s.unicodeScalars.map { scalar in
            scalar.properties.numericType == .decimal ? Unicode.Scalar(48 + UInt8(scalar.properties.numericValue!)) : scalar
        }))
        return Decimal(string: ascii, locale: Locale(identifier: "en_US_POSIX"))
    }

    // MARK: Before and after the word loop

    func preprocess(_ s: String) -> String {
        // "<number> and a half" -> "<number> point five"
        var results: [String] = []
        let segments = Regex.split(#"\band"# + Python.spaces + "a" + Python.spaces + #"half\b"#, s)
        for (i, segment) in segments.enumerated() {
            guard !segment.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { continue }
            results.append(segment)
            guard i < segments.count - 1 else { continue }
            let lastWord = Python.split(segment).last ?? ""
            results.append(decimals.contains(lastWord) || multipliers[lastWord] != nil ? "point five" : "and a half")
        }
        var out = results.joined(separator: " ")
        // a space at each number/letter boundary, except before a suffix
        out = Regex.sub("([a-z])([0-9])", "$1 $2", out)
        out = Regex.sub("([0-9])([a-z])", "$1 $2", out)
        return Regex.sub("([0-9])" + Python.spaces + #"(st|nd|rd|th|s)\b"#, "$1$2", out)
    }

    func postprocess(_ s: String) -> String {
        // "$2 and ¢7" -> "$2.07"
        var out = Regex.sub(#"([€£$])([0-9]+) (?:and )?¢([0-9]{1,2})\b"#, s) { groups in
            "\(groups[1]!)\(groups[2]!).\(String(format: "%02d", Int(groups[3]!)!))"
        }
        out = Regex.sub(#"[€£$]0.([0-9]{1,2})\b"#, out) { groups in "¢\(Int(groups[1]!)!)" }
        // "one(s)" rather than "1(s)", for readability
        return Regex.sub(#"\b1(s?)\b"#, "one$1", out)
    }
}

private extension EnglishNumberNormalizer.Value {
    var isText: Bool { if case .text = self { return true } else { return false } }
    var isZero: Bool { if case let .integer(n) = self { return n == 0 } else { return false } }
}

extension Decimal {
    /// Digits without exponent or grouping, as Python prints an int.
    var integerString: String { NSDecimalNumber(decimal: self).stringValue }

    var isInteger: Bool {
        var value = self, rounded = Decimal()
        NSDecimalRound(&rounded, &value, 0, .plain)
        return rounded == self
    }

    /// Floor division for the non-negative values of the number loop.
    func floorDivided(by divisor: Decimal) -> Decimal {
        var quotient = self / divisor, rounded = Decimal()
        NSDecimalRound(&rounded, &quotient, 0, .down)
        return rounded
    }

    func remainder(_ divisor: Decimal) -> Decimal { self - floorDivided(by: divisor) * divisor }
}
