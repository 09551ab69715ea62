// The Swift engine against CTranslate2 on the same weights: encoder output, first-step log-probs, transcripts.
import XCTest
import Audio
import Features
import HarkNumerics
import Scoring
import TestSupport
@testable import Whisper

final class WhisperEngineTests: XCTestCase {
    static let base: WhisperModel? = try? WhisperModel.load(from: TestPaths.model("whisper-base"))
    static let tinyEnglish: WhisperModel? = try? WhisperModel.load(from: TestPaths.model("whisper-tiny.en"))

    private func baseModel() throws -> WhisperModel {
        try XCTUnwrap(Self.base, "Whisper base not installed: run Models/install.sh")
    }

    /// Reference transcripts from faster-whisper (Tests/Fixtures/make_whisper_fixtures.py).
    private func references() throws -> [String: [String: Any]] {
        let data = try Data(contentsOf: TestPaths.fixture("whisper/transcripts.json"))
        return try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: [String: Any]])
    }

    private static let languages = [
        "jfk.flac": "en", "librivox-0870.wav": "en", "librivox-0880.wav": "en", "librivox-0890.flac": "en",
        "asterisk-es-vm-intro.flac": "es", "asterisk-fr-vm-intro.flac": "fr", "asterisk-it-vm-intro.flac": "it",
        "asterisk-ru-vm-intro.flac": "ru", "asterisk-en-demo-instruct.flac": "en",
    ]

    func testEncoderOutputMatchesCTranslate2() throws {
        let model = try baseModel()
        let samples = try NPY.read(TestPaths.fixture("whisper/librivox-0880-samples.npy")).data
        let transcriber = Transcriber(model: model)
        let encoded = try model.encode(try transcriber.features(samples).rows(0..<300))
        XCTAssertEqual(encoded.shape, [1500, 512])
        let referenceRows = try NPY.read(TestPaths.fixture("whisper/librivox-0880-encoder-rows.npy"))
        let ours = (0..<15).flatMap { Array(encoded.row($0 * 100)) }
        let scale = referenceRows.data.map(abs).max()!
        let worst = zip(ours, referenceRows.data).map { abs($0 - $1) }.max()!
        XCTAssertLessThanOrEqual(worst / scale, 1e-3, "max |difference| \(worst) against max |value| \(scale)")
        let norms = try NPY.read(TestPaths.fixture("whisper/librivox-0880-encoder-norms.npy")).data
        for (row, norm) in norms.enumerated() {
            let ourNorm = encoded.row(row).reduce(0) { $0 + $1 * $1 }.squareRoot()
            XCTAssertEqual(ourNorm, norm, accuracy: norm * 1e-3, "row \(row)")
        }
    }

    /// CTranslate2 computes in float32: our float32 compute type follows it to 3.7e-5 (the order of sums), and
    /// float16 (the default) to about 1e-3, from its weights' rounding alone: 0.95e-3 to 1.02e-3 with four
    /// roundings of the same sums (two attention kernels x two GELU codings), always on one token of probability
    /// 1e-8. Bounds about 3x and 2x those: a wrong value is far larger.
    func testFirstDecoderStepLogProbabilitiesMatchCTranslate2() throws {
        let samples = try NPY.read(TestPaths.fixture("whisper/librivox-0880-samples.npy")).data
        let reference = try NPY.read(TestPaths.fixture("whisper/librivox-0880-step0-logprobs.npy")).data
        let single = try WhisperModel.load(from: TestPaths.model("whisper-base"), computeType: .float32, pool: ThreadPool(threads: 2))
        for (model, bound) in [(single, Float(1e-4)), (try baseModel(), Float(2e-3))] {
            let transcriber = Transcriber(model: model)
            let memory = transcriber.memory(try transcriber.features(samples))
            var caches = [DecoderCache(layers: model.decoder.layers.count)]
            let prompt = [50258, 50259, 50359, 50363]
            let hidden = model.decoder([prompt], caches: &caches, memory: memory)
            let logProbs = Vector.logSoftmax(model.decoder.logits(hidden.rows(3..<4)).data)
            let worst = zip(logProbs, reference).map { abs($0 - $1) }.max()!
            XCTAssertLessThanOrEqual(worst, bound, "\(model.computeType)")
            XCTAssertEqual(logProbs.indices.max { logProbs[$0] < logProbs[$1] }, reference.indices.max { reference[$0] < reference[$1] })
        }
    }

    /// float16 keeps the file's values, so the two compute types differ in the order of their sums and in the
    /// cross-attention keys and values, which float16 keeps in float16. Bounds measured on one machine with
    /// OpenBLAS's Prescott, Haswell and SkylakeX kernels (OPENBLAS_CORETYPE): the float32 path's encoder output
    /// (values up to 23.8) moves by up to 1.6e-3 between kernel families, and float16's by up to 1.9e-3 from it;
    /// the logits (up to 31.7) move by 9.6e-4 from the float16 keys and values and 2e-5 between kernels. Each bound
    /// is about 3x what was seen: sum order is noise of that size on any CPU, a wrong value is far larger.
    func testComputeTypesAgreeOnEncoderOutputAndFirstStep() throws {
        let half = try baseModel()
        XCTAssertEqual(half.computeType, .float16)
        let single = try WhisperModel.load(from: TestPaths.model("whisper-base"), computeType: .float32, pool: ThreadPool(threads: 2))
        let file = try ModelFile(path: TestPaths.model("whisper-base").appendingPathComponent("model.bin").path)
        let name = "decoder/layer_0/ffn/linear_0/weight"
        XCTAssertEqual(try file.halfMatrix(name, shape: [2048, 512]).floats(), try file.tensor(name).data)

        let samples = try NPY.read(TestPaths.fixture("whisper/librivox-0880-samples.npy")).data
        let features = try Transcriber(model: half).features(samples)
        var encoded: [[Float]] = [], logits: [[Float]] = []
        for model in [half, single] {
            let transcriber = Transcriber(model: model)
            let memory = transcriber.memory(features)
            var caches = [DecoderCache(layers: model.decoder.layers.count)]
            let hidden = model.decoder([[50258, 50259, 50359, 50363]], caches: &caches, memory: memory)
            encoded.append(try model.encode(features).data)
            logits.append(model.decoder.logits(hidden.rows(3..<4)).data)
        }
        func worst(_ pair: [[Float]]) -> Float { zip(pair[0], pair[1]).map { abs($0 - $1) }.max()! }
        print("largest differences between the float16 and float32 compute types: encoder \(worst(encoded)), logits \(worst(logits))")
        XCTAssertLessThan(worst(encoded), 5e-3)
        XCTAssertLessThan(worst(logits), 3e-3)
        XCTAssertEqual(logits[0].indices.max { logits[0][$0] < logits[0][$1] }, logits[1].indices.max { logits[1][$0] < logits[1][$1] })
    }

    /// int8 weights trade a little accuracy for speed: over every bundled recording (greedy, the known language)
    /// they make at most two more word errors than float16 against the reference transcripts. The issue asks for
    /// half a point of WER, less than one of these 153 words (measured here: the same errors); two words leave room
    /// for a near tie that flips on another CPU, where a broken int8 path costs dozens.
    func testInt8MakesAtMostTwoMoreWordErrorsThanFloat16() throws {
        let int8 = try WhisperModel.load(from: TestPaths.model("whisper-base"), computeType: .int8, pool: ThreadPool(threads: 2))
        let table = try String(contentsOf: TestPaths.audio("transcripts.tsv"), encoding: .utf8)
        let references = table.split(separator: "\n").dropFirst().map { $0.split(separator: "\t", maxSplits: 2).map(String.init) }
        var options = DecodingOptions()
        options.beamSize = 1
        var totals: [ComputeType: ErrorCount] = [:]
        for model in [try baseModel(), int8] {
            var total = ErrorCount(edits: 0, referenceLength: 0)
            for row in references {
                options.language = row[1]
                let text = try Transcriber(model: model).transcribe(try AudioFile.load(TestPaths.audio(row[0]).path), options: options).text
                let normalizer = TextNormalizers.forLanguage(row[1])
                let count = ErrorRate.words(reference: normalizer.normalize(row[2]), hypothesis: normalizer.normalize(text))
                total.edits += count.edits
                total.referenceLength += count.referenceLength
            }
            totals[model.computeType] = total
        }
        let float16 = try XCTUnwrap(totals[.float16]), quantized = try XCTUnwrap(totals[.int8])
        print("word error rate over \(references.count) recordings: float16 \(float16.rate), int8 \(quantized.rate)")
        XCTAssertLessThanOrEqual(quantized.edits, float16.edits + 2)
    }

    func testGreedyTranscriptsEqualFasterWhisperOnEveryRecording() throws {
        let model = try baseModel()
        let transcriber = Transcriber(model: model)
        let references = try references()
        var options = DecodingOptions()
        options.beamSize = 1
        options.temperatures = [0]
        options.withoutTimestamps = true
        options.conditionOnPreviousText = false
        for (name, language) in Self.languages.sorted(by: { $0.key < $1.key }) {
            options.language = language
            let samples = try AudioFile.load(TestPaths.audio(name).path)
            let result = try transcriber.transcribe(samples, options: options)
            let expected = try XCTUnwrap(references["whisper-base/\(name)"]?["greedy"] as? String)
            XCTAssertEqual(result.text, expected, name)
        }
    }

    func testLanguageDetectionFindsTheSpokenLanguage() throws {
        let transcriber = Transcriber(model: try baseModel())
        for name in ["asterisk-es-vm-intro.flac", "asterisk-fr-vm-intro.flac", "asterisk-it-vm-intro.flac",
                     "asterisk-ru-vm-intro.flac", "jfk.flac"] {
            let detected = try transcriber.detectLanguage(try AudioFile.load(TestPaths.audio(name).path))
            XCTAssertEqual(detected.first?.language, Self.languages[name], name)
            XCTAssertGreaterThan(detected.first?.probability ?? 0, 0.9, name)
        }
    }
}
