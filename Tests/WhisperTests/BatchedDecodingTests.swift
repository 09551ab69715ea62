// Windows decoded together (one decoder pass per step for all their beams) against each decoded alone.
import XCTest
import Audio
import TestSupport
import HarkNumerics
import VAD
@testable import Whisper

final class BatchedDecodingTests: XCTestCase {
    func testWindowsDecodedTogetherEqualEachDecodedAlone() throws {
        let model = try XCTUnwrap(WhisperEngineTests.base, "Whisper base not installed: run Models/install.sh")
        let transcriber = Transcriber(model: model)
        var options = DecodingOptions()
        options.language = "en"
        options.nBest = 3
        let memories = try ["jfk.flac", "librivox-0870.wav", "librivox-0880.wav"].map { name -> CrossMemory in
            let features = try transcriber.features(try AudioFile.load(TestPaths.audio(name).path))
            return transcriber.windowMemory(features, seek: 0, contentFrames: features.rows - 1, options: options)
        }
        let (prompt, startIndex) = try transcriber.windowPrompt(previous: [], language: "en", options: options)
        let decoder = WindowDecoder(model: model, options: options)
        let together = decoder.decodeTogether(memories: memories, prompt: prompt, startIndex: startIndex)
        XCTAssertEqual(together.count, 3)
        for (memory, batched) in zip(memories, together) {
            var generator = SplitMix64(seed: 0)
            let alone = decoder.decode(memory: memory, prompt: prompt, startIndex: startIndex, temperature: 0, generator: &generator)
            XCTAssertEqual(batched.hypotheses.map(\.tokens), alone.hypotheses.map(\.tokens))
            for (a, b) in zip(batched.hypotheses, alone.hypotheses) {
                XCTAssertEqual(a.logProbability, b.logProbability, accuracy: 1e-3)
            }
            XCTAssertEqual(batched.noSpeechProbability, alone.noSpeechProbability, accuracy: 1e-4)
        }
    }

    /// The chunked path with batches of two against one chunk at a time, on the three recordings joined with
    /// 20 s of silence: the same words (the prompt differs: batched chunks get none from the chunk before).
    func testBatchedChunksTranscribeAsOneAtATime() throws {
        let model = try XCTUnwrap(WhisperEngineTests.base, "Whisper base not installed: run Models/install.sh")
        let transcriber = Transcriber(model: model)
        var samples: [Float] = []
        var stretches: [Range<Int>] = []
        for name in ["jfk.flac", "librivox-0870.wav", "librivox-0880.wav"] {
            samples += [Float](repeating: 0, count: 20 * 16_000)
            let audio = try AudioFile.load(TestPaths.audio(name).path)
            stretches.append(samples.count..<(samples.count + audio.count))
            samples += audio
        }
        let chunks = stretches.map { SpeechChunk(stretches: [$0]) }
        var options = DecodingOptions()
        options.language = "en"
        options.conditionOnPreviousText = false
        let alone = try transcriber.transcribe(samples, chunks: chunks, batchSize: 1, options: options)
        let batched = try transcriber.transcribe(samples, chunks: chunks, batchSize: 2, options: options)
        XCTAssertEqual(batched.segments.map(\.text), alone.segments.map(\.text))
        XCTAssertEqual(batched.segments.map(\.start), alone.segments.map(\.start))
        XCTAssertEqual(batched.segments.first?.start ?? 0, 20, accuracy: 0.5)
    }
}
