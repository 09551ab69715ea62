// The Swift normalizers give exactly openai-whisper's outputs on 263 committed strings (make_normalizer_fixtures.py).
import XCTest
import Foundation
@testable import Bench
import TestSupport

final class NormalizerTests: XCTestCase {
    private struct Case: Decodable {
        var input: String
        var english: String?
        var basic: String
        var basic_diacritics_split: String?
    }

    private func cases() throws -> [Case] {
        struct File: Decodable { var cases: [Case] }
        return try JSONDecoder().decode(File.self, from: Data(contentsOf: TestPaths.fixture("bench/normalizers.json"))).cases
    }

    func testEnglishNormalizerEqualsWhisper() throws {
        let english = try cases().filter { $0.english != nil }
        XCTAssertGreaterThanOrEqual(english.count, 200)
        for c in english {
            XCTAssertEqual(EnglishTextNormalizer.shared.normalize(c.input), c.english!, "input: \(c.input.debugDescription)")
        }
    }

    func testBasicNormalizerEqualsWhisper() throws {
        let all = try cases()
        for c in all {
            XCTAssertEqual(BasicTextNormalizer().normalize(c.input), c.basic, "input: \(c.input.debugDescription)")
            if let expected = c.basic_diacritics_split {
                XCTAssertEqual(BasicTextNormalizer(removeDiacritics: true, splitLetters: true).normalize(c.input), expected,
                               "input: \(c.input.debugDescription)")
            }
        }
    }
}
