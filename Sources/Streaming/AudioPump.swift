// Reads an audio source on its own thread so that decoding never stalls the pipe, and hands audio over in steps.
import Audio
import Foundation

/// The reader thread blocks in `read` while the caller decodes; the caller takes what has arrived. A live source
/// that outruns decoding is handed over in larger blocks (the next step decodes all of it, so delay stays
/// bounded); a file piped in faster than real time is handed over no faster than the wall clock since the
/// previous hand-over, but at least a step at a time: it is recognized as if it arrived live on a fast machine.
public final class AudioPump: @unchecked Sendable {
    private let condition = NSCondition()
    private var queued: [Float] = []
    private var ended = false
    private var stopped = false
    private var failure: Error?
    private var warnings: [String] = []
    private var lastHandOver = Date()
    /// Samples read ahead of the recognizer at most (30 s); a live source never comes near it.
    private let capacity = 30 * speechSampleRate

    public init(source: AudioSource) {
        let thread = Thread { [self] in read(source) }
        thread.start()
    }

    private func read(_ source: AudioSource) {
        var source = source
        while true {
            do {
                guard let block = try source.nextBlock() else { break }
                condition.lock()
                // A file piped in stays in the pipe rather than in memory: the writer blocks until we catch up.
                while queued.count >= capacity && !stopped { condition.wait() }
                queued += block
                condition.broadcast()
                condition.unlock()
            } catch {
                condition.lock()
                failure = error
                condition.broadcast()
                condition.unlock()
                break
            }
        }
        condition.lock()
        ended = true
        warnings = source.warnings
        condition.broadcast()
        condition.unlock()
    }

    /// Ends the input (SIGINT): `next` hands over what was already read in one block, then returns nil.
    public func stop() {
        condition.lock()
        stopped = true
        condition.broadcast()
        condition.unlock()
    }

    /// Problems the source reported that did not stop it (for example input ending mid-sample).
    public var sourceWarnings: [String] {
        condition.lock()
        defer { condition.unlock() }
        return warnings
    }

    /// The next block: waits for audio, then returns up to max(step, wall time since the last hand-over) of it;
    /// nil at the end of input or after `stop`. Rethrows the source's error once its audio is used up.
    public func next(stepSamples: Int) throws -> [Float]? {
        condition.lock()
        defer { condition.unlock() }
        while queued.isEmpty && !ended && !stopped { condition.wait() }
        if queued.isEmpty {
            if let failure, !stopped { throw failure }
            return nil
        }
        let elapsed = Int(Date().timeIntervalSince(lastHandOver) * Double(speechSampleRate))
        let count = stopped ? queued.count : min(queued.count, max(stepSamples, elapsed))
        lastHandOver = Date()
        let block = Array(queued.prefix(count))
        queued.removeFirst(count)
        condition.broadcast()
        return block
    }
}
