// Wall time spent in each stage of a run (model load, encoder windows, decoding, ...), for `--timings`.
import Foundation

/// Durations of named stages, in the order the stages first ran, from any thread. whisper.cpp prints the same at
/// exit (`whisper_print_timings`): where the time went is the first question about a slow run, and the encoder's
/// median window is the figure to hold against the machine's arithmetic floor (`Benchmarks/whisper/bench_encoder.sh`).
public final class StageTimings: @unchecked Sendable {
    private let lock = NSLock()
    private var stages: [String] = []
    private var durations: [String: [Double]] = [:]
    private let started = DispatchTime.now().uptimeNanoseconds

    public init() {}

    /// Runs body and adds its wall time to `stage`.
    public func measure<Result>(_ stage: String, _ body: () throws -> Result) rethrows -> Result {
        let start = DispatchTime.now().uptimeNanoseconds
        defer { record(stage, seconds: Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9) }
        return try body()
    }

    public func record(_ stage: String, seconds: Double) {
        lock.lock()
        defer { lock.unlock() }
        if durations[stage] == nil { stages.append(stage) }
        durations[stage, default: []].append(seconds)
    }

    /// Each stage's durations so far, in the order the stages first ran.
    public var recorded: [(stage: String, seconds: [Double])] {
        lock.lock()
        defer { lock.unlock() }
        return stages.map { ($0, durations[$0]!) }
    }

    /// One line: each stage's total, and for a stage that ran more than once its count and median; then the wall
    /// time since this object was made. Stages run inside others (or on other threads) overlap, so the totals
    /// need not add up to the wall time.
    public var summary: String {
        let parts = recorded.map { stage, seconds -> String in
            let total = String(format: "%@ %.2f s", stage, seconds.reduce(0, +))
            guard seconds.count > 1 else { return total }
            let sorted = seconds.sorted()
            let median = sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
            return total + String(format: " (%dx, median %.3f s)", seconds.count, median)
        }
        let wall = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        return "timings: " + (parts + [String(format: "total %.2f s", wall)]).joined(separator: "; ")
    }
}

extension Optional where Wrapped == StageTimings {
    /// body, its wall time added to `stage` when there are timings to keep.
    public func measure<Result>(_ stage: String, _ body: () throws -> Result) rethrows -> Result {
        guard let timings = self else { return try body() }
        return try timings.measure(stage, body)
    }
}
