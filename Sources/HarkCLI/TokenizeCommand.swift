// `hark tokenize`: placeholder until its stage lands.
import ArgumentParser

struct TokenizeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "tokenize", abstract: "(not built yet)")
    func run() async throws { throw ValidationError("hark tokenize is not built yet") }
}
