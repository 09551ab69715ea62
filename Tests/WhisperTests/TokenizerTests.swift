// The BPE tokenizer against faster-whisper's (Hugging Face tokenizers) on multilingual prompt texts.
import XCTest
import TestSupport
@testable import Whisper

final class TokenizerTests: XCTestCase {
    private func tokenizer() throws -> WhisperTokenizer { try WhisperTokenizer(folder: TestPaths.model("whisper-base")) }

    func testEncodeAndDecodeMatchTheReferenceTokenizer() throws {
        let tokenizer = try tokenizer()
        let data = try Data(contentsOf: TestPaths.fixture("whisper/tokenizer.json"))
        let cases = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [[String: Any]])
        XCTAssertEqual(cases.count, 10)
        for entry in cases {
            let text = try XCTUnwrap(entry["text"] as? String)
            let ids = try XCTUnwrap(entry["ids"] as? [Int])
            XCTAssertEqual(tokenizer.encode(text), ids, text)
            XCTAssertEqual(tokenizer.decode(ids), text, text)
        }
    }

    func testSpecialTokensOfMultilingualAndEnglishOnlyVocabularies() throws {
        let multilingual = try tokenizer().specials
        XCTAssertEqual([multilingual.endOfText, multilingual.startOfTranscript, multilingual.translate, multilingual.transcribe,
                        multilingual.startOfLM, multilingual.startOfPrevious, multilingual.noSpeech, multilingual.noTimestamps,
                        multilingual.timestampBegin], [50257, 50258, 50358, 50359, 50360, 50361, 50362, 50363, 50364])
        let english = try WhisperTokenizer(folder: TestPaths.model("whisper-tiny.en"))
        XCTAssertFalse(english.isMultilingual)
        XCTAssertEqual([english.specials.endOfText, english.specials.startOfTranscript, english.specials.noTimestamps,
                        english.specials.timestampBegin], [50256, 50257, 50362, 50363])
        XCTAssertEqual(try tokenizer().languages.count, 99)
        XCTAssertEqual(try tokenizer().languageToken("ru"), 50263)
        XCTAssertThrowsError(try tokenizer().languageToken("xx")) { error in
            XCTAssertEqual("\(error)", "unknown language 'xx' (use a Whisper language code such as en, es, fr, or auto)")
        }
    }

    func testPartialUTF8AcrossTokensIsJoinedBeforeDecoding() throws {
        let tokenizer = try tokenizer()
        let ids = tokenizer.encode(" 🙂")
        XCTAssertGreaterThan(ids.count, 1, "the emoji's bytes span several tokens")
        XCTAssertEqual(tokenizer.decode(ids), " 🙂")
    }
}

final class FallbackRuleTests: XCTestCase {
    func testCompressionRatioEqualsPythonZlib() throws {
        let transcriber = Transcriber(model: try XCTUnwrap(WhisperEngineTests.tinyEnglish, "run Models/install.sh"))
        // Python: len(t.encode()) / len(zlib.compress(t.encode()))
        XCTAssertEqual(transcriber.compressionRatio(" Thank you. Thank you. Thank you. Thank you. Thank you. Thank you. Thank you. Thank you."), 4.0)
        XCTAssertEqual(transcriber.compressionRatio(" And so my fellow Americans, ask not what your country can do for you, ask what you can do for your country."),
                       1.3670886, accuracy: 1e-6)
    }
}
