// The detector on real speech (Audio/jfk.flac), digital silence and seeded white noise.
import XCTest
import Audio
import HarkNumerics
import TestSupport
@testable import Streaming

final class VoiceActivityDetectorTests: XCTestCase {
    /// JFK's phrases, in seconds: the runs of 30-ms frames more than 10 dB above the recording's -43 dB
    /// background, read off an energy plot made apart from this code. The detector also tests spectral
    /// flatness, so it drops a phrase's last faint frames: measured offsets come up to 150 ms (5 frames) early.
    func testFindsThePhrasesOfJFK() throws {
        var file = try AudioFile(path: TestPaths.audio("jfk.flac").path)
        let intervals = VoiceActivityDetector.speechIntervals(try file.readAll())
        let phrases: [(start: Double, end: Double)] = [(0.33, 2.16), (3.27, 3.69), (3.99, 4.29), (5.40, 7.56), (8.19, 10.32)]
        XCTAssertEqual(intervals.count, phrases.count + 1, "\(intervals)")
        for (found, heard) in zip(intervals, phrases) {
            XCTAssertEqual(found.start, heard.start, accuracy: 0.031, "\(intervals)")
            XCTAssertEqual(found.end, heard.end, accuracy: 0.151, "\(intervals)")
        }
        // The crowd noise rising after the last word is voiced enough to pass; Whisper's no-speech gate drops it.
        XCTAssertEqual(intervals.last?.start ?? 0, 10.71, accuracy: 0.091)
    }

    func testDigitalSilenceIsNeverSpeech() {
        XCTAssertTrue(VoiceActivityDetector.speechIntervals([Float](repeating: 0, count: 160_000)).isEmpty)
    }

    func testSeededWhiteNoiseIsNeverSpeech() {
        for amplitude: Float in [0.01, 0.1, 0.5] {
            var generator = SplitMix64(seed: 7)
            let noise = (0..<160_000).map { _ in Float.random(in: -amplitude...amplitude, using: &generator) }
            XCTAssertEqual(VoiceActivityDetector.speechIntervals(noise).count, 0, "amplitude \(amplitude)")
        }
    }

    /// Noise that jumps 40 dB above the floor passes the energy test; the spectral flatness test rejects it.
    func testNoiseBurstAboveTheFloorIsNeverSpeech() {
        var generator = SplitMix64(seed: 11)
        let burst = (0..<160_000).map { index in
            let amplitude: Float = index < 32_000 ? 0.003 : 0.3
            return Float.random(in: -amplitude...amplitude, using: &generator)
        }
        XCTAssertEqual(VoiceActivityDetector.speechIntervals(burst).count, 0)
        let detector = VoiceActivityDetector()
        XCTAssertGreaterThan(detector.spectralFlatness(burst[64_000..<64_480]), 0.4)
    }
}
