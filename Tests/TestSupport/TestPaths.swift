// Where the tests find the repository's samples, fixtures, installed models and the built `hark` binary.
import Foundation
import Synchronization

public enum TestPaths {
    /// The repository root, from this file's location (Tests/TestSupport/TestPaths.swift).
    public static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    public static func audio(_ name: String) -> URL { root.appendingPathComponent("Audio/\(name)") }
    public static func fixture(_ path: String) -> URL { root.appendingPathComponent("Tests/Fixtures/\(path)") }

    /// Installed weights: $HARK_MODELS, else Models/cache (filled by Models/install.sh).
    public static func model(_ name: String) -> URL {
        if let env = ProcessInfo.processInfo.environment["HARK_MODELS"], !env.isEmpty {
            return URL(fileURLWithPath: env).appendingPathComponent(name)
        }
        return root.appendingPathComponent("Models/cache/\(name)")
    }

    /// A reference measured on the machine that runs the tests: `make test` writes it (Makefile: machine-references).
    /// A missing one is an error that says how to make it, never a skipped test.
    public static func machineReference(_ name: String) throws -> Data {
        let url = root.appendingPathComponent(".build/machine-references/\(name)")
        guard let data = FileManager.default.contents(atPath: url.path) else { throw MissingMachineReference(path: url.path) }
        return data
    }

    /// The 10-minute recording `make long-recording` builds from the bundled ones (Tests/Fixtures/make_long_recording.py):
    /// long.flac and its layout, long.json. Missing, it is an error that says how to make it.
    public static func longRecording(_ name: String) throws -> URL {
        let url = root.appendingPathComponent(".build/long-recording/\(name)")
        guard FileManager.default.fileExists(atPath: url.path) else { throw MissingMachineReference(path: url.path, maker: "make long-recording") }
        return url
    }

    /// A fresh temporary folder for one test, removed with the others when the test process exits (a run of the
    /// suite made about 60 of them, up to 7 MB each).
    public static func temporaryDirectory() throws -> URL {
        _ = removeFoldersAtExit
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("hark-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        temporaryFolders.withLock { $0.append(url) }
        return url
    }

    private static let temporaryFolders = Mutex<[URL]>([])
    private static let removeFoldersAtExit: Void = {
        atexit {
            for url in TestPaths.temporaryFolders.withLock({ $0 }) { try? FileManager.default.removeItem(at: url) }
        }
    }()
}

public struct MissingMachineReference: Error, CustomStringConvertible {
    public let path: String
    public var maker = "make machine-references"
    public var description: String { "\(path) is missing: `\(maker)` writes it (make test does)" }
}
