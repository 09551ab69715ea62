// Beam search and the English-only model against faster-whisper, and one-line errors for unusable model folders.
import XCTest
import Audio
import Scoring
import TestSupport
@testable import Whisper

final class WhisperDecodingTests: XCTestCase {
    private func references() throws -> [String: [String: Any]] {
        let data = try Data(contentsOf: TestPaths.fixture("whisper/transcripts.json"))
        return try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: [String: Any]])
    }

    private func options(beam: Int, language: String?) -> DecodingOptions {
        var options = DecodingOptions()
        options.beamSize = beam
        options.temperatures = [0]
        options.withoutTimestamps = true
        options.conditionOnPreviousText = false
        options.language = language
        return options
    }

    func testBeamSearchWordErrorRateIsWithinOnePointOfFasterWhisper() throws {
        let model = try XCTUnwrap(WhisperEngineTests.base, "run Models/install.sh")
        let transcriber = Transcriber(model: model)
        let references = try references()
        let short = ["jfk.flac": "en", "librivox-0870.wav": "en", "librivox-0880.wav": "en", "librivox-0890.flac": "en",
                     "asterisk-es-vm-intro.flac": "es", "asterisk-fr-vm-intro.flac": "fr",
                     "asterisk-it-vm-intro.flac": "it", "asterisk-ru-vm-intro.flac": "ru"]
        var disagreement = ErrorCount(edits: 0, referenceLength: 0)
        for (name, language) in short.sorted(by: { $0.key < $1.key }) {
            let ours = try transcriber.transcribe(try AudioFile.load(TestPaths.audio(name).path), options: options(beam: 5, language: language))
            let theirs = try XCTUnwrap(references["whisper-base/\(name)"]?["beam5"] as? String)
            disagreement = disagreement + ErrorRate.words(reference: theirs, hypothesis: ours.text)
        }
        // Word error rate of Hark's beam-5 text measured against faster-whisper's beam-5 text, over all recordings.
        XCTAssertLessThanOrEqual(disagreement.rate, 0.01, "\(disagreement.edits) of \(disagreement.referenceLength) words differ")
    }

    func testNBestListIsRankedAndCarriesScores() throws {
        let model = try XCTUnwrap(WhisperEngineTests.base, "run Models/install.sh")
        var options = options(beam: 5, language: "fr")
        options.nBest = 5
        let result = try Transcriber(model: model)
            .transcribe(try AudioFile.load(TestPaths.audio("asterisk-fr-vm-intro.flac").path), options: options)
        XCTAssertEqual(result.nBest.count, 5)
        XCTAssertEqual(result.nBest[0].text, result.text)
        XCTAssertEqual(Set(result.nBest.map(\.text)).count, 5, "hypotheses are distinct")
        for hypothesis in result.nBest {
            XCTAssertLessThan(hypothesis.logProbability, 0)
            XCTAssertEqual(hypothesis.averageLogProbability, hypothesis.logProbability / Float(hypothesis.tokens.count + 1), accuracy: 1e-5)
        }
    }

    /// A greedy step's screened logits (`greedyLogits`) against the full product, over jfk's greedy tokens: the
    /// likeliest unsuppressed text token and every special and timestamp are bit for bit the same, the estimates
    /// below it, and the log-softmax's normalizer moves by less than 2e-4.
    func testGreedyLogitsAreExactWhereAGreedyStepLooks() throws {
        let model = try XCTUnwrap(WhisperEngineTests.base, "run Models/install.sh")
        let transcriber = Transcriber(model: model)
        var options = options(beam: 1, language: "en")
        options.withoutTimestamps = false
        let audio = try AudioFile.load(TestPaths.audio("jfk.flac").path)
        let tokens = try transcriber.transcribe(audio, options: options).segments.flatMap(\.tokens)
        let features = try transcriber.features(audio)
        let memory = transcriber.windowMemory(features, seek: 0, contentFrames: features.rows - 1, options: options)
        let (prompt, _) = try transcriber.windowPrompt(previous: [], language: "en", options: options)
        let specials = model.tokenizer.specials
        let suppressed = Set(model.suppressedTokens)
        var caches = [DecoderCache(layers: model.decoder.layers.count)]
        var hidden = model.decoder([prompt], caches: &caches, memory: memory).rows(prompt.count - 1..<prompt.count)
        XCTAssertGreaterThan(tokens.count, 20)
        for token in tokens {
            let full = model.decoder.logits(hidden).data, screened = model.greedyLogits(hidden)
            let text = (0..<specials.endOfText).filter { !suppressed.contains($0) }
            let best = text.max { full[$0] < full[$1] }!
            XCTAssertEqual(screened[best], full[best])
            XCTAssertEqual(Array(screened[specials.endOfText...]), Array(full[specials.endOfText...]))
            for t in text where t != best { XCTAssertLessThanOrEqual(screened[t], full[best]) }
            let normalizer = { (logits: [Float]) in Double(logits.max()!) + log(logits.reduce(0.0) { $0 + exp(Double($1 - logits.max()!)) }) }
            // As Whisper's rules see them: suppressed tokens masked. At most 6e-5 apart on this machine's run.
            let masked = { (logits: [Float]) in logits.indices.map { suppressed.contains($0) ? -Float.infinity : logits[$0] } }
            XCTAssertEqual(normalizer(masked(screened)), normalizer(masked(full)), accuracy: 2e-4)
            hidden = model.decoder([[token]], caches: &caches, memory: memory)
        }
    }

    func testEnglishOnlyTinyModelMatchesFasterWhisperGreedy() throws {
        let model = try XCTUnwrap(WhisperEngineTests.tinyEnglish, "run Models/install.sh")
        XCTAssertFalse(model.isMultilingual)
        let transcriber = Transcriber(model: model)
        let references = try references()
        for name in ["jfk.flac", "librivox-0870.wav", "librivox-0880.wav", "librivox-0890.flac"] {
            let ours = try transcriber.transcribe(try AudioFile.load(TestPaths.audio(name).path), options: options(beam: 1, language: nil))
            XCTAssertEqual(ours.text, references["whisper-tiny.en/\(name)"]?["greedy"] as? String, name)
        }
    }

    /// A draft (the stream's previous pass) only makes greedy decoding cheaper: the transcript with timestamps is
    /// the same with no draft, the exact draft, a draft wrong in the middle and a draft of other words.
    func testDraftTokensDoNotChangeTheGreedyResult() throws {
        let model = try XCTUnwrap(WhisperEngineTests.base, "run Models/install.sh")
        let transcriber = Transcriber(model: model)
        let audio = try AudioFile.load(TestPaths.audio("jfk.flac").path)
        var options = DecodingOptions()
        options.beamSize = 1
        options.temperatures = [0]
        options.language = "en"
        let plain = try transcriber.transcribe(audio, options: options)
        XCTAssertEqual(plain.segments.count, 2)
        let tokenizer = model.tokenizer
        let exact = try plain.segments.flatMap { segment in
            [try XCTUnwrap(tokenizer.timestampToken(at: segment.start))] + segment.tokens + [try XCTUnwrap(tokenizer.timestampToken(at: segment.end))]
        }
        var wrongInTheMiddle = exact
        wrongInTheMiddle[exact.count / 2] = tokenizer.encode(" banana")[0]
        let otherWords = [tokenizer.timestampToken(at: 0)!] + tokenizer.encode(" The quick brown fox jumps over the lazy dog.") + [tokenizer.timestampToken(at: 3)!]
        for draft in [exact, wrongInTheMiddle, otherWords, Array(exact.prefix(5))] {
            options.draft = draft
            let drafted = try transcriber.transcribe(audio, options: options)
            XCTAssertEqual(drafted.segments.map(\.text), plain.segments.map(\.text))
            XCTAssertEqual(drafted.segments.map(\.start), plain.segments.map(\.start))
            XCTAssertEqual(drafted.segments.map(\.end), plain.segments.map(\.end))
        }
    }

    // MARK: Unusable model folders

    private func folder(with files: [String: URL]) throws -> URL {
        let folder = try TestPaths.temporaryDirectory()
        for (name, source) in files { try FileManager.default.createSymbolicLink(at: folder.appendingPathComponent(name), withDestinationURL: source) }
        return folder
    }

    private var base: URL { TestPaths.model("whisper-base") }

    func testTruncatedModelFileNamesTheFieldWhereItEnds() throws {
        let folder = try self.folder(with: ["config.json": base.appendingPathComponent("config.json"),
                                            "vocabulary.json": base.appendingPathComponent("vocabulary.json"),
                                            "tokenizer.json": base.appendingPathComponent("tokenizer.json")])
        let whole = try Data(contentsOf: base.appendingPathComponent("model.bin"), options: .alwaysMapped)
        try whole.prefix(1_000_000).write(to: folder.appendingPathComponent("model.bin"))
        XCTAssertThrowsError(try WhisperModel.load(from: folder)) { error in
            XCTAssertEqual("\(error)", "\(folder.path)/model.bin: corrupt model file at decoder/embeddings/weight data: needs 53109760 bytes at offset 233, file has 999767 left (truncated?)")
        }
    }

    func testMissingVocabularyIsReported() throws {
        let folder = try self.folder(with: ["config.json": base.appendingPathComponent("config.json"),
                                            "model.bin": base.appendingPathComponent("model.bin")])
        XCTAssertThrowsError(try WhisperModel.load(from: folder)) { error in
            XCTAssertEqual("\(error)", "\(folder.path): not a Whisper model folder: missing vocabulary.json (or vocabulary.txt)")
        }
    }

    /// Without tokenizer.json's merges a prompt would be encoded byte by byte: an error, not a silent fallback.
    func testMissingOrEmptyTokenizerMergesAreReported() throws {
        let files = ["config.json": base.appendingPathComponent("config.json"),
                     "vocabulary.json": base.appendingPathComponent("vocabulary.json"),
                     "model.bin": base.appendingPathComponent("model.bin")]
        let folder = try self.folder(with: files)
        XCTAssertThrowsError(try WhisperModel.load(from: folder)) { error in
            XCTAssertEqual("\(error)", "\(folder.path): not a Whisper model folder: missing tokenizer.json")
        }
        let broken = try self.folder(with: files)
        try Data(#"{"model": {"type": "BPE", "merges": []}}"#.utf8).write(to: broken.appendingPathComponent("tokenizer.json"))
        XCTAssertThrowsError(try WhisperModel.load(from: broken)) { error in
            XCTAssertEqual("\(error)", "\(broken.path)/tokenizer.json: not a Whisper model: no BPE merges (model.merges)")
        }
    }

    func testAModelOfAnotherKindIsRejected() throws {
        let folder = try self.folder(with: ["config.json": base.appendingPathComponent("config.json"),
                                            "vocabulary.json": base.appendingPathComponent("vocabulary.json"),
                                            "tokenizer.json": base.appendingPathComponent("tokenizer.json"),
                                            "model.bin": TestPaths.model("gemma-3-270m-q4_k_m.gguf")])
        XCTAssertThrowsError(try WhisperModel.load(from: folder)) { error in
            XCTAssertEqual("\(error)", "\(folder.path)/model.bin: corrupt model file at binary version: unsupported version 1179993927")
        }
        let empty = try TestPaths.temporaryDirectory()
        XCTAssertThrowsError(try WhisperModel.load(from: empty)) { error in
            XCTAssertEqual("\(error)", "\(empty.path): not a Whisper model folder: missing model.bin")
        }
    }
}
