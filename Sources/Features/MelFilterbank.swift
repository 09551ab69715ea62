// Slaney-style mel filters (librosa's default: Slaney mel scale, area-normalized), as Whisper and dMel use them.
import Foundation
import HarkNumerics

public enum MelFilterbank {
    /// Filters of shape [melCount, fftSize/2 + 1], computed in Double like librosa.filters.mel(htk=False, norm="slaney").
    public static func slaney(sampleRate: Int, fftSize: Int, melCount: Int, minHz: Double = 0, maxHz: Double? = nil) -> Tensor {
        let maxHz = maxHz ?? Double(sampleRate) / 2
        let binCount = fftSize / 2 + 1
        let fftHz = (0..<binCount).map { Double($0) * Double(sampleRate) / Double(fftSize) }
        let lowMel = hzToMel(minHz), highMel = hzToMel(maxHz)
        let edgesHz = (0..<(melCount + 2)).map { melToHz(lowMel + (highMel - lowMel) * Double($0) / Double(melCount + 1)) }
        var weights = [Float](repeating: 0, count: melCount * binCount)
        for m in 0..<melCount {
            let left = edgesHz[m], centre = edgesHz[m + 1], right = edgesHz[m + 2]
            // Slaney normalization: each triangle has unit area in Hz.
            let norm = 2 / (right - left)
            for k in 0..<binCount {
                let rising = (fftHz[k] - left) / (centre - left)
                let falling = (right - fftHz[k]) / (right - centre)
                weights[m * binCount + k] = Float(max(0, min(rising, falling)) * norm)
            }
        }
        return Tensor(shape: [melCount, binCount], data: weights)
    }

    // Slaney's scale: linear below 1 kHz (3 mels per 200 Hz), logarithmic above.
    private static let linearStep = 200.0 / 3
    private static let breakHz = 1000.0
    private static let breakMel = breakHz / linearStep
    private static let logStep = log(6.4) / 27

    static func hzToMel(_ hz: Double) -> Double {
        hz < breakHz ? hz / linearStep : breakMel + log(hz / breakHz) / logStep
    }

    static func melToHz(_ mel: Double) -> Double {
        mel < breakMel ? mel * linearStep : breakHz * exp(logStep * (mel - breakMel))
    }
}
