// The --threads option every computing command takes, applied once when the command starts.
import ArgumentParser
import Foundation
import HarkNumerics

struct ThreadOptions: ParsableArguments {
    @Option(help: "Threads for matrix products (default: all cores). OpenBLAS threads spin while they wait, so on a machine shared with other work give only the cores you can spare.")
    var threads = ProcessInfo.processInfo.activeProcessorCount

    func validate() throws {
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
    }

    /// OpenBLAS keeps one process-wide pool: the command sets its size before any model runs.
    func apply() { BLAS.setThreads(threads) }
}
