// PLACEHOLDER until the normalizers branch lands: lowercases and strips punctuation.
public protocol TextNormalizer { func normalize(_ text: String) -> String }
struct PlaceholderNormalizer: TextNormalizer {
    func normalize(_ text: String) -> String {
        String(text.lowercased().map { $0.isPunctuation ? " " : $0 }).split(separator: " ").joined(separator: " ")
    }
}
public enum TextNormalizers {
    public static func forLanguage(_ code: String) -> TextNormalizer { PlaceholderNormalizer() }
    public static func usesCharacterErrorRate(_ code: String) -> Bool { ["zh", "ja", "th", "lo", "my", "km", "yue"].contains(code) }
}
