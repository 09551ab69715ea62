// Whisper log-mel against openai-whisper's formula and mel_filters.npz (fixtures from make_features_fixtures.py).
import XCTest
import Audio
import Features
import HarkNumerics
import TestSupport

final class WhisperLogMelTests: XCTestCase {
    func testMelFiltersMatchWhisperAssets() throws {
        for bins in [80, 128] {
            let reference = try NPY.read(TestPaths.fixture("features/mel_filters_\(bins).npy"))
            let ours = MelFilterbank.slaney(sampleRate: 16_000, fftSize: 400, melCount: bins)
            XCTAssertEqual(ours.shape, reference.shape)
            XCTAssertLessThanOrEqual(maxAbsDifference(ours, reference), 1e-6, "\(bins) bins")
        }
    }

    func testLogMelMatchesOpenAIWhisperOnRealSpeech() throws {
        let cases = [("librivox-0870.wav", 80), ("librivox-0880.wav", 80), ("librivox-0880.wav", 128)]
        for (name, bins) in cases {
            let samples = try AudioFile.load(TestPaths.audio(name).path)
            let ours = try WhisperLogMel(melBins: bins)(samples)
            let stem = (name as NSString).deletingPathExtension
            let reference = try NPY.read(TestPaths.fixture("features/\(stem)-logmel\(bins).npy"))
            XCTAssertEqual(ours.shape, reference.shape, name)
            XCTAssertLessThanOrEqual(maxAbsDifference(ours, reference), 1e-4, "\(name), \(bins) bins")
        }
    }

    func testPadOrTrimGivesOneWindow() throws {
        let features = try WhisperLogMel()([Float](repeating: 0.1, count: 16_000))
        XCTAssertEqual(features.shape, [100, 80])
        let window = WhisperLogMel.padOrTrim(features)
        XCTAssertEqual(window.shape, [3000, 80])
        XCTAssertEqual(Array(window.data[(100 * 80)...]).allSatisfy { $0 == 0 }, true)
        XCTAssertEqual(WhisperLogMel.padOrTrim(window, frames: 10).shape, [10, 80])
    }

    func testOtherRatesAndStereoGiveNearlyTheSameFeatures() throws {
        let original = try WhisperLogMel()(try NPY.read(TestPaths.fixture("audio/clip16k.npy")).data)
        for name in ["clip-44k-stereo.flac", "clip-48k-stereo.flac"] {
            let resampled = try WhisperLogMel()(try AudioFile.load(TestPaths.fixture("audio/\(name)").path))
            XCTAssertEqual(resampled.shape, original.shape, name)
            let differences = zip(resampled.data, original.data).map { abs($0 - $1) }
            XCTAssertLessThan(differences.reduce(0, +) / Float(differences.count), 0.005, name)
            // The resampling filters ring for the first ~20 ms (frames 0-1), and their passband ends near
            // 7.6 kHz, which only the top mel bin (7.4-8 kHz) reaches; everywhere else cells agree closely.
            let steady = (2..<resampled.rows).flatMap { frame in (0..<79).map { differences[frame * 80 + $0] } }
            XCTAssertLessThan(steady.max()!, 0.02, name)
        }
    }

    func testUnsupportedMelCountIsRejected() {
        XCTAssertThrowsError(try WhisperLogMel(melBins: 64)) { error in
            XCTAssertEqual("\(error)", "unsupported mel bin count 64 (Whisper models use 80 or 128)")
        }
    }
}

func maxAbsDifference(_ a: Tensor, _ b: Tensor) -> Float {
    zip(a.data, b.data).map { abs($0 - $1) }.max() ?? .infinity
}
