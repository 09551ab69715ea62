// How close a transcript is to what the bundled recording says (Audio/transcripts.tsv), after Whisper's normalizer.
import Foundation
import Scoring

public enum TranscriptCheck {
    /// A bound for tiny.en on the short LibriVox clips: its text is right but for one word's spelling, which can
    /// differ between CPUs where two tokens are nearly tied ("ill-disposed" came out as "old-sposed": 2 of 8
    /// words). A broken decoder, timestamp or format path loses far more.
    public static let tinyEnglishBound = 0.4

    /// Word error rate of `text` against the reference transcript of the recording `audio` (a path under Audio/).
    public static func wordErrorRate(of text: String, for audio: String) -> Double {
        let name = URL(fileURLWithPath: audio).lastPathComponent
        let table = (try? String(contentsOf: TestPaths.audio("transcripts.tsv"), encoding: .utf8)) ?? ""
        guard let row = table.split(separator: "\n").map({ $0.split(separator: "\t", maxSplits: 2).map(String.init) })
            .first(where: { $0.first == name && $0.count == 3 }) else { return 1 }
        return wordErrorRate(of: text, reference: row[2], language: row[1])
    }

    /// Word error rate of `text` against `reference`, both through the language's Whisper normalizer.
    public static func wordErrorRate(of text: String, reference: String, language: String) -> Double {
        let normalizer = TextNormalizers.forLanguage(language)
        return ErrorRate.words(reference: normalizer.normalize(reference), hypothesis: normalizer.normalize(text)).rate
    }
}
