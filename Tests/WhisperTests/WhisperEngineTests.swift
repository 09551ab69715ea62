// The Swift engine against CTranslate2 on the same weights: encoder output, first-step log-probs, transcripts.
import XCTest
import Audio
import Features
import HarkNumerics
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

    func testFirstDecoderStepLogProbabilitiesMatchCTranslate2() throws {
        let model = try baseModel()
        let samples = try NPY.read(TestPaths.fixture("whisper/librivox-0880-samples.npy")).data
        let transcriber = Transcriber(model: model)
        let memory = transcriber.memory(try transcriber.features(samples))
        var caches = [DecoderCache(layers: model.decoder.layers.count)]
        let prompt = [50258, 50259, 50359, 50363]
        let hidden = model.decoder([prompt], caches: &caches, memory: memory)
        let logProbs = Vector.logSoftmax(model.decoder.logits(hidden.rows(3..<4)).data)
        let reference = try NPY.read(TestPaths.fixture("whisper/librivox-0880-step0-logprobs.npy")).data
        let worst = zip(logProbs, reference).map { abs($0 - $1) }.max()!
        XCTAssertLessThanOrEqual(worst, 1e-3)
        XCTAssertEqual(logProbs.indices.max { logProbs[$0] < logProbs[$1] }, reference.indices.max { reference[$0] < reference[$1] })
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
