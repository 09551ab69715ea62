// A one-line progress bar on stderr, drawn only when stderr is a terminal.
import Foundation

final class ProgressBar {
    private let label: String
    private let enabled = isatty(STDERR_FILENO) != 0
    private var lastDrawn = -1

    init(label: String) { self.label = label }

    private let started = Date()

    func update(_ fraction: Double, detail: String = "") {
        guard enabled else { return }
        let percent = Int((min(max(fraction, 0), 1) * 100).rounded(.down))
        guard percent != lastDrawn || !detail.isEmpty else { return }
        lastDrawn = percent
        let filled = percent * 30 / 100
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: 30 - filled)
        FileHandle.standardError.write(Data("\r\(label) [\(bar)] \(percent)% \(detail)\u{1B}[K".utf8))
    }

    /// Counted work: "12/45, ETA 1:23" from the average time per item so far.
    func update(done: Int, of total: Int) {
        let elapsed = Date().timeIntervalSince(started)
        let remaining = done > 0 ? Int(elapsed / Double(done) * Double(total - done)) : 0
        update(Double(done) / Double(max(total, 1)), detail: "\(done)/\(total), ETA \(remaining / 60):\(String(format: "%02d", remaining % 60))")
    }

    func finish() {
        guard enabled, lastDrawn >= 0 else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }
}
