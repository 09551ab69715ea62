// Speech stretches joined into chunks, and times on a chunk mapped back to the recording's.
import VAD
import XCTest

final class SpeechChunkTests: XCTestCase {
    func testStretchesJoinUpToTheLimitGapsIncluded() {
        let stretches = [0..<100, 200..<300, 400..<450, 1000..<1200, 2000..<2500]
        let chunks = SpeechChunk.group(stretches, maxSamples: 300, gapSamples: 20)
        XCTAssertEqual(chunks.map(\.stretches), [[0..<100, 200..<300, 400..<450], [1000..<1200], [2000..<2500]])
        XCTAssertEqual(chunks.map(\.sampleCount), [290, 200, 500])
        XCTAssertEqual(SpeechChunk.group([], maxSamples: 300), [])
    }

    func testSamplesAreTheStretchesWithSilenceBetween() {
        let audio = (0..<10).map(Float.init)
        let chunk = SpeechChunk(stretches: [1..<3, 6..<8], gapSamples: 2)
        XCTAssertEqual(chunk.samples(of: audio), [1, 2, 0, 0, 6, 7])
    }

    func testTimesMapBackWithinTheirStretch() {
        // 1 s of speech from 10 s, a 0.5-s gap, 2 s of speech from 20 s (16 kHz).
        let chunk = SpeechChunk(stretches: [160_000..<176_000, 320_000..<352_000], gapSamples: 8_000)
        XCTAssertEqual(chunk.stretch(at: 0.5), 0)
        XCTAssertEqual(chunk.stretch(at: 1.2), 0)
        XCTAssertEqual(chunk.stretch(at: 1.3), 1)
        XCTAssertEqual(chunk.stretch(at: 9), 1)
        XCTAssertEqual(chunk.originalTime(0.25, inStretch: 0), 10.25)
        XCTAssertEqual(chunk.originalTime(1.2, inStretch: 0), 11)
        XCTAssertEqual(chunk.originalTime(1.2, inStretch: 1), 20)
        XCTAssertEqual(chunk.originalTime(2.5, inStretch: 1), 21)
        XCTAssertEqual(chunk.originalTime(9, inStretch: 1), 22)
    }
}
