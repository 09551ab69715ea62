// Word timings against CTranslate2's align() (the DTW of faster-whisper's word_timestamps) on the same tokens.
import XCTest
import Audio
import Features
import TestSupport
@testable import Whisper

final class WordTimingsTests: XCTestCase {
    /// Token start times from Tests/Fixtures/make_whisper_fixtures.py (`alignment`): CTranslate2 with the base
    /// weights, the first 30-s window of each recording, start sequence <|startoftranscript|><|en|><|transcribe|>.
    func testTokenStartTimesMatchCTranslate2() throws {
        let model = try XCTUnwrap(WhisperEngineTests.base, "Whisper base not installed: run Models/install.sh")
        let data = try Data(contentsOf: TestPaths.fixture("whisper/word-alignment.json"))
        let fixture = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: [String: Any]])
        let transcriber = Transcriber(model: model)
        for name in ["jfk.flac", "asterisk-en-demo-instruct.flac"] {
            let entry = try XCTUnwrap(fixture[name])
            let tokens = try XCTUnwrap(entry["tokens"] as? [Int])
            let contentFrames = try XCTUnwrap(entry["content_frames"] as? Int)
            let reference = try XCTUnwrap(entry["token_starts"] as? [Double])
            let features = try transcriber.features(try AudioFile.load(TestPaths.audio(name).path))
            let memory = transcriber.memory(features.rows(0..<contentFrames))
            let starts = transcriber.tokenStartTimes(memory: memory, contentPositions: contentFrames / 2,
                                                     startSequence: [50258, 50259, 50359], textTokens: tokens)
            XCTAssertEqual(starts.count, tokens.count + 1, name)
            let differences = zip(starts, reference).map { abs($0 - $1) }
            let exact = differences.filter { $0 < 0.001 }.count
            print("\(name): \(exact)/\(reference.count) token starts equal to CTranslate2's, largest difference \(differences.max()!) s")
            // Measured: every start equal. One near tie in the attention average (float summation order) may move a
            // token by a frame or two.
            XCTAssertGreaterThanOrEqual(exact, reference.count - 1, name)
            XCTAssertLessThanOrEqual(differences.max()!, 0.1, name)
        }
    }

    func testWordsSpanFromTheirFirstTokenToTheNextWord() throws {
        let model = try XCTUnwrap(WhisperEngineTests.base, "Whisper base not installed: run Models/install.sh")
        let transcriber = Transcriber(model: model)
        let tokens = model.tokenizer.encode(" And so, my fellow Americans")
        let starts = (0...tokens.count).map { Double($0) * 0.5 }
        let words = transcriber.words(tokens, starts: starts, offset: 10)
        XCTAssertEqual(words.map(\.text), ["And", "so,", "my", "fellow", "Americans"])
        XCTAssertEqual(words.first?.start, 10)
        XCTAssertEqual(words.last?.end, 10 + Double(tokens.count) * 0.5)
        XCTAssertEqual(words.flatMap(\.tokens), tokens)
        for (word, next) in zip(words, words.dropFirst()) { XCTAssertEqual(word.end, next.start) }
    }
}
