// Log10 mel frames of a centred STFT, computed incrementally: batch extraction is a stream that ends.
import Foundation
import HarkNumerics

/// How one recipe turns samples into log10 mel frames.
public struct SpectrogramRecipe: Equatable, Sendable {
    public enum Magnitude: Equatable, Sendable {
        /// |X|^2, as Whisper uses.
        case power
        /// sqrt(max(|X|^2, floor)), as dMel uses.
        case amplitude(floor: Float)
    }

    public var fftSize: Int
    public var windowLength: Int
    public var hopLength: Int
    public var melFilters: Tensor
    public var magnitude: Magnitude
    /// Whisper drops the STFT's last frame; dMel keeps it.
    public var dropsLastFrame: Bool
    /// log10 floor applied to the mel energies.
    public var logFloor: Float = 1e-10

    public var melCount: Int { melFilters.shape[0] }

    /// Frames a centred STFT yields for `sampleCount` samples, after the optional drop of the last one.
    public func frameCount(sampleCount: Int) -> Int {
        max(0, 1 + sampleCount / hopLength - (dropsLastFrame ? 1 : 0))
    }
}

/// Feed samples in any chunk sizes; get exactly the frames the whole signal would give.
/// The signal is centred with reflect padding of fftSize/2 on both sides, like torch.stft(center=True).
public final class LogMelStream {
    public let recipe: SpectrogramRecipe
    private let fft: RealFFT
    private let window: [Float]
    private let filters: BandMatrix
    private var halfFrame: Int { recipe.fftSize / 2 }

    /// Raw samples seen so far, before the stream has enough to build the left reflection.
    private var head: [Float] = []
    /// Padded signal from padded index `pendingStart` on; nil until the left reflection exists.
    private var pending: [Float]? = nil
    private var pendingStart = 0
    /// The last halfFrame + 1 raw samples, for the right reflection at the end.
    private var tail: [Float] = []
    private var sampleCount = 0
    private var nextFrame = 0
    private var finished = false

    /// Frames whose power spectra go through the mel filter bank together.
    private let framesPerBatch = 512

    public init(recipe: SpectrogramRecipe) {
        self.recipe = recipe
        fft = RealFFT(size: recipe.fftSize)
        window = Window.periodicHann(length: recipe.windowLength, frameSize: recipe.fftSize)
        filters = BandMatrix(dense: recipe.melFilters)
    }

    /// Adds samples; returns the log10 mel frames [n, melCount] that are now complete.
    public func feed(_ samples: [Float]) -> Tensor {
        precondition(!finished, "LogMelStream fed after finish()")
        sampleCount += samples.count
        tail = Array((tail + samples.suffix(halfFrame + 1)).suffix(halfFrame + 1))
        if pending == nil {
            head.append(contentsOf: samples)
            // The left reflection needs x[1...halfFrame].
            guard head.count > halfFrame else { return Tensor(zeros: [0, recipe.melCount]) }
            pending = Array(head[1...halfFrame].reversed()) + head
            head = []
        } else {
            pending!.append(contentsOf: samples)
        }
        // Frame i spans padded[i*hop ..< i*hop + fftSize]; emit it once all of it has arrived.
        let available = pendingStart + pending!.count
        let ready = available >= recipe.fftSize ? (available - recipe.fftSize) / recipe.hopLength + 1 : 0
        return emitFrames(upTo: ready)
    }

    /// Ends the stream: pads the right edge by reflection and returns the remaining frames.
    public func finish() -> Tensor {
        precondition(!finished, "LogMelStream finished twice")
        finished = true
        if pending == nil {
            // Shorter than the padding: reflect the whole (short) signal, as numpy's reflect mode does.
            pending = reflectPadShort(head)
            pendingStart = 0
        } else {
            // Right reflection: x[N-2], x[N-3], ... (halfFrame values).
            let n = tail.count
            let reflection = (0..<halfFrame).map { tail[max(0, n - 2 - $0)] }
            pending!.append(contentsOf: reflection)
        }
        let total = recipe.frameCount(sampleCount: sampleCount)
        return emitFrames(upTo: total)
    }

    private func emitFrames(upTo end: Int) -> Tensor {
        var frames: [Float] = []
        let bins = recipe.fftSize / 2 + 1
        while nextFrame < end {
            let batch = min(framesPerBatch, end - nextFrame)
            var power = [Float](repeating: 0, count: batch * bins)
            pending!.withUnsafeBufferPointer { signal in
                power.withUnsafeMutableBufferPointer { out in
                    for f in 0..<batch {
                        let start = (nextFrame + f) * recipe.hopLength - pendingStart
                        fft.powerSpectrum(of: signal, start: start, window: window, into: out, at: f * bins)
                    }
                }
            }
            if case let .amplitude(floor) = recipe.magnitude {
                for i in power.indices { power[i] = sqrtf(max(power[i], floor)) }
            }
            var mel = filters.apply(to: Tensor(shape: [batch, bins], data: power)).data
            let floor = recipe.logFloor
            for i in mel.indices { mel[i] = log10f(max(mel[i], floor)) }
            frames.append(contentsOf: mel)
            nextFrame += batch
        }
        // Keep only what later frames still need.
        let keepFrom = nextFrame * recipe.hopLength - pendingStart
        if keepFrom > 0, pending != nil, !finished {
            pending!.removeFirst(min(keepFrom, pending!.count))
            pendingStart += keepFrom
        }
        return Tensor(shape: [frames.count / recipe.melCount, recipe.melCount], data: frames)
    }

    /// numpy.pad(mode="reflect") for signals shorter than the pad: the reflection bounces off both ends.
    private func reflectPadShort(_ x: [Float]) -> [Float] {
        let n = x.count, pad = halfFrame
        guard n > 1 else { return [Float](repeating: x.first ?? 0, count: n + 2 * pad) }
        let period = 2 * (n - 1)
        return (0..<(n + 2 * pad)).map { j in
            var i = (j - pad) % period
            if i < 0 { i += period }
            return x[i < n ? i : period - i]
        }
    }
}
