// The --threads option every computing command takes: the size of the thread pool its models run on.
import ArgumentParser
import Foundation
import HarkNumerics

struct ThreadOptions: ParsableArguments {
    @Option(help: "Threads for the models' products (default: all cores). Idle threads sleep, and a thread that shares its core with other work takes less of each product.")
    var threads = ProcessInfo.processInfo.activeProcessorCount

    func validate() throws {
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
    }

    /// The pool the command's models run on.
    func pool() -> ThreadPool { ThreadPool(threads: threads) }
}
