// `hark info`: placeholder until its stage lands.
import ArgumentParser

struct InfoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "info", abstract: "(not built yet)")
    func run() async throws { throw ValidationError("hark info is not built yet") }
}
