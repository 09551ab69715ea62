// Every format and layout the Audio stage promises decodes to the same 16 kHz mono speech.
import XCTest
import Audio
import Features
import TestSupport

final class AudioDecodingTests: XCTestCase {
    /// One second of LibriVox speech at 16 kHz, as soundfile decoded it when the fixtures were made.
    private lazy var reference: [Float] = try! NPY.read(TestPaths.fixture("audio/clip16k.npy")).data

    private func decode(_ name: String) throws -> [Float] {
        try AudioFile.load(TestPaths.fixture("audio/\(name)").path)
    }

    private func maxAbsDifference(_ a: [Float], _ b: [Float]) -> Float {
        zip(a, b).map { abs($0 - $1) }.max() ?? .infinity
    }

    private func rms(_ x: [Float]) -> Float { sqrt(x.map { $0 * $0 }.reduce(0, +) / Float(max(x.count, 1))) }

    func testLosslessFormatsDecodeToTheReferenceSamples() throws {
        // Quantization step of each encoding bounds the difference (8-bit: 1/128; 16-bit source: 1/32768).
        let cases: [(String, Float)] = [
            ("clip-u8.wav", 1.0 / 128), ("clip-s24.wav", 1e-6), ("clip-s32.wav", 1e-6),
            ("clip-f32.wav", 0), ("clip-f64.wav", 1e-7), ("clip.flac", 1e-6),
        ]
        for (name, tolerance) in cases {
            let samples = try decode(name)
            XCTAssertEqual(samples.count, 16_000, name)
            XCTAssertLessThanOrEqual(maxAbsDifference(samples, reference), tolerance, name)
        }
    }

    func testLossyFormatsDecodeWithTheSameLengthAndLoudness() throws {
        let referenceRMS = rms(reference)
        for name in ["clip.ogg", "clip.opus", "clip.mp3"] {
            let samples = try decode(name)
            // MP3 and Opus add encoder delay and padding; the duration stays within a frame or two.
            XCTAssertEqual(Double(samples.count), 16_000, accuracy: 1_200, name)
            XCTAssertEqual(rms(samples) / referenceRMS, 1, accuracy: 0.15, name)
        }
    }

    func testOtherRatesAndStereoAreResampledToTheSameSignal() throws {
        for name in ["clip-44k-stereo.flac", "clip-48k-stereo.flac"] {
            let samples = try decode(name)
            XCTAssertEqual(samples.count, 16_000, name)
            // sox up, soxr down: the round trip keeps speech within a few parts per thousand.
            XCTAssertLessThan(maxAbsDifference(samples, reference), 0.01, name)
        }
        let narrowband = try decode("clip-8k.wav")
        XCTAssertEqual(narrowband.count, 16_000)
    }

    func testStreamingResampleEqualsOneShot() throws {
        // The same file in small blocks and large blocks: block boundaries must not change a sample.
        let path = TestPaths.fixture("audio/clip-44k-stereo.flac").path
        var small: AudioSource = try AudioFile(path: path, blockFrames: 777)
        var large: AudioSource = try AudioFile(path: path, blockFrames: 1 << 20)
        XCTAssertEqual(try small.readAll(), try large.readAll())
    }

    func testHeaderDescribesFormatRateAndChannels() throws {
        let info = try AudioFile(path: TestPaths.audio("jfk.flac").path).info
        XCTAssertEqual(info.format, "FLAC (Free Lossless Audio Codec)")
        XCTAssertEqual(info.sampleRate, 44_100)
        XCTAssertEqual(info.channels, 2)
        XCTAssertEqual(info.duration, 11.0, accuracy: 0.001)
    }
}
