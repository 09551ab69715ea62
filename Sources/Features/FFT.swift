// A real-input FFT over FFTW single precision: one plan per size, made once and reused.
internal import CFFTW3
import Foundation

/// Power spectra |FFT(frame)|^2 of real frames of a fixed size, through an FFTW r2c plan.
final class RealFFT {
    let size: Int
    var binCount: Int { size / 2 + 1 }
    private let input: UnsafeMutablePointer<Float>
    private let output: UnsafeMutablePointer<fftwf_complex>
    private let plan: fftwf_plan

    /// FFTW's planner is not thread-safe; execution of an existing plan is.
    private static let plannerLock = NSLock()
    /// FFTW_ESTIMATE: planning in microseconds, no timing runs (the macro is not importable).
    private static let estimateFlag: UInt32 = 1 << 6

    init(size: Int) {
        self.size = size
        input = fftwf_alloc_real(size)
        output = fftwf_alloc_complex(size / 2 + 1)
        RealFFT.plannerLock.lock()
        plan = fftwf_plan_dft_r2c_1d(Int32(size), input, output, RealFFT.estimateFlag)
        RealFFT.plannerLock.unlock()
    }

    deinit {
        RealFFT.plannerLock.lock()
        fftwf_destroy_plan(plan)
        RealFFT.plannerLock.unlock()
        fftwf_free(input)
        fftwf_free(output)
    }

    /// Windows `frame[start ..< start + size]` of `signal`, transforms it and writes the power spectrum
    /// (binCount values) into `power` starting at `powerOffset`.
    func powerSpectrum(of signal: UnsafeBufferPointer<Float>, start: Int, window: [Float],
                       into power: UnsafeMutableBufferPointer<Float>, at powerOffset: Int) {
        for i in 0..<size { input[i] = signal[start + i] * window[i] }
        fftwf_execute(plan)
        for k in 0..<binCount {
            let re = output[k].0, im = output[k].1
            power[powerOffset + k] = re * re + im * im
        }
    }
}
