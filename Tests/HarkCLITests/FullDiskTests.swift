// A full disk while writing outputs: one line naming the output, exit 1, and nothing under the final name.
import Foundation
import TestSupport
import XCTest

final class FullDiskTests: XCTestCase {
    private let sample = TestPaths.audio("jfk.flac").path

    private func assertFullDiskError(_ arguments: [String], output: String, input: String? = nil, disk: SmallFileSystem,
                                     file: StaticString = #filePath, line: UInt = #line) throws {
        let result = try HarkProcess.run(arguments)
        XCTAssertEqual(result.status, 1, result.stderr, file: file, line: line)
        XCTAssertEqual(result.stderr, "Error: \(input.map { "\($0): " } ?? "")\(output): cannot write: No space left on device\n",
                       file: file, line: line)
        XCTAssertEqual(try disk.contents(), [], "files left on the full disk", file: file, line: line)
    }

    func testFeatureAndTokenFilesOnAFullDiskFailInOneLineAndLeaveNoFile() throws {
        let disk = try SmallFileSystem(kilobytes: 64)
        try disk.fill()
        let npy = disk.url.appendingPathComponent("jfk.npy").path
        try assertFullDiskError(["features", sample, "-o", npy], output: npy, disk: disk)
        let dmel = disk.url.appendingPathComponent("jfk.dmel").path
        try assertFullDiskError(["tokenize", sample, "-o", dmel], output: dmel, disk: disk)
    }

    func testTranscriptsOnAFullDiskFailInOneLineAndLeaveNoFile() throws {
        let disk = try SmallFileSystem(kilobytes: 64)
        try disk.fill()
        let output = disk.url.appendingPathComponent("jfk.txt").path
        try assertFullDiskError(["transcribe", "--model", "tiny.en", "-o", disk.url.path, sample], output: output,
                                input: sample, disk: disk)
    }
}
