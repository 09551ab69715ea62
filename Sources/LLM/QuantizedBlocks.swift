// ggml's tensor storage types and their dequantization: F32, F16, BF16, Q8_0, Q5_0, Q4_K, Q6_K.
//
// Block layouts (little-endian), as llama.cpp's ggml-quants defines them:
//   Q8_0  32 values, 34 bytes: f16 d, i8 q[32];                         x = d * q
//   Q5_0  32 values, 22 bytes: f16 d, u8 qh[4], u8 qs[16];              x = d * (q - 16), q = 4 low bits + 1 high bit
//   Q4_K 256 values, 144 bytes: f16 d, f16 dmin, u8 scales[12], u8 qs[128]; 8 groups of 32, 6-bit scale and min each:
//                               x = d * scale * q - dmin * min
//   Q6_K 256 values, 210 bytes: u8 ql[128], u8 qh[64], i8 scales[16], f16 d; x = d * scale * (q - 32), q 6 bits
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
    public var isSupported: Bool { [.f32, .f16, .bf16, .q8_0, .q5_0, .q4_K, .q6_K].contains(self) }

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
        var out = [Float](repeating: 0, count: count)
        out.withUnsafeMutableBufferPointer { y in
            let blocks = count / type.blockValues
            for b in 0..<blocks {
                let block = UnsafeRawBufferPointer(rebasing: bytes[(b * type.blockBytes)..<((b + 1) * type.blockBytes)])
                let start = b * type.blockValues
                switch type {
                case .f32: y[start] = block.loadUnaligned(as: Float.self)
                case .f16: y[start] = half(block, 0)
                case .bf16: y[start] = HalfPrecision.float(fromBFloat16Bits: block.loadUnaligned(as: UInt16.self))
                case .q8_0: q8_0(block, into: y, at: start)
                case .q5_0: q5_0(block, into: y, at: start)
                case .q4_K: q4_K(block, into: y, at: start)
                case .q6_K: q6_K(block, into: y, at: start)
                default: break
                }
            }
        }
        return out
    }

    @inline(__always)
    private static func half(_ block: UnsafeRawBufferPointer, _ offset: Int) -> Float {
        HalfPrecision.float(fromHalfBits: block.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
    }

    private static func q8_0(_ block: UnsafeRawBufferPointer, into y: UnsafeMutableBufferPointer<Float>, at start: Int) {
        let d = half(block, 0)
        for j in 0..<32 { y[start + j] = d * Float(Int8(bitPattern: block[2 + j])) }
    }

    private static func q5_0(_ block: UnsafeRawBufferPointer, into y: UnsafeMutableBufferPointer<Float>, at start: Int) {
        let d = half(block, 0)
        let qh = block.loadUnaligned(fromByteOffset: 2, as: UInt32.self)
        for j in 0..<16 {
            let low = block[6 + j]
            let high0 = UInt8(truncatingIfNeeded: (qh >> UInt32(j)) << 4) & 0x10
            let high1 = UInt8(truncatingIfNeeded: qh >> UInt32(j + 12)) & 0x10
            y[start + j] = d * Float(Int(low & 0x0F | high0) - 16)
            y[start + j + 16] = d * Float(Int(low >> 4 | high1) - 16)
        }
    }

    /// The 6-bit scale and min of group `j` packed in Q4_K's 12 scale bytes.
    @inline(__always)
    private static func scaleAndMin(_ j: Int, _ scales: UnsafeRawBufferPointer) -> (Float, Float) {
        if j < 4 { return (Float(scales[j] & 63), Float(scales[j + 4] & 63)) }
        let scale = scales[j + 4] & 0x0F | (scales[j - 4] >> 6) << 4
        let minimum = scales[j + 4] >> 4 | (scales[j] >> 6) << 4
        return (Float(scale), Float(minimum))
    }

    private static func q4_K(_ block: UnsafeRawBufferPointer, into y: UnsafeMutableBufferPointer<Float>, at start: Int) {
        let d = half(block, 0), dmin = half(block, 2)
        let scales = UnsafeRawBufferPointer(rebasing: block[4..<16])
        var out = start
        for group in 0..<4 {
            let q = 16 + group * 32
            let (scale1, min1) = scaleAndMin(2 * group, scales)
            let (scale2, min2) = scaleAndMin(2 * group + 1, scales)
            for l in 0..<32 { y[out + l] = d * scale1 * Float(block[q + l] & 0x0F) - dmin * min1 }
            for l in 0..<32 { y[out + 32 + l] = d * scale2 * Float(block[q + l] >> 4) - dmin * min2 }
            out += 64
        }
    }

    private static func q6_K(_ block: UnsafeRawBufferPointer, into y: UnsafeMutableBufferPointer<Float>, at start: Int) {
        let d = half(block, 208)
        for half128 in 0..<2 {
            let ql = half128 * 64, qh = 128 + half128 * 32, sc = 192 + half128 * 8, out = start + half128 * 128
            for l in 0..<32 {
                let group = l / 16
                let high = block[qh + l]
                let q1 = Int(block[ql + l] & 0x0F | (high & 3) << 4) - 32
                let q2 = Int(block[ql + l + 32] & 0x0F | (high >> 2 & 3) << 4) - 32
                let q3 = Int(block[ql + l] >> 4 | (high >> 4 & 3) << 4) - 32
                let q4 = Int(block[ql + l + 32] >> 4 | (high >> 6 & 3) << 4) - 32
                func scale(_ k: Int) -> Float { Float(Int8(bitPattern: block[sc + group + k])) }
                y[out + l] = d * scale(0) * Float(q1)
                y[out + l + 32] = d * scale(2) * Float(q2)
                y[out + l + 64] = d * scale(4) * Float(q3)
                y[out + l + 96] = d * scale(6) * Float(q4)
            }
        }
    }
}
