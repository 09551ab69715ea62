// Manifest languages (ISO 639-1 "en", FLEURS "en_us", FLORES-200 "eng_Latn") to Whisper's language codes.

public enum WhisperLanguage {
    /// ISO 639-3 codes of the SIB-Fleurs and Belebele-Fleurs languages that Whisper knows, to Whisper's codes.
    /// Languages Whisper lacks (e.g. ast, ceb, ckb, fuv, ibo, lug, umb, wol, xho, zul) are absent: those are detected.
    static let fromISO639_3: [String: String] = [
        "afr": "af", "amh": "am", "arb": "ar", "ara": "ar", "asm": "as", "azj": "az", "aze": "az", "bel": "be", "ben": "bn",
        "bos": "bs", "bul": "bg", "cat": "ca", "ces": "cs", "cym": "cy", "dan": "da", "deu": "de", "ell": "el",
        "eng": "en", "est": "et", "fin": "fi", "fra": "fr", "glg": "gl", "guj": "gu", "hau": "ha", "heb": "he",
        "hin": "hi", "hrv": "hr", "hun": "hu", "hye": "hy", "ind": "id", "isl": "is", "ita": "it", "jav": "jw",
        "jpn": "ja", "kan": "kn", "kat": "ka", "kaz": "kk", "khk": "mn", "khm": "km", "kor": "ko", "lao": "lo",
        "lin": "ln", "lit": "lt", "ltz": "lb", "lvs": "lv", "mal": "ml", "mar": "mr", "mkd": "mk", "mlt": "mt",
        "mri": "mi", "mya": "my", "nld": "nl", "nob": "no", "npi": "ne", "oci": "oc", "pan": "pa", "pbt": "ps",
        "pes": "fa", "pol": "pl", "por": "pt", "ron": "ro", "rus": "ru", "slk": "sk", "slv": "sl", "sna": "sn",
        "snd": "sd", "som": "so", "spa": "es", "srp": "sr", "swh": "sw", "swe": "sv", "tam": "ta", "tel": "te",
        "tgk": "tg", "tgl": "tl", "tha": "th", "tur": "tr", "ukr": "uk", "urd": "ur", "uzn": "uz", "vie": "vi",
        "yor": "yo", "zho": "zh", "cmn": "zh", "yue": "yue", "zsm": "ms",
    ]

    /// Whisper's code for a manifest language, or nil when it cannot tell (the recognizer then detects it).
    /// `supported` is the model's language list; nil accepts any two-letter code.
    public static func code(for lang: String, supported: [String]? = nil) -> String? {
        let lowered = lang.lowercased()
        let first = String(lowered.split(whereSeparator: { $0 == "_" || $0 == "-" }).first ?? "")
        let candidate: String?
        if let supported, supported.contains(lowered) {
            candidate = lowered
        } else if first.count == 2 {
            candidate = first
        } else {
            candidate = fromISO639_3[first]
        }
        guard let candidate else { return nil }
        if let supported, !supported.contains(candidate) { return nil }
        return candidate
    }
}
