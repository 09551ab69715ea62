// Every saved fuzzing input (the seed corpora and each crash the fuzzers found) through its parser: none may trap.
import FuzzTargets
import Foundation
import TestSupport
import XCTest

final class FuzzCorpusTests: XCTestCase {
    func testEverySavedInputEndsInAResultOrAOneLineError() throws {
        var ran = 0
        for target in FuzzTarget.allCases {
            for kind in ["corpus", "crashes"] {
                let folder = TestPaths.root.appendingPathComponent("Tests/Fuzz/\(kind)/\(target.rawValue)")
                let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
                if kind == "corpus" { XCTAssertFalse(names.isEmpty, "no seed corpus in \(folder.path)") }
                for name in names.sorted() {
                    target.run(try Data(contentsOf: folder.appendingPathComponent(name)))
                    ran += 1
                }
            }
        }
        print("fuzz inputs replayed: \(ran)")
    }
}
