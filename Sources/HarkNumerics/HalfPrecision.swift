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

    /// Every half value as Float, indexed by its bits.
    public static let floatTable: [Float] = (0...0xFFFF).map { float(fromHalfBits: UInt16($0)) }

    /// x rounded to the nearest half value (ties to even), as a Float. Two instructions with F16C (the native
    /// build), which loops over arrays turn into vector conversions; a library call in a portable build.
    @inline(__always)
    public static func rounded(_ x: Float) -> Float { Float(Float16(x)) }

    /// bfloat16 is the top half of a Float.
    @inline(__always)
    public static func float(fromBFloat16Bits b: UInt16) -> Float { Float(bitPattern: UInt32(b) << 16) }
}
