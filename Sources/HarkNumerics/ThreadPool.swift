// A fixed number of threads that share a job's chunks, wait briefly for the next job, then sleep.
import Foundation
import Synchronization

/// Runs the chunks of one job on up to `threads` threads (the caller's among them). Chunks are handed out one at a
/// time, so a thread that shares its core with another program takes fewer of them instead of holding the job up.
///
/// A decoding step hands out about a hundred small jobs, tens of microseconds apart: waking a sleeping thread for
/// each (libdispatch's pool) cost about as much as the work. So a worker polls for the next job for a short while
/// (`pollNanoseconds`) before it sleeps on a condition variable. It never polls longer than that: a pool that
/// busy-waits indefinitely (OpenBLAS's) made `--threads 2` several times slower than `--threads 1` whenever
/// another program held a core.
public final class ThreadPool: Sendable {
    public let threads: Int
    private let shared: SharedState

    /// How long an idle worker looks for the next job before it sleeps.
    static let pollNanoseconds: UInt64 = 100_000

    public init(threads: Int) {
        precondition(threads >= 1, "a thread pool needs at least one thread")
        self.threads = threads
        shared = SharedState()
        for worker in 1..<threads {
            let shared = shared
            let thread = Thread { shared.serve(as: worker) }
            thread.name = "hark-worker-\(worker)"
            thread.start()
        }
    }

    deinit { shared.stop() }

    /// One thread per core the process may use.
    public static func allCores() -> ThreadPool { ThreadPool(threads: cpuCount) }

    public static let cpuCount = ProcessInfo.processInfo.activeProcessorCount

    /// Calls body(c, worker) once for every chunk c in 0..<chunks, in parallel, and returns when all have run.
    /// `worker` (0..<threads) is the same for chunks run one after the other on one thread, so a chunk may use
    /// scratch space of its worker's. A job started while another runs on this pool (from inside a chunk, or
    /// from another thread) runs its chunks on its caller's thread alone.
    public func forEach(chunks: Int, _ body: (_ chunk: Int, _ worker: Int) -> Void) {
        guard threads > 1, chunks > 1, shared.claim() else {
            for chunk in 0..<chunks { body(chunk, 0) }
            return
        }
        withoutActuallyEscaping(body) { body in
            shared.run(Job(chunks: chunks, body: body))
        }
    }

    /// body(i) for every i in 0..<count, in parallel (one chunk each), the results in order.
    public func map<Result>(_ count: Int, _ body: (Int) -> Result) -> [Result] {
        var results = [Result?](repeating: nil, count: count)
        results.withUnsafeMutableBufferPointer { out in
            forEach(chunks: count) { i, _ in out[i] = body(i) }
        }
        return results.map { $0! }
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

/// One job: its chunk count and what to call for each chunk.
private struct Job {
    let chunks: Int
    let body: (Int, Int) -> Void
}

/// What the caller and the workers share. Workers hold this, not the pool, so the pool's deinit can stop them.
///
/// A job is a door: the caller opens it (a new epoch), workers that notice in time join (counted in the door's
/// word), everyone takes chunks until none are left, then the caller closes the door and waits only for the
/// workers inside. A worker that was asleep or descheduled and comes late finds the door closed and waits for
/// the next job: the caller never waits for a thread that has not started.
private final class SharedState: @unchecked Sendable {
    /// epoch * 2^20 + (open ? 2^19 : 0) + workers inside.
    private let door = Atomic<Int>(0)
    private static let openBit = 1 << 19, epochUnit = 1 << 20
    /// The current job: written before its door opens, kept until the last worker inside has left.
    private var job: Job?
    private let nextChunk = Atomic<Int>(0)
    /// Whether a job is running (a second caller runs its job alone instead of waiting).
    private let busy = Atomic<Bool>(false)
    private let stopping = Atomic<Bool>(false)
    /// Sleeping workers wait on `wake`; `sleepers` tells the caller whether to signal it.
    private let sleepers = Atomic<Int>(0)
    private let lock = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let wake = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)

    init() {
        pthread_mutex_init(lock, nil)
        pthread_cond_init(wake, nil)
    }

    deinit {
        pthread_cond_destroy(wake)
        pthread_mutex_destroy(lock)
        wake.deallocate()
        lock.deallocate()
    }

    func claim() -> Bool { busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged }

    /// Runs `job` on the caller (worker 0) and whichever workers join; returns when every chunk has run.
    func run(_ job: Job) {
        self.job = job
        nextChunk.store(0, ordering: .relaxed)
        let epoch = door.load(ordering: .relaxed) / Self.epochUnit + 1
        door.store(epoch * Self.epochUnit + Self.openBit, ordering: .sequentiallyConsistent)
        if sleepers.load(ordering: .sequentiallyConsistent) > 0 {
            pthread_mutex_lock(lock)
            pthread_cond_broadcast(wake)
            pthread_mutex_unlock(lock)
        }
        work(job, as: 0)
        door.bitwiseAnd(~Self.openBit, ordering: .acquiringAndReleasing)
        // Those inside are at most one chunk from done; yield rather than spin if one of them was descheduled.
        var polls = 0
        while door.load(ordering: .acquiring) % Self.openBit > 0 {
            polls += 1
            if polls > 1_000 { sched_yield() }
        }
        self.job = nil
        busy.store(false, ordering: .releasing)
    }

    private func work(_ job: Job, as worker: Int) {
        while true {
            let chunk = nextChunk.wrappingAdd(1, ordering: .relaxed).oldValue
            guard chunk < job.chunks else { return }
            job.body(chunk, worker)
        }
    }

    /// A worker's life: wait for a new epoch (polling, then sleeping), join its job if the door is still open,
    /// take chunks, leave; until stopped.
    func serve(as worker: Int) {
        var seen = door.load(ordering: .acquiring) / Self.epochUnit
        while let epoch = nextEpoch(after: seen) {
            seen = epoch
            guard enter(epoch) else { continue }
            work(job!, as: worker)
            door.subtract(1, ordering: .releasing)
        }
    }

    /// Joins the job of `epoch` if its door is still open.
    private func enter(_ epoch: Int) -> Bool {
        var current = door.load(ordering: .acquiring)
        while current / Self.epochUnit == epoch && current & Self.openBit != 0 {
            let (exchanged, original) = door.compareExchange(expected: current, desired: current + 1, ordering: .acquiring)
            if exchanged { return true }
            current = original
        }
        return false
    }

    /// The next epoch after `seen`, or nil once stopped.
    private func nextEpoch(after seen: Int) -> Int? {
        let start = DispatchTime.now().uptimeNanoseconds
        var polls = 0
        while true {
            let epoch = door.load(ordering: .acquiring) / Self.epochUnit
            if epoch != seen { return epoch }
            if stopping.load(ordering: .relaxed) { return nil }
            // Polling yields the core: to nothing when the machine is idle, to the other program when one shares
            // it, so that the caller (which never waits for a worker that has not joined) does the job alone.
            sched_yield()
            polls += 1
            if polls % 8 == 0, DispatchTime.now().uptimeNanoseconds - start > ThreadPool.pollNanoseconds { break }
        }
        pthread_mutex_lock(lock)
        defer { pthread_mutex_unlock(lock) }
        sleepers.add(1, ordering: .sequentiallyConsistent)
        defer { sleepers.subtract(1, ordering: .relaxed) }
        while true {
            // Checked after announcing the sleep, under the lock: a caller that opened the door before seeing the
            // sleeper is seen here; one that opens it after sees the sleeper and signals under the same lock.
            let epoch = door.load(ordering: .sequentiallyConsistent) / Self.epochUnit
            if epoch != seen { return epoch }
            if stopping.load(ordering: .relaxed) { return nil }
            pthread_cond_wait(wake, lock)
        }
    }

    func stop() {
        stopping.store(true, ordering: .relaxed)
        pthread_mutex_lock(lock)
        pthread_cond_broadcast(wake)
        pthread_mutex_unlock(lock)
    }
}
