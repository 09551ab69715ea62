// A terminal of known size running one command, read as a person sees it: a tmux session on a server of its own.
import Foundation

public final class TerminalSession {
    private static let tmux = URL(fileURLWithPath: "/usr/bin/tmux")
    private let server: [String]

    /// Starts `command` (a shell command line) in a `columns` x `rows` terminal.
    public init(columns: Int, rows: Int, command: String) throws {
        server = ["-L", "hark-test-\(UUID().uuidString.prefix(8))"]
        // tmux's server outlives the call and inherits every open descriptor, among them the one through which
        // Foundation learns that a child has exited: waiting for tmux would never end. Close them first.
        let closeInherited = #"for fd in $(ls /proc/$$/fd); do [ "$fd" -gt 2 ] && eval "exec $fd>&-"; done; "#
        let started = try HarkProcess.runTool(URL(fileURLWithPath: "/bin/bash"), [
            "-c", closeInherited + #"exec "$0" "$@""#, Self.tmux.path,
        ] + server + ["new-session", "-d", "-x", "\(columns)", "-y", "\(rows)", command])
        guard started.status == 0 else { throw SessionError(description: "tmux new-session: \(started.stderr)") }
    }

    deinit { _ = try? HarkProcess.runTool(Self.tmux, server + ["kill-server"]) }

    /// The whole screen and what scrolled off its top, the rows of a wrapped line joined into one.
    public func screen() throws -> String {
        try HarkProcess.runTool(Self.tmux, server + ["capture-pane", "-p", "-J", "-S", "-"]).stdout
    }

    /// The screen once it shows `text`, or as it is after `timeout` seconds.
    public func screen(showing text: String, timeout: TimeInterval) throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        var shown = try screen()
        while !shown.contains(text), Date() < deadline {
            Thread.sleep(forTimeInterval: 0.5)
            shown = try screen()
        }
        return shown
    }

    public struct SessionError: Error, CustomStringConvertible {
        public let description: String
    }
}
