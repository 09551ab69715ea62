// The Swift normalizers give exactly openai-whisper's outputs, code point for code point, on 429 committed strings
// (Tests/Fixtures/make_normalizer_fixtures.py): English numbers, currencies, spellings, contractions, titles,
// symbols, 14 other languages and the edge cases of Python's string handling.
import XCTest
import Foundation
@testable import Scoring
import TestSupport

final class NormalizerTests: XCTestCase {
    private struct Case: Decodable {
        var input: String
        var english: String
        var basic: String
        var basicRemoveDiacritics: String
        var basicSplitLetters: String
    }

    private func cases() throws -> [Case] {
        struct File: Decodable { var cases: [Case] }
        return try JSONDecoder().decode(File.self, from: Data(contentsOf: TestPaths.fixture("bench/normalizers.json"))).cases
    }

    /// Swift's == calls a composed and a decomposed "é" equal; the reference's outputs are compared by code point.
    private func assertSame(_ actual: String, _ expected: String, _ input: String, _ normalizer: String,
                            file: StaticString = #filePath, line: UInt = #line) {
        guard Array(actual.unicodeScalars) != Array(expected.unicodeScalars) else { return }
        XCTFail("\(normalizer) of \(input.debugDescription): expected \(expected.debugDescription), got \(actual.debugDescription)",
                file: file, line: line)
    }

    func testEveryNormalizerEqualsWhisper() throws {
        let all = try cases()
        XCTAssertGreaterThanOrEqual(all.count, 400)
        for c in all {
            assertSame(EnglishTextNormalizer.shared.normalize(c.input), c.english, c.input, "english")
            assertSame(BasicTextNormalizer().normalize(c.input), c.basic, c.input, "basic")
            assertSame(BasicTextNormalizer(removeDiacritics: true).normalize(c.input), c.basicRemoveDiacritics, c.input, "basic without diacritics")
            assertSame(BasicTextNormalizer(splitLetters: true).normalize(c.input), c.basicSplitLetters, c.input, "basic split letters")
        }
    }
}
