// Silero VAD against silero-vad's ONNX graph (same weights) and faster-whisper's speech-timestamp rules.
import Audio
import Foundation
import HarkNumerics
import TestSupport
import VAD
import XCTest

final class SileroVADTests: XCTestCase {
    struct Reference: Decodable {
        let samples: Int
        let probabilities: [Float]
        let speech: [String: [[Int]]]
    }

    static let weights = TestPaths.model("silero-vad/silero_vad_16k.safetensors")
    static let references: [String: Reference] = {
        let data = try! Data(contentsOf: TestPaths.fixture("vad/reference.json"))
        return try! JSONDecoder().decode([String: Reference].self, from: data)
    }()

    private func samples(_ name: String) throws -> [Float] {
        let path = name == "long.flac" ? try TestPaths.longRecording(name).path : TestPaths.audio(name).path
        var source = try AudioInput.open(path)
        return try source.readAll()
    }

    /// The tolerance the issue sets; the difference measured here is printed.
    func testProbabilitiesWithinOneThousandthOfSileroOnEveryRecording() throws {
        let vad = try SileroVAD(contentsOf: Self.weights)
        let pool = ThreadPool(threads: 2)
        XCTAssertEqual(Self.references.count, 10)
        for (name, reference) in Self.references.sorted(by: { $0.key < $1.key }) {
            let audio = try samples(name)
            XCTAssertEqual(audio.count, reference.samples, name)
            let probabilities = vad.speechProbabilities(audio, pool: pool)
            XCTAssertEqual(probabilities.count, reference.probabilities.count, name)
            let worst = zip(probabilities, reference.probabilities).map { abs($0 - $1) }.max() ?? 0
            print("\(name): \(probabilities.count) frames, largest difference \(worst)")
            XCTAssertLessThan(worst, 1e-3, name)
        }
    }

    func testSpeechTimestampsEqualFasterWhispersRulesOnEveryRecording() throws {
        var batched = SpeechDetectionOptions()
        batched.minSilenceMilliseconds = 160
        batched.maxSpeechSeconds = 30
        for (name, reference) in Self.references {
            for (key, options) in [("default", SpeechDetectionOptions()), ("batched", batched)] {
                let speech = SpeechTimestamps.speech(probabilities: reference.probabilities, sampleCount: reference.samples,
                                                     options: options)
                XCTAssertEqual(speech.map { [$0.lowerBound, $0.upperBound] }, reference.speech[key], "\(name) \(key)")
            }
        }
    }

    /// From the network's own probabilities, not the reference's: the stretches must come out the same to the frame.
    func testSpeechFromHarksProbabilitiesEqualsTheReference() throws {
        let vad = try SileroVAD(contentsOf: Self.weights)
        let pool = ThreadPool(threads: 2)
        for name in ["jfk.flac", "asterisk-en-demo-instruct.flac", "long.flac"] {
            let audio = try samples(name)
            let speech = SpeechTimestamps.speech(probabilities: vad.speechProbabilities(audio, pool: pool), sampleCount: audio.count)
            XCTAssertEqual(speech.map { [$0.lowerBound, $0.upperBound] }, Self.references[name]?.speech["default"], name)
        }
    }

    // MARK: Bad weights

    private func expectError(_ bytes: Data, _ message: (String) -> String, file: StaticString = #filePath, line: UInt = #line) throws {
        let folder = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("vad.safetensors")
        try bytes.write(to: url)
        XCTAssertThrowsError(try SileroVAD(contentsOf: url), file: file, line: line) { error in
            XCTAssertEqual("\(error)", message(url.path), file: file, line: line)
        }
    }

    func testTruncatedWeightsAreOneLineErrors() throws {
        let whole = try Data(contentsOf: Self.weights)
        try expectError(whole.prefix(5)) { "\($0): not a safetensors file: 5 bytes is too short for a header length" }
        try expectError(whole.prefix(200)) { "\($0): not a safetensors file: header length 1208 exceeds the 192 bytes that follow" }
        try expectError(whole.prefix(whole.count - 4)) {
            "\($0): corrupt safetensors file at final_conv.bias data_offsets: not a range within the 1238528 data bytes"
        }
    }

    func testOtherFilesAreOneLineErrors() throws {
        try expectError(Data("RIFF....WAVEfmt ".utf8)) {
            "\($0): not a safetensors file: header length 3327647950955759954 exceeds the 8 bytes that follow"
        }
        func file(_ header: String, dataBytes: Int) -> Data {
            var data = Data()
            withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian) { data.append(contentsOf: $0) }
            data.append(contentsOf: Array(header.utf8))
            data.append(Data(count: dataBytes))
            return data
        }
        try expectError(file("[1, 2]", dataBytes: 0)) { "\($0): not a safetensors file: the header is not a JSON object" }
        try expectError(file(#"{"stft_conv.weight": {"dtype": "F32", "shape": [258, 1, 256], "data_offsets": [0, 16]}}"#, dataBytes: 16)) {
            "\($0): corrupt safetensors file at stft_conv.weight data_offsets: 16 bytes for shape [258, 1, 256] of F32"
        }
        try expectError(file(#"{"x": {"dtype": "Q4", "shape": [4], "data_offsets": [0, 4]}}"#, dataBytes: 4)) {
            "\($0): corrupt safetensors file at x dtype: unknown element type Q4"
        }
        try expectError(file(#"{"x": {"dtype": "F32", "shape": [4294967296, 4294967296], "data_offsets": [0, 16]}}"#, dataBytes: 16)) {
            "\($0): corrupt safetensors file at x data_offsets: 16 bytes for shape [4294967296, 4294967296] of F32"
        }
        try expectError(file(#"{"x": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}}"#, dataBytes: 16)) {
            "\($0): not Silero VAD weights: no tensor stft_conv.weight"
        }
        try expectError(file(#"{"stft_conv.weight": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}}"#, dataBytes: 16)) {
            "\($0): not Silero VAD weights: tensor stft_conv.weight has shape [4], expected [258, 1, 256]"
        }
    }
}
