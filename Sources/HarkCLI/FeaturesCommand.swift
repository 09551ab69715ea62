// `hark features`: placeholder until its stage lands.
import ArgumentParser

struct FeaturesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "features", abstract: "(not built yet)")
    func run() async throws { throw ValidationError("hark features is not built yet") }
}
