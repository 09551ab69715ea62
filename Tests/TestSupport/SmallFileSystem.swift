// A tiny tmpfs mounted for one test, to run out of disk space on purpose (root, or CAP_SYS_ADMIN, needed).
import Foundation
import XCTest

public final class SmallFileSystem {
    public let url: URL

    /// Mounts a tmpfs of `kilobytes` (a multiple of the 4-KB page) in a fresh temporary folder; skips the test with
    /// the reason where mounting is not permitted.
    public init(kilobytes: Int) throws {
        url = try TestPaths.temporaryDirectory()
        let mount = try HarkProcess.runTool(URL(fileURLWithPath: "/bin/mount"), ["-t", "tmpfs", "-o", "size=\(kilobytes)k", "tmpfs", url.path])
        if mount.status != 0 { throw XCTSkip("cannot mount a tmpfs here (\(mount.stderr.trimmingCharacters(in: .whitespacesAndNewlines)))") }
    }

    /// Fills the file system up to its last byte.
    public func fill() throws {
        let filler = url.appendingPathComponent("filler")
        // A file that cannot be made shows as FileHandle's error on the next line.
        _ = FileManager.default.createFile(atPath: filler.path, contents: nil)
        let handle = try FileHandle(forWritingTo: filler)
        let block = Data(count: 4096)
        while (try? handle.write(contentsOf: block)) != nil {}
        // The last partial block, byte by byte: a few bytes left over would let small outputs through.
        while (try? handle.write(contentsOf: Data(count: 1))) != nil {}
        try handle.close()
    }

    /// The names in the file system besides the filler.
    public func contents() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: url.path).filter { $0 != "filler" }.sorted()
    }

    deinit { _ = try? HarkProcess.runTool(URL(fileURLWithPath: "/bin/umount"), [url.path]) }
}
