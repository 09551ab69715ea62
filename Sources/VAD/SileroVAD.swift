// Silero VAD's 16-kHz network: the probability that each 32-ms frame of audio holds speech.
import Foundation
import HarkNumerics

/// Silero VAD (silero-vad on PyPI, `silero_vad_16k.safetensors`), frame by frame as its ONNX model runs it.
///
/// Each 512-sample frame is read with the 64 samples before it (zeros before the first) and 64 more reflected off
/// its end: 640 samples. A convolution with 258 fixed filters of 256 taps every 128 samples is a short-time
/// Fourier transform (129 real and 129 imaginary rows, 4 steps); the magnitudes go through four convolutions with
/// ReLU (129 -> 128 -> 64 -> 64 -> 128 channels, the middle two at stride 2, leaving one step), then an LSTM
/// cell whose state carries from frame to frame, ReLU, and a 1x1 convolution to one logit.
///
/// Everything before the LSTM depends on one frame only, so it runs over many frames at once as matrix products;
/// only the LSTM goes frame by frame.
public struct SileroVAD: Sendable {
    public static let sampleRate = 16_000
    public static let frameSamples = 512
    static let contextSamples = 64
    static let reflectedSamples = 64
    static let fourierTaps = 256, fourierHop = 128, frequencies = 129
    static let hiddenWidth = 128
    /// Frames whose encoder runs as one batch of products (about 20 MB of intermediate values).
    static let framesPerBatch = 1024

    let fourier: Convolution1D
    let convolutions: [Convolution1D]
    let lstmInputWeight: PanelMatrix<Float>
    let lstmBias: [Float]
    let lstmRecurrentWeight: PanelMatrix<Float>
    let outputWeight: PanelMatrix<Float>
    let outputBias: [Float]

    /// Reads the weights from a safetensors file with silero-vad's tensor names.
    public init(contentsOf url: URL) throws {
        let file = try SafeTensorsFile(path: url.path)
        let width = Self.hiddenWidth
        fourier = Convolution1D(weight: try file.tensor("stft_conv.weight", shape: [2 * Self.frequencies, 1, Self.fourierTaps]),
                                bias: nil, stride: Self.fourierHop, padding: 0)
        let layers = [(Self.frequencies, 128, 1), (128, 64, 2), (64, 64, 2), (64, width, 1)]
        convolutions = try layers.enumerated().map { index, layer in
            let name = "conv\(index + 1)"
            return Convolution1D(weight: try file.tensor("\(name).weight", shape: [layer.1, layer.0, 3]),
                                 bias: try file.tensor("\(name).bias", shape: [layer.1]).data, stride: layer.2, padding: 1)
        }
        lstmInputWeight = PanelMatrix(try file.tensor("lstm_cell.weight_ih", shape: [4 * width, width]))
        lstmRecurrentWeight = PanelMatrix(try file.tensor("lstm_cell.weight_hh", shape: [4 * width, width]))
        let inputBias = try file.tensor("lstm_cell.bias_ih", shape: [4 * width]).data
        lstmBias = zip(inputBias, try file.tensor("lstm_cell.bias_hh", shape: [4 * width]).data).map(+)
        outputWeight = PanelMatrix(try file.tensor("final_conv.weight", shape: [1, width, 1]).reshaped([1, width]))
        outputBias = try file.tensor("final_conv.bias", shape: [1]).data
    }

    /// The speech probability of every 512-sample frame of 16-kHz `samples`, the last frame padded with zeros.
    public func speechProbabilities(_ samples: [Float], pool: ThreadPool) -> [Float] {
        let frames = (samples.count + Self.frameSamples - 1) / Self.frameSamples
        var state = LSTMState(width: Self.hiddenWidth)
        var probabilities: [Float] = []
        probabilities.reserveCapacity(frames)
        for first in stride(from: 0, to: frames, by: Self.framesPerBatch) {
            let count = min(Self.framesPerBatch, frames - first)
            let encoded = encode(samples, frames: first..<(first + count), pool: pool)
            let gates = lstmInputWeight.product(encoded, bias: lstmBias, pool: pool)
            var hidden = LSTM.run(inputGates: gates, recurrentWeight: lstmRecurrentWeight, state: &state)
            Vector.relu(&hidden.data)
            let logits = outputWeight.product(hidden, bias: outputBias, pool: pool)
            probabilities += logits.data.map(Vector.sigmoid)
        }
        return probabilities
    }

    /// The encoder's output [frames, 128] for the given frames of `samples`.
    func encode(_ samples: [Float], frames: Range<Int>, pool: ThreadPool) -> Tensor {
        let context = Self.contextSamples, frameLength = Self.frameSamples
        let inputLength = context + frameLength + Self.reflectedSamples
        var input = [Float](repeating: 0, count: frames.count * inputLength)
        for (row, frame) in frames.enumerated() {
            let base = row * inputLength
            let start = frame * frameLength - context
            for i in 0..<(context + frameLength) {
                let source = start + i
                if source >= 0 && source < samples.count { input[base + i] = samples[source] }
            }
            // Reflection off the last sample (which is not repeated).
            let last = base + context + frameLength - 1
            for k in 1...Self.reflectedSamples { input[last + k] = input[last - k] }
        }
        let spectrum = fourier(Tensor(shape: [frames.count * inputLength, 1], data: input), sequences: frames.count, pool: pool)
        let bins = Self.frequencies
        var magnitudes = Tensor(zeros: [spectrum.rows, bins])
        for row in 0..<spectrum.rows {
            for bin in 0..<bins {
                let real = spectrum[row, bin], imaginary = spectrum[row, bins + bin]
                magnitudes.data[row * bins + bin] = (real * real + imaginary * imaginary).squareRoot()
            }
        }
        var x = magnitudes
        for layer in convolutions {
            x = layer(x, sequences: frames.count, pool: pool)
            Vector.relu(&x.data)
        }
        return x
    }
}
