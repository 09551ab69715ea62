// ggml's tensor storage types and their dequantization: F32, F16, BF16, and the block layouts of
// HarkNumerics' QuantizedMatrix (Q8_0, Q5_0, Q4_K, Q6_K).
import HarkNumerics

public enum GGMLType: UInt32, CaseIterable, Sendable {
    case f32 = 0, f16 = 1, q4_0 = 2, q4_1 = 3, q5_0 = 6, q5_1 = 7, q8_0 = 8, q8_1 = 9
    case q2_K = 10, q3_K = 11, q4_K = 12, q5_K = 13, q6_K = 14, q8_K = 15, bf16 = 30

    /// Values per block and bytes per block.
    public var blockValues: Int {
        switch self {
        case .f32, .f16, .bf16: return 1
        case .q4_0, .q4_1, .q5_0, .q5_1, .q8_0, .q8_1: return 32
        default: return 256
        }
    }

    public var blockBytes: Int {
        switch self {
        case .f32: return 4
        case .f16, .bf16: return 2
        case .q4_0: return 18
        case .q4_1: return 20
        case .q5_0: return 22
        case .q5_1: return 24
        case .q8_0: return 34
        case .q8_1: return 36
        case .q2_K: return 84
        case .q3_K: return 110
        case .q4_K: return 144
        case .q5_K: return 176
        case .q6_K: return 210
        case .q8_K: return 292
        }
    }

    /// The types Hark can dequantize (those of the embedded Gemma 3 file, plus F16 and BF16).
    public var isSupported: Bool { [.f32, .f16, .bf16].contains(self) || blockFormat != nil }

    /// The layout of the quantized types Hark multiplies on their blocks (nil for F32, F16 and BF16).
    public var blockFormat: QuantizedMatrix.Format? {
        switch self {
        case .q8_0: return .q8_0
        case .q5_0: return .q5_0
        case .q4_K: return .q4_K
        case .q6_K: return .q6_K
        default: return nil
        }
    }

    /// ggml's name of the type (Q4_0, Q6_K, BF16, ...).
    public var name: String {
        switch self {
        case .f32: return "F32"
        case .f16: return "F16"
        case .bf16: return "BF16"
        default: return String(describing: self).uppercased()
        }
    }
}

public enum QuantizedBlocks {
    /// Dequantizes `count` values (a whole number of blocks) stored as `type` at the start of `bytes`.
    public static func dequantize(_ bytes: UnsafeRawBufferPointer, type: GGMLType, count: Int) -> [Float] {
        precondition(type.isSupported && count % type.blockValues == 0 && bytes.count >= count / type.blockValues * type.blockBytes)
        return [Float](unsafeUninitializedCapacity: count) { y, initialized in
            let base = bytes.baseAddress!
            for b in 0..<(count / type.blockValues) {
                let block = base + b * type.blockBytes
                switch type {
                case .f32: y[b] = block.loadUnaligned(as: Float.self)
                case .f16: y[b] = HalfPrecision.float(fromHalfBits: block.loadUnaligned(as: UInt16.self))
                case .bf16: y[b] = HalfPrecision.float(fromBFloat16Bits: block.loadUnaligned(as: UInt16.self))
                default: type.blockFormat!.decode(block, into: y.baseAddress! + b * type.blockValues)
                }
            }
            initialized = count
        }
    }
}
