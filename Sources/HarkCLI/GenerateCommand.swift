// `hark generate`: greedy text continuation with the embedded LLM, with prompt and generation speed on stderr.
import ArgumentParser
import Foundation
import LLM
import HarkNumerics

struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Continue a prompt greedily with the embedded Gemma 3 model (prints tokens/s on stderr).",
        discussion: """
              hark generate --prompt "The capital of France is" --max-tokens 8
            """)

    @Option(help: "The prompt text.")
    var prompt: String

    @Option(help: "Tokens to generate at most.")
    var maxTokens = 32

    @Option(help: "GGUF language model (default: the installed Gemma 3 270M).")
    var llm: String?

    @OptionGroup var threads: ThreadOptions

    func run() throws {
        let gguf = llm.map { URL(fileURLWithPath: $0) } ?? ModelCache.defaultLLM
        let model = try Gemma3Model.load(from: gguf, pool: threads.pool())
        let tokens = model.tokenizer.encode(prompt, addBOS: model.tokenizer.addsBeginOfSequence)
        var cache = Gemma3Cache(layers: model.config.layers)
        let start = Date()
        var hidden = model.forward(tokens, cache: &cache)
        var next = model.greedyToken(after: hidden)
        let promptSeconds = Date().timeIntervalSince(start)
        var generated: [Int] = []
        let generationStart = Date()
        while generated.count < maxTokens && next != model.tokenizer.endOfSequence {
            generated.append(next)
            hidden = model.forward([next], cache: &cache)
            next = model.greedyToken(after: hidden)
        }
        let generationSeconds = Date().timeIntervalSince(generationStart)
        print(model.tokenizer.decode(generated))
        printError(String(format: "prompt: %d tokens, %.1f tokens/s; generation: %d tokens, %.1f tokens/s",
                          tokens.count, Double(tokens.count) / promptSeconds,
                          generated.count, Double(generated.count) / max(generationSeconds, 1e-9)))
    }
}
