// Reads the FLEURS release layout (<lang>/<split>.tsv and <lang>/audio/<split>/*.wav) into manifest items.
import Foundation

public enum FleursImport {
    /// A TSV line that could not be imported, with its file and line number.
    public struct Problem: CustomStringConvertible, Equatable, Sendable {
        public var file: String
        public var line: Int
        public var problem: String
        public var description: String { "\(file):\(line): \(problem)" }
    }

    /// FLEURS' TSV columns, without a header: id, file name, raw transcription, normalized transcription,
    /// the characters spelled out, sample count, gender.
    static let columnCount = 7

    /// ASR items for every language folder under `root` (or only `languages`) that has `<split>.tsv`.
    /// Audio paths are written relative to `manifestFolder` when they lie under it.
    public static func items(root: URL, split: String, languages: [String]? = nil, manifestFolder: URL)
        throws -> (items: [BenchItem], problems: [Problem])
    {
        let folders = try languages ?? FileManager.default.contentsOfDirectory(atPath: root.path).sorted()
        var items: [BenchItem] = [], problems: [Problem] = []
        var found = false
        for lang in folders {
            let tsv = root.appendingPathComponent(lang).appendingPathComponent("\(split).tsv")
            guard FileManager.default.fileExists(atPath: tsv.path) else {
                if languages != nil { problems.append(Problem(file: tsv.path, line: 0, problem: "no such file")) }
                continue
            }
            found = true
            guard let text = try? String(contentsOf: tsv, encoding: .utf8) else {
                problems.append(Problem(file: tsv.path, line: 0, problem: "not UTF-8 text"))
                continue
            }
            let audioFolder = root.appendingPathComponent(lang).appendingPathComponent("audio").appendingPathComponent(split)
            for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() where !line.isEmpty {
                let columns = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
                guard columns.count == columnCount else {
                    problems.append(Problem(file: tsv.path, line: index + 1, problem: "expected \(columnCount) tab-separated columns, got \(columns.count)"))
                    continue
                }
                let audio = audioFolder.appendingPathComponent(columns[1])
                guard FileManager.default.fileExists(atPath: audio.path) else {
                    problems.append(Problem(file: tsv.path, line: index + 1, problem: "missing audio \(audio.path)"))
                    continue
                }
                let stem = (columns[1] as NSString).deletingPathExtension
                items.append(BenchItem(id: "\(lang)/\(split)/\(columns[0])/\(stem)", lang: lang, task: .asr,
                                       audio: [relativePath(audio, from: manifestFolder)], text: columns[2],
                                       asrLang: WhisperLanguage.code(for: lang)))
            }
        }
        guard found else { throw BenchError("\(root.path): no <lang>/\(split).tsv found (expected the FLEURS release layout)") }
        return (items, problems)
    }

    /// `url` relative to `folder` when it lies beneath it, else its absolute path.
    static func relativePath(_ url: URL, from folder: URL) -> String {
        let path = url.standardizedFileURL.path, base = folder.standardizedFileURL.path + "/"
        return path.hasPrefix(base) ? String(path.dropFirst(base.count)) : path
    }
}
