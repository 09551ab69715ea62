// Word timings against CTranslate2's align() and faster-whisper's word_timestamps (the same weights and audio).
import XCTest
import Audio
import Features
import TestSupport
@testable import Whisper

final class WordTimingsTests: XCTestCase {
    /// Token start times and probabilities from Tests/Fixtures/make_whisper_fixtures.py (`alignment`): CTranslate2
    /// with the base weights, the first 30-s window of each recording, start sequence
    /// <|startoftranscript|><|en|><|transcribe|>.
    func testTokenStartsAndProbabilitiesMatchCTranslate2() throws {
        let model = try XCTUnwrap(WhisperEngineTests.base, "Whisper base not installed: run Models/install.sh")
        let data = try Data(contentsOf: TestPaths.fixture("whisper/word-alignment.json"))
        let fixture = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: [String: Any]])
        let transcriber = Transcriber(model: model)
        for name in ["jfk.flac", "asterisk-en-demo-instruct.flac"] {
            let entry = try XCTUnwrap(fixture[name])
            let tokens = try XCTUnwrap(entry["tokens"] as? [Int])
            let contentFrames = try XCTUnwrap(entry["content_frames"] as? Int)
            let reference = try XCTUnwrap(entry["token_starts"] as? [Double])
            let referenceProbabilities = try XCTUnwrap(entry["token_probabilities"] as? [Double])
            let features = try transcriber.features(try AudioFile.load(TestPaths.audio(name).path))
            let memory = transcriber.memory(features.rows(0..<contentFrames))
            let (starts, probabilities) = transcriber.alignTokens(memory: memory, contentPositions: contentFrames / 2,
                                                                  startSequence: [50258, 50259, 50359], textTokens: tokens)
            XCTAssertEqual(starts.count, tokens.count + 1, name)
            let differences = zip(starts, reference).map { abs($0 - $1) }
            let exact = differences.filter { $0 < 0.001 }.count
            let probabilityError = zip(probabilities, referenceProbabilities).map { abs(Double($0) - $1) }.max() ?? 0
            print("\(name): \(exact)/\(reference.count) token starts equal to CTranslate2's, largest difference \(differences.max()!) s; probabilities within \(probabilityError)")
            // Measured: every start equal. One near tie in the attention average (float summation order) may move a
            // token by a frame or two.
            XCTAssertGreaterThanOrEqual(exact, reference.count - 1, name)
            XCTAssertLessThanOrEqual(differences.max()!, 0.1, name)
            // float16 weights against CTranslate2's float32.
            XCTAssertEqual(probabilities.count, tokens.count, name)
            XCTAssertLessThan(probabilityError, 0.02, name)
        }
    }

    /// openai-whisper's split_to_word_tokens and merge_punctuations: words keep their leading space, punctuation
    /// goes with its word, and the words join back to the text.
    func testWordsKeepTheirSpaceAndPunctuation() throws {
        let model = try XCTUnwrap(WhisperEngineTests.base, "Whisper base not installed: run Models/install.sh")
        let transcriber = Transcriber(model: model)
        // ".8" stays a word of its own, as in the reference: "." starts a word and "8" joins it.
        let text = " \"And so,\" my (fellow) Americans... ¿Qué? 28.8 kilobits."
        let tokens = model.tokenizer.encode(text)
        let pieces = transcriber.splitIntoWords(tokens, language: "en")
        XCTAssertEqual(pieces.flatMap { $0 }, tokens)
        var words = pieces.map { TimedWord(text: model.tokenizer.decode($0), start: 0, end: 0, tokens: $0, probability: 1) }
        let options = DecodingOptions()
        Transcriber.mergePunctuation(&words, prepended: options.prependPunctuations, appended: options.appendPunctuations)
        XCTAssertEqual(words.map(\.text).filter { !$0.isEmpty },
                       [" \"And", " so,\"", " my", " (fellow)", " Americans...", " ¿Qué?", " 28", ".8", " kilobits."])
        XCTAssertEqual(words.map(\.text).joined(), text)
        XCTAssertEqual(words.flatMap(\.tokens), tokens)
        // A language without spaces splits wherever a whole character ends.
        let japanese = model.tokenizer.encode("こんにちは世界")
        let characters = transcriber.splitIntoWords(japanese, language: "ja").map { model.tokenizer.decode($0) }
        XCTAssertEqual(characters.joined(), "こんにちは世界")
        XCTAssertTrue(characters.allSatisfy { !$0.contains("\u{FFFD}") })
    }

    /// faster-whisper's rules for a segment's first and last words, then the segment's bounds become the words'.
    func testLongWordsAfterAPauseAreCutAndBoundsFollowTheWords() {
        func word(_ start: Double, _ end: Double) -> TimedWord { TimedWord(text: " w", start: start, end: end, tokens: [1], probability: 1) }
        // A first word of 3 s after 10 s of silence becomes 2 x median long, ending where it ended; the second word
        // (also too long) shares a boundary with it.
        var words = [word(10, 13), word(13, 15), word(15, 15.3)]
        var start = 10.0, end = 15.3
        Transcriber.fit(&words, start: &start, end: &end, lastSpeech: 0, medianDuration: 0.3, maxDuration: 0.6)
        XCTAssertEqual(words.map(\.start), [13.8, 14.4, 15])
        XCTAssertEqual(words.map(\.end), [14.4, 15, 15.3])
        XCTAssertEqual(start, 13.8)
        XCTAssertEqual(end, 15.3)
        // A last word that runs more than 0.5 s past the segment's end timestamp ends there.
        words = [word(1, 1.3), word(1.3, 4)]
        start = 1
        end = 2
        Transcriber.fit(&words, start: &start, end: &end, lastSpeech: 0.9, medianDuration: 0.3, maxDuration: 0.6)
        XCTAssertEqual(words[1].end, 2)
        XCTAssertEqual(end, 2)
    }

    /// The acceptance on Audio/jfk.flac, and word starts against faster-whisper's word_timestamps=True on
    /// every bundled English recording (Tests/Fixtures/whisper/words.json), matched word by word where the texts
    /// agree.
    func testWordJSONConventionsAndStartsAgainstFasterWhisper() throws {
        let model = try XCTUnwrap(WhisperEngineTests.base, "Whisper base not installed: run Models/install.sh")
        let transcriber = Transcriber(model: model)
        let data = try Data(contentsOf: TestPaths.fixture("whisper/words.json"))
        let fixture = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: [[String: Any]]])
        var options = DecodingOptions()
        options.language = "en"
        options.wordTimestamps = true
        var differences: [Double] = []
        var agreeing = 0
        for name in fixture.keys.sorted() {
            let result = try transcriber.transcribe(try AudioFile.load(TestPaths.audio(name).path), options: options)
            if name == "jfk.flac" {
                for segment in result.segments {
                    XCTAssertEqual(segment.words.map(\.text).joined(), segment.text)
                    XCTAssertEqual(segment.start, segment.words.first?.start)
                    XCTAssertEqual(segment.end, segment.words.last?.end)
                    for word in segment.words {
                        XCTAssertLessThan(word.start, word.end, word.text)
                        XCTAssertTrue(word.probability > 0 && word.probability <= 1, word.text)
                    }
                }
            }
            // Each word with its start and its segment's text.
            let ours = result.segments.flatMap { segment in segment.words.map { ($0.text, $0.start, segment.text) } }
            let theirs = try XCTUnwrap(fixture[name]).flatMap { segment in
                ((segment["words"] as? [[String: Any]]) ?? []).map {
                    ($0["word"] as? String ?? "", $0["start"] as? Double ?? -1, segment["text"] as? String ?? "")
                }
            }
            let matched = Self.matchingPairs(ours.map(\.0), theirs.map(\.0))
            let fileDifferences = matched.map { abs(ours[$0.0].1 - theirs[$0.1].1) }
            // Where a segment's text is faster-whisper's, every word starts within 0.1 s of its start. Elsewhere
            // another CPU's rounding may have changed a word of the segment (float16 here, float32 there), and
            // with it the alignment of its neighbours; those count in the share below.
            for (a, b) in matched where ours[a].2 == theirs[b].2 {
                agreeing += 1
                XCTAssertLessThanOrEqual(abs(ours[a].1 - theirs[b].1), 0.1, "\(name): \(ours[a].0) in \(ours[a].2)")
            }
            print("\(name): \(matched.count) of \(theirs.count) words matched; start differences mean \(fileDifferences.reduce(0, +) / Double(max(1, fileDifferences.count))) s, worst \(fileDifferences.max() ?? 0) s")
            XCTAssertGreaterThanOrEqual(Double(matched.count), 0.9 * Double(theirs.count), name)
            differences += fileDifferences
        }
        let mean = differences.reduce(0, +) / Double(differences.count)
        print("all: \(differences.count) words (\(agreeing) in segments of the same text), mean start difference \(mean) s, worst \(differences.max()!) s, \(differences.filter { $0 > 0.1 }.count) over 0.1 s")
        // Measured: every segment's text equal, all 240 starts equal to faster-whisper's (to the hundredth).
        XCTAssertLessThanOrEqual(mean, 0.01)
        XCTAssertGreaterThanOrEqual(Double(agreeing), 0.8 * Double(differences.count))
        XCTAssertGreaterThanOrEqual(Double(differences.filter { $0 <= 0.1 }.count), 0.95 * Double(differences.count))
    }

    /// Index pairs of a longest common subsequence of two word lists.
    static func matchingPairs(_ a: [String], _ b: [String]) -> [(Int, Int)] {
        var lengths = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in stride(from: a.count - 1, through: 0, by: -1) {
            for j in stride(from: b.count - 1, through: 0, by: -1) {
                lengths[i][j] = a[i] == b[j] ? lengths[i + 1][j + 1] + 1 : max(lengths[i + 1][j], lengths[i][j + 1])
            }
        }
        var pairs: [(Int, Int)] = []
        var i = 0, j = 0
        while i < a.count && j < b.count {
            if a[i] == b[j] {
                pairs.append((i, j))
                i += 1
                j += 1
            } else if lengths[i + 1][j] >= lengths[i][j + 1] {
                i += 1
            } else {
                j += 1
            }
        }
        return pairs
    }
}

/// faster-whisper's hallucination_silence_threshold rules on hand-made word timings.
final class HallucinationRuleTests: XCTestCase {
    private func words(_ spans: [(Double, Double)], probability: Float) -> [TimedWord] {
        spans.map { TimedWord(text: " w", start: $0.0, end: $0.1, tokens: [1], probability: probability) }
    }

    func testImprobableShortOrLongWordsAreAnomalies() {
        XCTAssertFalse(Transcriber.isAnomaly(words([(0, 0.3), (0.3, 0.6), (0.6, 1)], probability: 0.9)))
        XCTAssertTrue(Transcriber.isAnomaly(words([(0, 0.3), (0.3, 0.6), (0.6, 1)], probability: 0.1)))
        XCTAssertTrue(Transcriber.isAnomaly(words([(0, 0.02), (0.02, 0.04)], probability: 0.9)))
        XCTAssertTrue(Transcriber.isAnomaly(words([(0, 5.5)], probability: 0.9)))
        XCTAssertFalse(Transcriber.isAnomaly([]))
    }

    func testAHallucinationBetweenSilencesIsDroppedAndAfterLongSilenceDecodedAgain() {
        let speech = words([(1, 1.3), (1.3, 1.7), (1.7, 2)], probability: 0.9)
        let hallucination = words([(10, 10.05), (10.05, 10.1)], probability: 0.05)
        // Speech, then 8 s of silence, an anomaly, and silence to the window's end: dropped, decoding resumes at it.
        XCTAssertEqual(Transcriber.skipHallucination([speech, hallucination], timeOffset: 0, windowEnd: 30, windowDuration: 30,
                                                     contentDuration: 60, lastSpeech: 0, threshold: 2),
                       .truncate(keeping: 1, resumeAt: 10))
        // An anomaly first, after more than the threshold of silence: decoded again from where it starts.
        XCTAssertEqual(Transcriber.skipHallucination([hallucination, speech], timeOffset: 0, windowEnd: 30, windowDuration: 30,
                                                     contentDuration: 60, lastSpeech: 0, threshold: 2),
                       .redecode(from: 10))
        XCTAssertEqual(Transcriber.skipHallucination([speech], timeOffset: 0, windowEnd: 30, windowDuration: 30,
                                                     contentDuration: 60, lastSpeech: 0, threshold: 2), .keep)
    }
}
