// Cutting a recognition loop out of a transcript: a phrase repeated three or more times in a row is kept once.

/// What is left when Whisper loops even after its temperature fallback (the compression-ratio rule caught it,
/// every retry looped too): "les moumets, les moumets, les moumets, ..." becomes "les moumets,". Words are
/// compared without case and punctuation. Scripts written without spaces (Chinese, Japanese, Thai) are left
/// as they are: their words are not separated in the text.
public enum RepetitionCut {
    /// A phrase must occur this many times in a row to count as a loop (twice happens in real speech).
    static let minimumRepeats = 3

    /// The text with every run of a repeated phrase reduced to its first occurrence, and whether anything was cut.
    public static func cut(_ text: String) -> (text: String, cut: Bool) {
        let words = text.split(separator: " ", omittingEmptySubsequences: true)
        let keys = words.map { word in String(word.lowercased().unicodeScalars.filter { $0.properties.isAlphabetic || $0.properties.numericType != nil }) }
        var kept: [Substring] = [], i = 0, cutAny = false
        while i < words.count {
            var phraseLength = 0, repeats = 1
            // The shortest phrase starting here that repeats enough: "a b a b a b" is "a b" three times.
            for length in 1...max(1, (words.count - i) / minimumRepeats) where i + length * minimumRepeats <= words.count {
                var count = 1
                while i + (count + 1) * length <= words.count,
                      keys[(i + count * length)..<(i + (count + 1) * length)].elementsEqual(keys[i..<(i + length)]) { count += 1 }
                if count >= minimumRepeats, !keys[i..<(i + length)].allSatisfy(\.isEmpty) {
                    phraseLength = length
                    repeats = count
                    break
                }
            }
            if phraseLength > 0 {
                kept += words[i..<(i + phraseLength)]
                i += phraseLength * repeats
                cutAny = true
            } else {
                kept.append(words[i])
                i += 1
            }
        }
        return cutAny ? (kept.joined(separator: " "), true) : (text, false)
    }
}
