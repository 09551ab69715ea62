// Analysis windows, placed inside an FFT frame the way torch.stft places a shorter window.

import Foundation

public enum Window {
    /// Periodic Hann of `length` (numpy's hanning(length + 1)[:-1], torch.hann_window(periodic=True)),
    /// zero-padded on both sides to `frameSize` with the window centred, as torch.stft does.
    public static func periodicHann(length: Int, frameSize: Int) -> [Float] {
        precondition(length <= frameSize)
        var window = [Float](repeating: 0, count: frameSize)
        let left = (frameSize - length) / 2
        for i in 0..<length {
            window[left + i] = Float(0.5 - 0.5 * cos(2 * Double.pi * Double(i) / Double(length)))
        }
        return window
    }
}

