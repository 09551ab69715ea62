// Where requests' model work runs: a few threads of our own, entered through a bounded queue that refuses when full.
import Foundation
import NIOCore

/// Threads that run the models' work. A decode holds its thread for seconds; on Swift's cooperative pool (one
/// thread per core) or on NIO's event loops it would stall every other request, health checks included.
final class WorkerThreads: TaskExecutor, @unchecked Sendable {
    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []

    init(count: Int) {
        for index in 0..<count {
            let thread = Thread { [unowned self] in self.run() }
            thread.name = "hark-worker-\(index)"
            thread.start()
        }
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    private func run() {
        while true {
            condition.lock()
            while jobs.isEmpty { condition.wait() }
            let job = jobs.removeFirst()
            condition.unlock()
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }
}

/// Admits `slots` jobs at a time and queues up to `queueLimit` more in arrival order; a job beyond that is
/// refused at once (the client gets 429 and retries), so a burst never piles up unbounded memory or latency.
final class Admission: @unchecked Sendable {
    struct Full: Error {}

    let slots: Int
    let queueLimit: Int
    private let lock = NSLock()
    private var running = 0
    private var waiters: [(id: UInt64, continuation: CheckedContinuation<Void, Error>)] = []
    private var nextID: UInt64 = 0

    init(slots: Int, queueLimit: Int) {
        self.slots = slots
        self.queueLimit = queueLimit
    }

    var queued: Int { lock.withLock { waiters.count } }
    /// Every slot taken and the queue full: a job arriving now would be refused.
    var isFull: Bool { lock.withLock { running >= slots && waiters.count >= queueLimit } }
    var active: Int { lock.withLock { running } }

    /// Returns once the job may run; throws `Full` when the queue is full, CancellationError when the job was
    /// cancelled while it waited (its client went away: the place goes to the next).
    func enter() async throws {
        let id = lock.withLock { () -> UInt64 in nextID += 1; return nextID }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, Error>) in
                lock.lock()
                defer { lock.unlock() }
                if Task.isCancelled {
                    continuation.resume(throwing: CancellationError())
                } else if running < slots && waiters.isEmpty {
                    running += 1
                    continuation.resume()
                } else if waiters.count >= queueLimit {
                    continuation.resume(throwing: Full())
                } else {
                    waiters.append((id, continuation))
                }
            }
        } onCancel: {
            let cancelled = lock.withLock { () -> CheckedContinuation<Void, Error>? in
                guard let index = waiters.firstIndex(where: { $0.id == id }) else { return nil }
                return waiters.remove(at: index).continuation
            }
            cancelled?.resume(throwing: CancellationError())
        }
    }

    /// Takes a free slot if there is one now, without queueing (a live stream cannot wait).
    func tryEnter() -> Bool {
        lock.withLock {
            guard running < slots && waiters.isEmpty else { return false }
            running += 1
            return true
        }
    }

    /// The job is done: its slot goes to the first waiting job.
    func leave() {
        let next = lock.withLock { () -> CheckedContinuation<Void, Error>? in
            if waiters.isEmpty {
                running -= 1
                return nil
            }
            return waiters.removeFirst().continuation
        }
        next?.resume()
    }
}

/// Runs requests' work on the worker threads through the admission queue, and stops it when its client
/// disconnects or its time is up.
struct Workers: Sendable {
    let threads: WorkerThreads
    let admission: Admission
    /// Longest time a request may wait and run.
    let timeout: Duration

    init(count: Int, queueLimit: Int, timeout: Duration) {
        threads = WorkerThreads(count: count)
        admission = Admission(slots: count, queueLimit: queueLimit)
        self.timeout = timeout
    }

    /// Runs `work` on a worker once admitted. The work sees `Task.isCancelled` (and `Task.checkCancellation()`
    /// throws) when `channel` closes or the timeout passes; long loops check it between windows.
    func run<T: Sendable>(closingWith channel: (any Channel)?, _ work: @escaping @Sendable () async throws -> T) async throws -> T {
        let admission = self.admission
        let threads = self.threads
        // Waiting for a slot happens off the worker threads: a job parked on them could not even join the queue
        // while they are busy, and the queue's limit would never be reached.
        let task = Task { () async throws -> T in
            try await admission.enter()
            defer { admission.leave() }
            try Task.checkCancellation()
            return try await withTaskExecutorPreference(threads) { try await work() }
        }
        channel?.closeFuture.whenComplete { _ in task.cancel() }
        let timer = Task {
            try await Task.sleep(for: timeout)
            task.cancel()
            return true
        }
        defer { timer.cancel() }
        do {
            return try await withTaskCancellationHandler { try await task.value } onCancel: { task.cancel() }
        } catch is Admission.Full {
            throw APIError.busy(retryAfterSeconds: 1)
        } catch is CancellationError {
            timer.cancel()
            if case .success(true) = await timer.result { throw APIError.timedOut }
            throw CancellationError()
        }
    }
}
