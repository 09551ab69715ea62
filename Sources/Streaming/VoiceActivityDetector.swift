// A frame-level voice activity detector: energy above an adaptive noise floor, spectral flatness, and hysteresis.
import Foundation

/// What the detector looks at and how quickly it changes its mind. Times are in 16 kHz samples or frames of
/// `frameSamples`; the defaults were chosen on Audio/jfk.flac, digital silence and seeded white noise.
public struct VADParameters: Sendable {
    /// 30 ms analysis frames.
    public var frameSamples = 480
    /// Frames quieter than this (dB relative to a full-scale square wave) are never speech and do not move
    /// the noise floor: digital silence, faint hiss.
    public var absoluteThresholdDB: Float = -50
    /// A speech frame must be this much louder than the running noise floor.
    public var marginAboveFloorDB: Float = 9
    /// The floor falls at once to a quieter frame and rises with this time constant, so steady noise of any
    /// level becomes the floor within a few seconds while the pauses between words keep it low during speech.
    public var floorRiseSeconds: Float = 3
    /// Geometric over arithmetic mean of the power spectrum in 100-4000 Hz: white noise gives about 0.56,
    /// voiced speech well under 0.3.
    public var maxSpectralFlatness: Float = 0.4
    /// Consecutive speech-like frames needed to enter speech (90 ms): clicks and single bursts do not.
    public var onsetFrames = 3
    /// Consecutive non-speech frames needed to leave speech (240 ms): gaps between words and unvoiced
    /// consonants, which look like noise, stay inside the speech.
    public var hangoverFrames = 8

    public init() {}
}

/// Classifies successive frames; `process` returns the smoothed decision for each frame it is given.
public struct VoiceActivityDetector {
    public let parameters: VADParameters
    public private(set) var isSpeech = false
    private var noiseFloorDB: Float?
    private var runOfOpposite = 0
    private let spectrum: PowerSpectrum
    private let bandBins: Range<Int>

    public init(parameters: VADParameters = VADParameters()) {
        self.parameters = parameters
        spectrum = PowerSpectrum(size: parameters.frameSamples)
        let hertzPerBin = Float(16_000) / Float(parameters.frameSamples)
        bandBins = Int((100 / hertzPerBin).rounded(.up))..<Int(4000 / hertzPerBin)
    }

    /// Loudness of a frame in dB: 10 log10 of its mean square.
    public static func energyDB(_ frame: ArraySlice<Float>) -> Float {
        let meanSquare = frame.reduce(0) { $0 + $1 * $1 } / Float(max(frame.count, 1))
        return 10 * log10(meanSquare + 1e-12)
    }

    /// How noise-like the frame's spectrum is in the speech band: 1 is flat, near 0 is tonal or formant-shaped.
    public func spectralFlatness(_ frame: ArraySlice<Float>) -> Float {
        var logSum: Float = 0, sum: Float = 0
        for power in spectrum.power(frame, bins: bandBins) {
            let p = power + 1e-12
            logSum += log(p)
            sum += p
        }
        let count = Float(bandBins.count)
        return exp(logSum / count) / (sum / count)
    }

    /// The raw per-frame test, before hysteresis; updates the noise floor.
    public mutating func isSpeechLike(_ frame: ArraySlice<Float>) -> Bool {
        let energy = Self.energyDB(frame)
        // Digital silence (a recording's leading zeros) says nothing about the noise the speech will sit in.
        guard energy > parameters.absoluteThresholdDB else { return false }
        let floor = noiseFloorDB ?? energy
        let framesPerSecond = Float(16_000) / Float(parameters.frameSamples)
        let rise = 1 / (parameters.floorRiseSeconds * framesPerSecond)
        noiseFloorDB = energy < floor ? energy : floor + rise * (energy - floor)
        guard energy > floor + parameters.marginAboveFloorDB else { return false }
        return spectralFlatness(frame) < parameters.maxSpectralFlatness
    }

    /// The smoothed decision for one frame of `parameters.frameSamples` samples.
    public mutating func process(_ frame: ArraySlice<Float>) -> Bool {
        let speechLike = isSpeechLike(frame)
        if speechLike == isSpeech {
            runOfOpposite = 0
        } else {
            runOfOpposite += 1
            if runOfOpposite >= (isSpeech ? parameters.hangoverFrames : parameters.onsetFrames) {
                isSpeech.toggle()
                runOfOpposite = 0
            }
        }
        return isSpeech
    }

    /// Speech stretches of a whole recording, in seconds, for tests and tuning: each starts at the first frame
    /// of the run that switched to speech and ends after the last speech-like frame before the hangover.
    public static func speechIntervals(_ samples: [Float], parameters: VADParameters = VADParameters()) -> [(start: Double, end: Double)] {
        var detector = VoiceActivityDetector(parameters: parameters)
        let frame = parameters.frameSamples
        var intervals: [(start: Double, end: Double)] = []
        var openedAt: Int?
        for start in stride(from: 0, to: samples.count - frame + 1, by: frame) {
            let speech = detector.process(samples[start..<(start + frame)])
            if speech, openedAt == nil { openedAt = start - (parameters.onsetFrames - 1) * frame }
            if !speech, let opened = openedAt {
                intervals.append((Double(opened) / 16_000, Double(start - (parameters.hangoverFrames - 1) * frame) / 16_000))
                openedAt = nil
            }
        }
        if let opened = openedAt { intervals.append((Double(opened) / 16_000, Double(samples.count) / 16_000)) }
        return intervals
    }
}

/// |DFT|^2 of a Hann-windowed frame through precomputed twiddles: 30-ms frames at 33 per second cost
/// a few million multiply-adds a second, so a plain DFT keeps this module free of FFT plans.
final class PowerSpectrum {
    let size: Int
    private let window: [Float]
    private let cosines: [Float]
    private let sines: [Float]

    init(size: Int) {
        self.size = size
        window = (0..<size).map { 0.5 - 0.5 * cos(2 * Float.pi * Float($0) / Float(size)) }
        cosines = (0..<size).map { cos(2 * Float.pi * Float($0) / Float(size)) }
        sines = (0..<size).map { sin(2 * Float.pi * Float($0) / Float(size)) }
    }

    func power(_ frame: ArraySlice<Float>, bins: Range<Int>) -> [Float] {
        let windowed = zip(frame, window).map { $0 * $1 }
        return bins.map { bin in
            var re: Float = 0, im: Float = 0
            var phase = 0
            for x in windowed {
                re += x * cosines[phase]
                im -= x * sines[phase]
                phase += bin
                if phase >= size { phase -= size }
            }
            return re * re + im * im
        }
    }
}
