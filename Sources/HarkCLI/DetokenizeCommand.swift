// `hark detokenize`: dMel tokens back to features (each level's centre), as .npy.
import ArgumentParser
import Features
import Foundation

struct DetokenizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "detokenize",
        abstract: "Decode a .dmel file to features (.npy, float32, frames x mels): each token becomes its level's centre.",
        discussion: """
              hark detokenize jfk.dmel -o jfk-decoded.npy
            """)

    @Argument(help: "A .dmel file written by `hark tokenize`.")
    var input: String

    @Option(name: .shortAndLong, help: "Output .npy path (default: <input stem>.npy).")
    var output: String?

    func run() throws {
        let tokens = try DMelFile.read(URL(fileURLWithPath: input))
        let features = tokens.decoded()
        let path = output ?? "\(outputStem(for: input)).npy"
        try writeAtomically(NPY.encode(features), to: path)
        printError("\(path): \(features.rows) frames x \(features.columns) mels")
    }
}
