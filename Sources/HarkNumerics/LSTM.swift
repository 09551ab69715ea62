// A long short-term memory cell run over a sequence: the only step of Silero VAD that cannot be batched over time.
import Foundation

/// The hidden and cell vectors an LSTM carries from one step to the next.
public struct LSTMState: Equatable, Sendable {
    public var hidden: [Float]
    public var cell: [Float]

    public init(width: Int) {
        hidden = [Float](repeating: 0, count: width)
        cell = [Float](repeating: 0, count: width)
    }
}

public enum LSTM {
    /// Runs PyTorch's LSTMCell (gates in the order input, forget, cell, output) over the rows of `inputGates`
    /// [steps, 4 x width], which hold x W_ih^T + b_ih + b_hh for every step, computed beforehand as one product.
    /// Each step adds h W_hh^T (`recurrentWeight` [4 x width, width]), then c' = sigmoid(f) c + sigmoid(i) tanh(g)
    /// and h' = sigmoid(o) tanh(c'). Returns the hidden vectors [steps, width]; `state` ends as the last step left it.
    public static func run(inputGates: Tensor, recurrentWeight: PanelMatrix<Float>, state: inout LSTMState) -> Tensor {
        let width = state.hidden.count
        precondition(inputGates.columns == 4 * width && recurrentWeight.rows == 4 * width && recurrentWeight.columns == width,
                     "LSTM: gates \(inputGates.shape) and recurrent weight [\(recurrentWeight.rows), \(recurrentWeight.columns)] do not fit width \(width)")
        let steps = inputGates.rows
        var hiddenStates = [Float](repeating: 0, count: steps * width)
        var gates = [Float](repeating: 0, count: 4 * width)
        inputGates.data.withUnsafeBufferPointer { inputs in
            state.hidden.withUnsafeMutableBufferPointer { h in
                state.cell.withUnsafeMutableBufferPointer { c in
                    gates.withUnsafeMutableBufferPointer { g in
                        hiddenStates.withUnsafeMutableBufferPointer { out in
                            for step in 0..<steps {
                                // The step's input gates enter as the product's bias: g = inputs + h W_hh^T.
                                recurrentWeight.multiply(h.baseAddress!, rows: 1, into: g.baseAddress!, outputStride: 4 * width,
                                                         bias: inputs.baseAddress! + step * 4 * width)
                                for j in 0..<width {
                                    let input = Vector.sigmoid(g[j]), forget = Vector.sigmoid(g[width + j])
                                    let candidate = tanhf(g[2 * width + j]), output = Vector.sigmoid(g[3 * width + j])
                                    c[j] = forget * c[j] + input * candidate
                                    h[j] = output * tanhf(c[j])
                                }
                                (out.baseAddress! + step * width).update(from: h.baseAddress!, count: width)
                            }
                        }
                    }
                }
            }
        }
        return Tensor(shape: [steps, width], data: hiddenStates)
    }
}
