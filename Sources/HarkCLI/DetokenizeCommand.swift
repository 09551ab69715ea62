// `hark detokenize`: placeholder until its stage lands.
import ArgumentParser

struct DetokenizeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "detokenize", abstract: "(not built yet)")
    func run() async throws { throw ValidationError("hark detokenize is not built yet") }
}
