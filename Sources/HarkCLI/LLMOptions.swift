// Which language model scores the cascade: the embedded GGUF, or an OpenAI-compatible server.
import ArgumentParser
import Foundation
import HarkNumerics
import LLM
import SLU

struct LLMOptions: ParsableArguments {
    @Option(help: "GGUF language model run by Hark (default: the installed Gemma 3 270M).")
    var llm: String?

    @Option(help: ArgumentHelp("OpenAI-compatible server instead of the embedded model (llama.cpp's server, llama-cpp-python with --logits_all true, vLLM).",
                               valueName: "url"))
    var llmURL: String?

    @Option(help: "Model name on the server (default: the first one /v1/models lists).")
    var llmModel: String?

    @Option(help: "Seconds to wait for each server request.")
    var llmTimeout: Double = 120

    @Option(help: "Server requests in flight at once (servers batch concurrent requests; the embedded model runs one prompt at a time).")
    var llmConcurrency = 1

    func validate() throws {
        if llm != nil, llmURL != nil { throw ValidationError("give --llm or --llm-url, not both") }
        if let llmURL, URL(string: llmURL)?.scheme.map({ ["http", "https"].contains($0) }) != true {
            throw ValidationError("--llm-url must be an http:// or https:// URL, got \"\(llmURL)\"")
        }
        guard llmTimeout > 0 else { throw ValidationError("--llm-timeout must be positive") }
        guard llmConcurrency >= 1 else { throw ValidationError("--llm-concurrency must be at least 1") }
    }

    /// The embedded Gemma model from its GGUF file.
    func embedded(pool: ThreadPool) throws -> Scorer {
        let gguf = llm.map { URL(fileURLWithPath: $0) } ?? ModelCache.defaultLLM
        return Scorer(model: try Gemma3Model.load(from: gguf, pool: pool))
    }

    /// The server when --llm-url is given, else the embedded model.
    func scorer(pool: ThreadPool) async throws -> LogLikelihoodScorer {
        if let llmURL {
            return try await OpenAICompatibleScorer.connect(url: URL(string: llmURL)!, model: llmModel, timeout: llmTimeout,
                                                         concurrency: llmConcurrency)
        }
        return EmbeddedScorer(scorer: try embedded(pool: pool))
    }
}
