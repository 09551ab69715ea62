// The Swift Gemma 3 model and tokenizer against llama.cpp (llama-cpp-python) on the same GGUF.
import XCTest
import HarkNumerics
import TestSupport
@testable import LLM

final class Gemma3Tests: XCTestCase {
    /// Loaded once for all tests; a load error fails each test with its message.
    static let loaded = Result { try Gemma3Model.load(from: GGUFFileTests.gemmaURL) }

    /// The committed llama.cpp reference, for tokenization (the same on every machine).
    private func reference() throws -> [String: Any] {
        let data = try Data(contentsOf: TestPaths.fixture("llm/llama-reference.json"))
        return try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    func testTokenizationEqualsLlamaCppOnMultilingualText() throws {
        let tokenizer = try Self.loaded.get().tokenizer
        let cases = try XCTUnwrap(try reference()["tokenizer"] as? [[String: Any]])
        XCTAssertEqual(cases.count, 20)
        for entry in cases {
            let text = try XCTUnwrap(entry["text"] as? String)
            XCTAssertEqual(tokenizer.encode(text), entry["ids"] as? [Int], text)
        }
    }

    /// llama.cpp's logits on this machine's CPU, with its own path-to-path spread, written by `make test`
    /// (Makefile: machine-references): the last bits of both implementations' logits move with the CPU's
    /// kernels, so bounds measured on one machine do not hold on the next.
    private func machineReference() throws -> [String: Any] {
        try XCTUnwrap(JSONSerialization.jsonObject(with: try TestPaths.machineReference("llama-reference.json")) as? [String: Any])
    }

    /// The first token alone (BOS, one row: the decoding-step products, which sum each block's integer products
    /// before scaling as llama.cpp does) gives llama.cpp's logits to ~1e-5 on every CPU: every rounding llama.cpp
    /// applies is reproduced (8-bit activation rows, half-precision KV cache and attention weights, GELU table,
    /// norms summed in double). Whole prompts (more than 8 rows: the recoded tiles, which scale each 16-value group
    /// in float) differ by last-bit summation order at any position, the first included, and how that order falls
    /// depends on the instruction set (on an AVX2 CPU the prompts' first position moved by 0.196 where AVX-512
    /// VNNI matched to 1e-5); an activation that sits on a rounding boundary then moves by a whole 8-bit step, and
    /// 18 layers amplify that. llama.cpp moves by as much against itself when only its execution path changes (one
    /// token per batch, or flash attention), measured on the same machine: those figures bound Hark's difference,
    /// with room for the spread between CPUs' kernel sets (measured: OpenBLAS's Haswell, Sandybridge and Nehalem
    /// kernels move Hark's largest difference between 1.1 and 2.1 while its mean stays within 0.17-0.20). Top-1
    /// may differ only where llama.cpp's own two candidates are closer than its own path-to-path movement (a near
    /// tie). What each bound catches: the first token alone, any op or rounding off; the mean, a drift everywhere;
    /// the worst position's mean, one broken position (the cache, a mask); the maximum, one grossly wrong logit;
    /// the top-1 rule, a wrong choice that is no near tie.
    func testNextTokenLogitsAreCloseToLlamaCpp() throws {
        let model = try Self.loaded.get()
        let reference = try machineReference()
        let probe = try XCTUnwrap(reference["probe_ids"] as? [Int])
        let prompts = try XCTUnwrap(reference["prompts"] as? [[String: Any]])
        let consistency = try XCTUnwrap(reference["self_consistency"] as? [String: [String: Double]])
        let llamaMean = consistency.values.map { Float($0["mean_abs"]!) }.max()!
        let llamaWorst = consistency.values.map { Float($0["max_abs"]!) }.max()!
        let llamaWorstPosition = consistency.values.map { Float($0["worst_position_mean_abs"]!) }.max()!
        let llamaAgreeing = consistency.values.map { Int($0["top1_agreeing"]!) }.min()!
        XCTAssertEqual(prompts.count, 5)
        var positions = 0, agreeing = 0
        var differences: [Float] = [], positionMeans: [Float] = [], firstTokenWorst: Float = 0
        var disagreements: [String] = []
        for prompt in prompts {
            let text = try XCTUnwrap(prompt["text"] as? String)
            let tokens = try XCTUnwrap(prompt["tokens"] as? [Int])
            XCTAssertEqual(model.tokenizer.encode(text, addBOS: true), tokens, text)
            var cache = Gemma3Cache(layers: model.config.layers)
            let logits = model.logits(model.forward(tokens, cache: &cache))
            var firstAlone = Gemma3Cache(layers: model.config.layers)
            let firstRow = model.logits(model.forward([tokens[0]], cache: &firstAlone)).data
            let topIDs = try XCTUnwrap(prompt["top_ids"] as? [[Int]])
            let topLogits = try XCTUnwrap(prompt["top_logits"] as? [[Double]])
            let probeLogits = try XCTUnwrap(prompt["probe_logits"] as? [[Double]])
            for position in 0..<tokens.count {
                let row = Array(logits.row(position))
                positions += 1
                let known = Dictionary(zip(topIDs[position] + probe, (topLogits[position] + probeLogits[position]).map(Float.init))) { a, _ in a }
                let here = known.map { abs(row[$0.key] - $0.value) }
                differences += here
                positionMeans.append(here.reduce(0, +) / Float(here.count))
                if position == 0 {
                    firstTokenWorst = max(firstTokenWorst, known.map { abs(firstRow[$0.key] - $0.value) }.max()!)
                }
                let ours = row.indices.max { row[$0] < row[$1] }!, theirs = topIDs[position][0]
                if ours == theirs { agreeing += 1; continue }
                // llama.cpp's margin of its choice over ours; past its top 10, at least the margin over the tenth.
                let margin = known[theirs]! - (known[ours] ?? topLogits[position].map(Float.init).last!)
                if margin > llamaWorst { disagreements.append("\(text) position \(position): margin \(margin)") }
            }
        }
        let mean = differences.reduce(0, +) / Float(differences.count), worst = differences.max()!
        let worstPosition = positionMeans.max()!
        print("logits against llama.cpp on this machine: first token alone max \(firstTokenWorst); whole prompts: mean \(mean), worst position's mean \(worstPosition), max \(worst), top-1 \(agreeing)/\(positions); llama.cpp against itself: mean \(llamaMean), worst position's mean \(llamaWorstPosition), max \(llamaWorst), top-1 \(llamaAgreeing)")
        XCTAssertLessThan(firstTokenWorst, 1e-3)
        XCTAssertLessThanOrEqual(mean, 1.25 * llamaMean)
        XCTAssertLessThanOrEqual(worstPosition, 2 * llamaWorstPosition)
        XCTAssertLessThanOrEqual(worst, 3 * llamaWorst)
        XCTAssertEqual(disagreements, [], "top-1 differs where llama.cpp is not near a tie")
    }

    /// Token by token through the cache gives the same prediction as one pass over the prompt. The hidden states
    /// are not bit-equal: a product's activation row is quantized to 8 bits (as llama.cpp does), and a last-bit
    /// difference between a batched and a single-row product can flip one rounding. llama.cpp moves as much
    /// when only its own execution path changes, measured on this machine: that bounds the difference (as in
    /// the test above), where a broken cache or mask moves logits by many times more.
    func testCachedStepsGiveTheSamePredictionAsOnePass() throws {
        let model = try Self.loaded.get()
        let tokens = model.tokenizer.encode("The capital of France is Paris, and the capital of Italy is", addBOS: true)
        var whole = Gemma3Cache(layers: model.config.layers)
        let allAtOnce = Array(model.logits(model.forward(tokens, cache: &whole).rows((tokens.count - 1)..<tokens.count)).data)
        var stepwise = Gemma3Cache(layers: model.config.layers)
        _ = model.forward(Array(tokens.dropLast(2)), cache: &stepwise)
        _ = model.forward([tokens[tokens.count - 2]], cache: &stepwise)
        let last = model.logits(model.forward([tokens.last!], cache: &stepwise)).data
        XCTAssertEqual(stepwise.length, tokens.count)
        let best = { (row: [Float]) in row.indices.max { row[$0] < row[$1] }! }
        XCTAssertEqual(best(last), best(allAtOnce))
        XCTAssertEqual(model.tokenizer.decode([best(last)]), " Rome")
        let consistency = try XCTUnwrap(try machineReference()["self_consistency"] as? [String: [String: Double]])
        let llamaWorst = consistency.values.map { Float($0["max_abs"]!) }.max()!
        let worst = zip(allAtOnce, last).map { abs($0 - $1) }.max()!
        print("cached steps against one pass: largest logit difference \(worst); llama.cpp's own path-to-path \(llamaWorst)")
        XCTAssertLessThanOrEqual(worst, 3 * llamaWorst)
    }

    /// Continuations scored together (one pass, each attending to the prompt and its own tokens) get the
    /// log-probabilities each gets scored alone after a copy of the prompt's cache. Not bit-equal for the reason
    /// above (the batch's products take other paths), so bounded by llama.cpp's path-to-path movement: a token's
    /// log-probability moves by at most twice its logits' largest movement.
    func testContinuationsScoredTogetherEqualEachScoredAlone() throws {
        let model = try Self.loaded.get()
        let prompt = "Question: which city is the capital of France? Answer:"
        let continuations = [" Paris", " Rome, the capital of Italy", " a city", ""]
        let together = Scorer(model: model).logLikelihoods(prompt: prompt, continuations: continuations)
        var promptCache = Gemma3Cache(layers: model.config.layers)
        let promptTokens = model.tokenizer.encode(prompt, addBOS: true)
        let lastPromptRow = model.forward(promptTokens, cache: &promptCache).rows((promptTokens.count - 1)..<promptTokens.count)
        let consistency = try XCTUnwrap(try machineReference()["self_consistency"] as? [String: [String: Double]])
        let llamaWorst = Double(consistency.values.map { Float($0["max_abs"]!) }.max()!)
        for (continuation, scored) in zip(continuations, together) {
            let tokens = model.tokenizer.encode(continuation)
            XCTAssertEqual(scored.tokenCount, tokens.count, continuation)
            guard !tokens.isEmpty else { XCTAssertEqual(scored.logProbability, 0); continue }
            var cache = promptCache
            var predictors = lastPromptRow
            if tokens.count > 1 { predictors.append(rows: model.forward(Array(tokens.dropLast()), cache: &cache)) }
            let logits = model.logits(predictors)
            let alone = tokens.enumerated().reduce(0.0) { $0 + Double(Vector.logSoftmax(Array(logits.row($1.offset)))[$1.element]) }
            print("\(continuation): together \(scored.logProbability), alone \(alone)")
            XCTAssertEqual(scored.logProbability, alone, accuracy: 2 * Double(tokens.count) * 3 * llamaWorst, continuation)
        }
        XCTAssertGreaterThan(together[0].logProbability, together[1].logProbability)
    }
}
