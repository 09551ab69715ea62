// Long recordings with pauses: speech after an early end-of-text is not lost, where the reference loses it.
import XCTest
import Audio
import TestSupport
@testable import Whisper

final class LongFormTests: XCTestCase {
    /// The cases of make_whisper_fixtures.py's GAP_CASES: bundled clips with pauses (seconds of silence).
    private static let cases: [String: [(String?, Double)]] = [
        "pause-then-late-start": [("librivox-0880.wav", 0), (nil, 10), ("jfk.flac", 0), (nil, 2), ("librivox-0870.wav", 0),
                                  ("librivox-0890.flac", 0), ("jfk.flac", 0), ("librivox-0880.wav", 0), ("librivox-0870.wav", 0)],
        "long-pause-across-window": [("librivox-0880.wav", 0), (nil, 6), ("librivox-0890.flac", 0), (nil, 14), ("jfk.flac", 0),
                                     ("librivox-0870.wav", 0), ("librivox-0890.flac", 0), ("jfk.flac", 0)],
    ]

    private func samples(_ parts: [(String?, Double)]) throws -> [Float] {
        try parts.flatMap { name, seconds in
            try name.map { try AudioFile.load(TestPaths.audio($0).path) } ?? [Float](repeating: 0, count: Int(seconds * 16_000))
        }
    }

    private func occurrences(_ phrase: String, in text: String) -> Int {
        text.lowercased().components(separatedBy: phrase.lowercased()).count - 1
    }

    func testGreedyWithoutTimestampsKeepsSpeechAfterAPause() throws {
        let model = try XCTUnwrap(WhisperEngineTests.base, "run Models/install.sh")
        let transcriber = Transcriber(model: model)
        var options = DecodingOptions()
        options.language = "en"
        options.beamSize = 1
        options.temperatures = [0]
        options.withoutTimestamps = true
        options.conditionOnPreviousText = false
        let reference = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: TestPaths.fixture("whisper/long-form-gaps.json"))) as? [String: String])
        // Each spoken sentence, and how often the audio says it.
        let expectations: [String: [(String, Int)]] = [
            "pause-then-late-start": [("John Dashwood had then leisure", 2), ("ask not what your country can do for you", 2),
                                      ("young man", 2), ("rather selfish", 1)],
            "long-pause-across-window": [("ask not what your country can do for you", 2), ("rather selfish", 2),
                                         ("John Dashwood had then leisure", 1), ("young man", 1)],
        ]
        for (name, parts) in Self.cases {
            let text = try transcriber.transcribe(try samples(parts), options: options).text
            for (phrase, count) in expectations[name]! {
                XCTAssertEqual(occurrences(phrase, in: text), count, "\(name): '\(phrase)' in \(text)")
            }
            // The reference drops one of them in each case: the loss this guards against is real.
            let referenceText = try XCTUnwrap(reference[name])
            XCTAssertTrue(expectations[name]!.contains { occurrences($0.0, in: referenceText) < $0.1 }, name)
        }
    }
}
