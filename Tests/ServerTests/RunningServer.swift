// A `hark serve` process on a free loopback port for the server tests, and the Python clients that call it.
import Foundation
import TestSupport
import XCTest

final class RunningServer: @unchecked Sendable {
    let process = Process()
    let url: String
    let key: String
    private let errors = Pipe()
    private let log = LogBox()

    /// Starts `hark serve --port 0 ARGUMENTS --api-key KEY` and waits until it prints the address it listens on.
    init(_ arguments: [String], key: String = "test-key") throws {
        self.key = key
        process.executableURL = HarkProcess.executable
        process.arguments = ["serve", "--port", "0", "--api-key", key] + arguments
        process.currentDirectoryURL = TestPaths.root
        process.standardOutput = FileHandle.nullDevice
        process.standardError = errors
        let log = self.log
        errors.fileHandleForReading.readabilityHandler = { handle in log.append(handle.availableData) }
        try process.run()
        let deadline = Date().addingTimeInterval(120)
        var address: String?
        while address == nil && Date() < deadline && process.isRunning {
            address = log.text.range(of: #"listening on (http://\S+)"#, options: .regularExpression)
                .map { String(log.text[$0].dropFirst("listening on ".count)) }
            if address == nil { Thread.sleep(forTimeInterval: 0.05) }
        }
        guard let address else {
            process.terminate()
            throw NSError(domain: "RunningServer", code: 1, userInfo: [NSLocalizedDescriptionKey: "hark serve did not start: \(log.text)"])
        }
        url = address
    }

    var stderr: String { log.text }

    /// SIGTERM, then the exit status once it has stopped.
    @discardableResult
    func stop() -> Int32 {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        errors.fileHandleForReading.readabilityHandler = nil
        return process.terminationStatus
    }

    func waitForExit() -> Int32 {
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// Runs Tests/Server/clients.py COMMAND URL KEY ARGUMENTS and parses the JSON it prints.
    func client(_ command: String, _ arguments: [String] = [], file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        let result = try HarkProcess.runTool(URL(fileURLWithPath: "/usr/bin/env"),
                                             ["python3", "Tests/Server/clients.py", command, url, key] + arguments)
        XCTAssertEqual(result.status, 0, "clients.py \(command): \(result.stderr)", file: file, line: line)
        guard let object = try JSONSerialization.jsonObject(with: result.stdoutData) as? [String: Any] else {
            throw NSError(domain: "RunningServer", code: 2, userInfo: [NSLocalizedDescriptionKey: "clients.py \(command) printed no JSON: \(result.stderr)"])
        }
        return object
    }
}

private final class LogBox: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()
    func append(_ chunk: Data) { lock.withLock { data += chunk } }
    var text: String { lock.withLock { String(decoding: data, as: UTF8.self) } }
}
