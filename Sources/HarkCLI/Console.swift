// Writing to the terminal and to files the way every subcommand does: errors on stderr, outputs atomically.
import Audio
import Bench
import Foundation

/// One line on standard error.
func printError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}

/// The line that reports one failed input of a batch: the error's own text when it already names the input (audio
/// errors do), else the input's name first.
func inputError(_ input: String, _ error: Error) -> String {
    let name = input == AudioInput.standardInputName ? AudioInput.standardInputLabel : input
    let text = "\(error)"
    return text.hasPrefix(name + ":") ? text : "\(name): \(text)"
}

/// The failed inputs of a batch, each reported as it fails while the batch goes on. A lone input's failure is the
/// command's error instead ("Error: file: problem", one line), not a line plus "1 of 1 inputs failed".
struct BatchFailures {
    let total: Int
    private(set) var count = 0
    private var lone: String?

    init(total: Int) { self.total = total }

    mutating func record(_ input: String, _ error: Error) {
        count += 1
        let line = inputError(input, error)
        if total == 1 { lone = line } else { printError(line) }
    }

    /// Throws the lone input's error, or the batch's count of failures, if any input failed.
    func finish() throws {
        if let lone { throw CLIError.inputFailed(lone) }
        if count > 0 { throw CLIError.someInputsFailed(failed: count, total: total) }
    }
}

/// What an input's outputs are called, before their extension: the file's name without its extension, or
/// `stdinStem` for standard input.
func outputStem(for input: String, stdinStem: String = AudioInput.standardInputLabel) -> String {
    input == AudioInput.standardInputName ? stdinStem : URL(fileURLWithPath: input).deletingPathExtension().lastPathComponent
}

/// Writes the whole file or nothing: Foundation's atomic option writes a temporary file and renames it.
func writeAtomically(_ data: Data, to path: String) throws {
    do {
        try data.write(to: URL(fileURLWithPath: path), options: .atomic)
    } catch {
        throw CLIError.cannotWrite(path: path, reason: FileErrors.reason(error))
    }
}

enum CLIError: Error, CustomStringConvertible {
    case cannotWrite(path: String, reason: String)
    case someInputsFailed(failed: Int, total: Int)
    case inputFailed(String)
    case outputsCollide(first: String, second: String, output: String)

    var description: String {
        switch self {
        case let .cannotWrite(path, reason): return "\(path): cannot write: \(reason)"
        case let .someInputsFailed(failed, total): return "\(failed) of \(total) inputs failed"
        case let .inputFailed(line): return line
        case let .outputsCollide(first, second, output):
            return "\(first) and \(second) would both be written to \(output): transcribe each folder with its own -o"
        }
    }
}
