// Writing to the terminal and to files the way every subcommand does: errors on stderr, outputs atomically.
import Foundation

/// One line on standard error.
func printError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}

/// Writes the whole file or nothing: Foundation's atomic option writes a temporary file and renames it.
func writeAtomically(_ data: Data, to path: String) throws {
    do {
        try data.write(to: URL(fileURLWithPath: path), options: .atomic)
    } catch {
        throw CLIError.cannotWrite(path: path, reason: (error as NSError).localizedDescription)
    }
}

enum CLIError: Error, CustomStringConvertible {
    case cannotWrite(path: String, reason: String)
    case someInputsFailed(failed: Int, total: Int)

    var description: String {
        switch self {
        case let .cannotWrite(path, reason): return "\(path): cannot write: \(reason)"
        case let .someInputsFailed(failed, total): return "\(failed) of \(total) inputs failed"
        }
    }
}
