// The report as files a person reads: report.json, report.md (languages x configurations) and chart.svg.
import Foundation

extension BenchReport {
    /// Writes report.json, report.md and chart.svg into `directory`, each atomically (temporary file, then rename).
    public func write(to directory: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        try encoder.encode(self).write(to: directory.appendingPathComponent("report.json"), options: .atomic)
        try Data(markdown.utf8).write(to: directory.appendingPathComponent("report.md"), options: .atomic)
        try Data(chartSVG.utf8).write(to: directory.appendingPathComponent("chart.svg"), options: .atomic)
    }

    /// One table per task and metric: a row per language, a column per configuration, "value [low, high]" in percent.
    public var markdown: String {
        var text = "# Benchmark report\n"
        let tables = Dictionary(grouping: rows) { [$0.task, $0.metric] }
        for key in tables.keys.sorted(by: { $0.lexicographicallyPrecedes($1) }) {
            let table = tables[key]!
            let configs = Array(Set(table.map(\.config))).sorted()
            let langs = Array(Set(table.map(\.lang))).sorted()
            text += "\n## \(key[0]): \(key[1]) (%, 95% bootstrap interval)\n\n"
            text += "| lang | n | " + configs.joined(separator: " | ") + " |\n"
            text += "|---|---|" + String(repeating: "---|", count: configs.count) + "\n"
            for lang in langs {
                let cells = configs.map { config in
                    table.first { $0.lang == lang && $0.config == config }.map {
                        String(format: "%.1f [%.1f, %.1f]", $0.value * 100, $0.ci95Low * 100, $0.ci95High * 100)
                    } ?? "–"
                }
                let n = table.first { $0.lang == lang }!.n
                text += "| \(lang) | \(n) | " + cells.joined(separator: " | ") + " |\n"
            }
            let macros = configs.map { config in
                macro.first { $0.task == key[0] && $0.metric == key[1] && $0.config == config }
                    .map { String(format: "**%.1f**", $0.value * 100) } ?? "–"
            }
            text += "| macro | \(langs.count) langs | " + macros.joined(separator: " | ") + " |\n"
        }
        if !gains.isEmpty {
            text += "\n## Gain over the best transcript alone (accuracy points, macro over languages, paired 95% bootstrap interval)\n\n"
            text += "| task | config | baseline | gain | languages | items |\n|---|---|---|---|---|---|\n"
            for gain in gains {
                text += "| \(gain.task) | \(gain.config) | \(gain.baseline) | "
                    + String(format: "%+.1f [%+.1f, %+.1f]", gain.value * 100, gain.ci95Low * 100, gain.ci95High * 100)
                    + " | \(gain.languages) | \(gain.items) |\n"
            }
        }
        if !timings.isEmpty {
            text += "\n## Time per item\n\n| task | stage | items | mean seconds |\n|---|---|---|---|\n"
            for time in timings { text += "| \(time.task) | \(time.stage) | \(time.n) | \(String(format: "%.2f", time.meanSeconds)) |\n" }
        }
        if !errors.isEmpty {
            text += "\n## Items that failed (\(errors.count))\n\n"
            for failure in errors { text += "- \(failure.manifest):\(failure.line) `\(failure.item)`: \(failure.error)\n" }
        }
        return text
    }

    /// Grouped bars of accuracy per language and configuration, one panel per task, with interval whiskers.
    public var chartSVG: String {
        let accuracy = rows.filter { $0.metric == "accuracy" }
        let tasks = Array(Set(accuracy.map(\.task))).sorted()
        let configs = Array(Set(accuracy.map(\.config))).sorted()
        let palette = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#9c755f"]
        let barWidth = 14.0, gap = 18.0, panelHeight = 220.0, top = 60.0, left = 50.0
        let widest = tasks.map { task in Set(accuracy.filter { $0.task == task }.map(\.lang)).count }.max() ?? 1
        let width = max(640, left + Double(widest) * (Double(configs.count) * barWidth + gap) + 160)
        let height = top + Double(tasks.count) * (panelHeight + 60) + 10
        var svg = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" font-family="sans-serif" font-size="11">
            <rect width="100%" height="100%" fill="white"/>
            <text x="\(left)" y="20" font-size="14">Accuracy per language and configuration (95% bootstrap intervals)</text>

            """
        for (i, config) in configs.enumerated() {
            let y = top + Double(i) * 16
            svg += "<rect x=\"\(width - 150)\" y=\"\(y)\" width=\"10\" height=\"10\" fill=\"\(palette[i % palette.count])\"/>"
            svg += "<text x=\"\(width - 135)\" y=\"\(y + 9)\">\(escaped(config))</text>\n"
        }
        for (p, task) in tasks.enumerated() {
            let base = top + Double(p) * (panelHeight + 60) + panelHeight
            let langs = Array(Set(accuracy.filter { $0.task == task }.map(\.lang))).sorted()
            svg += "<text x=\"5\" y=\"\(base - panelHeight - 14)\" font-size=\"13\" font-weight=\"bold\">\(escaped(task))</text>\n"
            for tick in stride(from: 0.0, through: 1.0, by: 0.25) {
                let y = base - tick * panelHeight
                svg += "<line x1=\"\(left)\" y1=\"\(y)\" x2=\"\(width - 160)\" y2=\"\(y)\" stroke=\"#ddd\"/>"
                svg += "<text x=\"\(left - 30)\" y=\"\(y + 4)\">\(Int(tick * 100))%</text>\n"
            }
            for (l, lang) in langs.enumerated() {
                let groupX = left + 8 + Double(l) * (Double(configs.count) * barWidth + gap)
                for (c, config) in configs.enumerated() {
                    guard let row = accuracy.first(where: { $0.task == task && $0.lang == lang && $0.config == config }) else { continue }
                    let x = groupX + Double(c) * barWidth
                    let h = row.value * panelHeight
                    svg += "<rect x=\"\(x)\" y=\"\(base - h)\" width=\"\(barWidth - 2)\" height=\"\(h)\" fill=\"\(palette[c % palette.count])\">"
                    svg += "<title>\(escaped(lang)) \(escaped(config)): \(String(format: "%.1f", row.value * 100))%</title></rect>"
                    let mid = x + (barWidth - 2) / 2
                    svg += "<line x1=\"\(mid)\" y1=\"\(base - row.ci95Low * panelHeight)\" x2=\"\(mid)\" y2=\"\(base - row.ci95High * panelHeight)\" stroke=\"black\"/>\n"
                }
                svg += "<text x=\"\(groupX)\" y=\"\(base + 14)\">\(escaped(lang))</text>\n"
            }
        }
        return svg + "</svg>\n"
    }

    private func escaped(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }

    /// The end-of-run summary: a table of macro averages, one row per task, configuration and metric.
    public var summary: String {
        let header = ["task", "config", "metric", "macro %", "languages"]
        let lines = macro.map { [$0.task, $0.config, $0.metric, String(format: "%.1f", $0.value * 100), String($0.languages)] }
        let widths = header.indices.map { column in ([header] + lines).map { $0[column].count }.max()! }
        return ([header] + lines).map { cells in
            zip(cells, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  ")
        }.joined(separator: "\n")
    }
}

/// The system's words for a failed file operation ("No space left on device"), not Foundation's paraphrase.
public enum FileErrors {
    public static func reason(_ error: Error) -> String {
        let error = error as NSError
        let posix = error.domain == NSPOSIXErrorDomain ? error
            : (error.userInfo[NSUnderlyingErrorKey] as? NSError).flatMap { $0.domain == NSPOSIXErrorDomain ? $0 : nil }
        if let posix { return String(cString: strerror(Int32(posix.code))) }
        if error.domain == NSCocoaErrorDomain, error.code == CocoaError.fileWriteOutOfSpace.rawValue { return String(cString: strerror(ENOSPC)) }
        return error.localizedDescription
    }
}
