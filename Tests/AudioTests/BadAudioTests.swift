// Broken inputs give one clear line naming the file and the problem, or the decodable audio plus a warning.
import XCTest
import Audio
import TestSupport

final class BadAudioTests: XCTestCase {
    private func path(_ name: String) -> String { TestPaths.fixture("audio/\(name)").path }

    private func assertError(_ name: String, _ expected: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try AudioFile.load(path(name)), file: file, line: line) { error in
            XCTAssertEqual("\(error)", expected, file: file, line: line)
        }
    }

    func testEmptyFileIsReported() { assertError("bad-empty.wav", "\(path("bad-empty.wav")): no audio samples") }

    func testTextFileRenamedWavIsReported() {
        assertError("bad-text.wav", "\(path("bad-text.wav")): cannot open audio: Format not recognised")
    }

    func testZeroChannelHeaderIsReported() {
        assertError("bad-zero-channels.wav", "\(path("bad-zero-channels.wav")): invalid header: zero channels")
    }

    func testZeroRateHeaderIsReported() {
        assertError("bad-zero-rate.wav",
                    "\(path("bad-zero-rate.wav")): invalid header: sample rate, channel count or format is zero")
    }

    func testNaNAndInfiniteSamplesAreReportedWithTheirFrame() {
        assertError("bad-nan.wav", "\(path("bad-nan.wav")): sample at frame 800 is NaN or infinite")
        assertError("bad-inf.wav", "\(path("bad-inf.wav")): sample at frame 100 is NaN or infinite")
    }

    func testMissingFileIsReported() {
        assertError("no-such.wav", "\(path("no-such.wav")): cannot open audio: no such file")
    }

    func testTruncatedWavKeepsItsAudioAndWarns() throws {
        var source: AudioSource = try AudioFile(path: path("bad-truncated.wav"))
        let samples = try source.readAll()
        XCTAssertEqual(samples.count, 4_000)
        XCTAssertEqual(source.warnings, [
            "\(path("bad-truncated.wav")): truncated: header promises 32000 bytes of audio, file holds 8001, ending mid-sample; decoded what is there",
        ])
    }

    func testHeaderClaimingMoreDataKeepsWhatIsThereAndWarns() throws {
        var source: AudioSource = try AudioFile(path: path("bad-claims-more.wav"))
        XCTAssertEqual(try source.readAll().count, 4_000)
        XCTAssertEqual(source.warnings, [
            "\(path("bad-claims-more.wav")): truncated: header promises 32000 bytes of audio, file holds 8000; decoded what is there",
        ])
    }

    func testRawPCMRejectsImpossibleFormats() {
        XCTAssertThrowsError(try RawPCMSource(format: .s16le, sampleRate: 0, channels: 1)) { error in
            XCTAssertEqual("\(error)", "stdin: invalid header: sample rate must be positive, got 0")
        }
        XCTAssertThrowsError(try RawPCMSource(format: .f32le, sampleRate: 16_000, channels: 0)) { error in
            XCTAssertEqual("\(error)", "stdin: invalid header: channel count must be positive, got 0")
        }
    }
}
