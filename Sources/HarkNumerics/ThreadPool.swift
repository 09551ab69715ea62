// A fixed number of threads that share a job's chunks and sleep between jobs, sized by whoever builds a model.
import Dispatch
import Foundation
import Synchronization

/// Runs the chunks of one job on up to `threads` threads (the caller's among them). Chunks are handed out one at a
/// time, so a thread that shares its core with another program takes fewer of them instead of holding the job up.
/// Idle threads wait in libdispatch's pool without spinning: a busy-waiting pool (OpenBLAS's) made `--threads 2`
/// several times slower than `--threads 1` whenever something else held a core.
public final class ThreadPool: Sendable {
    public let threads: Int

    public init(threads: Int) {
        precondition(threads >= 1, "a thread pool needs at least one thread")
        self.threads = threads
    }

    /// One thread per core the process may use.
    public static func allCores() -> ThreadPool { ThreadPool(threads: cpuCount) }

    public static let cpuCount = ProcessInfo.processInfo.activeProcessorCount

    /// Calls body(c, worker) once for every chunk c in 0..<chunks, in parallel, and returns when all have run.
    /// `worker` (0..<threads) is the same for chunks run one after the other on one thread, so a chunk may use
    /// scratch space of its worker's.
    public func forEach(chunks: Int, _ body: (_ chunk: Int, _ worker: Int) -> Void) {
        let width = min(threads, chunks)
        if width <= 1 {
            for chunk in 0..<chunks { body(chunk, 0) }
            return
        }
        let next = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: width) { worker in
            while true {
                let chunk = next.wrappingAdd(1, ordering: .relaxed).oldValue
                guard chunk < chunks else { return }
                body(chunk, worker)
            }
        }
    }

    /// Splits 0..<count into about `perThread` chunks per thread (at least `minimum` items each, multiples of
    /// `multiple`) and calls body(range) for each: the usual way to spread the rows of a product.
    public func forEach(splitting count: Int, minimum: Int, multiple: Int = 1, perThread: Int = 4,
                        _ body: (_ range: Range<Int>, _ worker: Int) -> Void) {
        let wanted = threads == 1 ? 1 : threads * perThread
        var size = max(minimum, (count + wanted - 1) / wanted)
        size = (size + multiple - 1) / multiple * multiple
        let chunks = (count + size - 1) / size
        forEach(chunks: chunks) { c, worker in body((c * size)..<min(count, (c + 1) * size), worker) }
    }
}
