// One line of a terminal that is rewritten in place: only the part of the text that fits on one row is shown.
import Foundation
#if canImport(Glibc)
import Glibc
#endif

enum TerminalLine {
    /// Columns of the terminal on standard output (asked on every rewrite, so a resized window is followed);
    /// 80 when the terminal does not say.
    static var columns: Int {
        var size = winsize()
        guard ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return 80 }
        return Int(size.ws_col)
    }

    /// The end of `text` that fits in `columns - 1` columns, "…" first when the start was cut. "\r" and erase-line
    /// can only undo the row the cursor is on: a text that wrapped would leave its upper rows on the screen at
    /// every rewrite, so the line must never wrap (the last column is left free for the cursor).
    static func tail(_ text: String, columns: Int) -> String {
        let room = max(1, columns - 1)
        guard displayWidth(text) > room else { return text }
        var kept: [Character] = [], used = 1  // the ellipsis
        for character in text.reversed() {
            let width = displayWidth(character)
            guard used + width <= room else { break }
            kept.append(character)
            used += width
        }
        return "…" + String(kept.reversed())
    }

    static func displayWidth(_ text: String) -> Int { text.reduce(0) { $0 + displayWidth($1) } }

    /// Columns a character takes: 2 for East Asian wide and full-width characters and emoji, 0 for a control
    /// character, else 1 (combining marks belong to their character).
    static func displayWidth(_ character: Character) -> Int {
        guard let scalar = character.unicodeScalars.first else { return 0 }
        if scalar.properties.generalCategory == .control { return 0 }
        if scalar.properties.isEmojiPresentation { return 2 }
        switch scalar.value {
        case 0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xA000...0xA4CF,
             0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F, 0xFF00...0xFF60, 0xFFE0...0xFFE6, 0x20000...0x3FFFD:
            return 2
        default:
            return 1
        }
    }
}
