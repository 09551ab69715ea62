// Runs the built `hark` binary as a user would: arguments, optional standard input, captured output and exit code.
import Foundation

public struct HarkResult {
    public let status: Int32
    public let stdout: String
    public let stderr: String
    public let stdoutData: Data
}

public enum HarkProcess {
    /// The binary `swift build` made next to the test bundle (.build/<config>/hark).
    public static var executable: URL {
        let bundleDirectory = Bundle.main.bundleURL.deletingLastPathComponent()
        let candidates = [
            bundleDirectory.appendingPathComponent("hark"),
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("hark"),
            TestPaths.root.appendingPathComponent(".build/release/hark"),
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) } ?? candidates[2]
    }

    @discardableResult
    public static func run(_ arguments: [String], stdin: Data? = nil, environment: [String: String] = [:]) throws -> HarkResult {
        try runTool(executable, arguments, stdin: stdin, environment: environment)
    }

    /// Any program (a script of the repository, a Python tool), run from the repository root.
    @discardableResult
    public static func runTool(_ tool: URL, _ arguments: [String], stdin: Data? = nil, environment: [String: String] = [:]) throws -> HarkResult {
        let process = Process()
        process.executableURL = tool
        process.arguments = arguments
        process.currentDirectoryURL = TestPaths.root
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let out = Pipe(), err = Pipe(), input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = stdin == nil ? FileHandle.nullDevice : input
        try process.run()
        if let stdin {
            // Write from another thread so a large input cannot deadlock against a full output pipe.
            DispatchQueue.global().async {
                input.fileHandleForWriting.write(stdin)
                try? input.fileHandleForWriting.close()
            }
        }
        // Drain stdout on another thread while this one drains stderr, so neither pipe fills and blocks the child.
        let outBox = DataBox()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async { outBox.data = out.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        let outData = outBox.data
        process.waitUntilExit()
        return HarkResult(status: process.terminationStatus,
                          stdout: String(decoding: outData, as: UTF8.self),
                          stderr: String(decoding: errData, as: UTF8.self),
                          stdoutData: outData)
    }
}

private final class DataBox: @unchecked Sendable {
    var data = Data()
}
