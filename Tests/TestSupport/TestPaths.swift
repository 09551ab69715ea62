// Where the tests find the repository's samples, fixtures, installed models and the built `hark` binary.
import Foundation

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

    /// A fresh temporary folder for one test.
    public static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("hark-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
