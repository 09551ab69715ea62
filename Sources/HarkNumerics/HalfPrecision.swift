// Conversions between Float and 16-bit floats (IEEE half and bfloat16), one at a time and through tables.

public enum HalfPrecision {
    /// IEEE 754 binary16 bits to Float, including subnormals, infinities and NaN.
    @inline(__always)
    public static func float(fromHalfBits h: UInt16) -> Float {
        let sign = UInt32(h & 0x8000) << 16
        let exponent = UInt32(h >> 10) & 0x1F
        var mantissa = UInt32(h & 0x3FF)
        if exponent == 0 {
            if mantissa == 0 { return Float(bitPattern: sign) }
            // Subnormal: renormalize into a Float exponent.
            var e: UInt32 = 127 - 15 + 1
            while mantissa & 0x400 == 0 { mantissa <<= 1; e -= 1 }
            mantissa &= 0x3FF
            return Float(bitPattern: sign | (e << 23) | (mantissa << 13))
        }
        if exponent == 0x1F { return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13)) }
        return Float(bitPattern: sign | ((exponent + 127 - 15) << 23) | (mantissa << 13))
    }

    /// Float to binary16 bits, rounding to nearest even (overflow to infinity, NaN stays NaN).
    /// Integer arithmetic instead of `Float16(x)`, which is a library call on x86-64 without F16C and dominated
    /// the cost of the LLM's half-precision roundings.
    @inline(__always)
    public static func halfBits(from x: Float) -> UInt16 {
        let bits = x.bitPattern
        let sign = UInt16(truncatingIfNeeded: (bits >> 16) & 0x8000)
        let magnitude = bits & 0x7FFF_FFFF
        if magnitude >= 0x4780_0000 {  // >= 65536, infinity or NaN
            return sign | (magnitude > 0x7F80_0000 ? 0x7E00 : 0x7C00)
        }
        if magnitude < 0x3880_0000 {  // below 2^-14: a subnormal half; the Float addition rounds to nearest even
            let aligner = Float(bitPattern: 0x3F00_0000)  // 0.5 puts the 10 kept bits at the bottom of the mantissa
            return sign | UInt16(truncatingIfNeeded: (Float(bitPattern: magnitude) + aligner).bitPattern &- 0x3F00_0000)
        }
        // Rebias the exponent from 127 to 15 and round the 13 dropped bits to nearest even.
        let odd = (magnitude >> 13) & 1
        let rounded = magnitude &+ 0xC800_0FFF &+ odd
        return sign | UInt16(truncatingIfNeeded: rounded >> 13)
    }

    /// Every half value as Float, indexed by its bits.
    public static let floatTable: [Float] = (0...0xFFFF).map { float(fromHalfBits: UInt16($0)) }

    /// x rounded to the nearest half value, as a Float.
    @inline(__always)
    public static func rounded(_ x: Float) -> Float {
        floatTable.withUnsafeBufferPointer { $0[Int(halfBits(from: x))] }
    }

    /// bfloat16 is the top half of a Float.
    @inline(__always)
    public static func float(fromBFloat16Bits b: UInt16) -> Float { Float(bitPattern: UInt32(b) << 16) }
}
