// The .dmel file: a small header with the recipe, then 4-bit packed tokens.
//
// Layout (little-endian), version 1:
//   0  "DMEL"            magic
//   4  u16 version       1
//   6  u8  recipe kind   0 = dmel (paper), 1 = whisper
//   7  u8  levels        16
//   8  u32 sample rate
//  12  u16 fft size      u16 window length   u16 hop length   u16 mel bins
//  20  f32 min Hz        f32 max Hz          f32 lowest level centre   f32 level step
//  36  u64 frame count
//  44  tokens: frames x melBins levels, row per frame, two per byte, first in the low nibble
import Foundation

public enum DMelFile {
    public static let magic: [UInt8] = Array("DMEL".utf8)
    public static let version: UInt16 = 1
    public static let headerSize = 44

    public static func encode(_ tokens: DMelTokens) -> Data {
        let r = tokens.recipe
        var out = Data(magic)
        out.appendLittleEndian(version)
        out.append(r.kind.rawValue)
        out.append(UInt8(r.levels))
        out.appendLittleEndian(UInt32(r.sampleRate))
        for field in [r.fftSize, r.windowLength, r.hopLength, r.melBins] { out.appendLittleEndian(UInt16(field)) }
        for field in [r.minHz, r.maxHz, r.lowest, r.step] { out.appendLittleEndian(field.bitPattern) }
        out.appendLittleEndian(UInt64(tokens.frames))
        var packed = [UInt8](repeating: 0, count: (tokens.tokens.count + 1) / 2)
        for (i, token) in tokens.tokens.enumerated() {
            packed[i / 2] |= (token & 0x0F) << (i % 2 == 0 ? 0 : 4)
        }
        out.append(contentsOf: packed)
        return out
    }

    public static func read(_ url: URL) throws -> DMelTokens {
        let path = url.path
        guard let data = FileManager.default.contents(atPath: path) else {
            throw FeaturesError.invalidFile(path: path, reason: "cannot read file")
        }
        return try decode(data, path: path)
    }

    public static func decode(_ data: Data, path: String) throws -> DMelTokens {
        let bytes = [UInt8](data)
        guard bytes.count >= headerSize else {
            throw FeaturesError.truncatedFile(path: path, expectedBytes: headerSize, actualBytes: bytes.count)
        }
        guard Array(bytes[0..<4]) == magic else { throw FeaturesError.invalidFile(path: path, reason: "not a .dmel file (bad magic)") }
        var reader = LittleEndianReader(bytes: bytes, offset: 4)
        let fileVersion: UInt16 = reader.next()
        guard fileVersion == version else {
            throw FeaturesError.invalidFile(path: path, reason: "unsupported .dmel version \(fileVersion) (expected \(version))")
        }
        let kindByte: UInt8 = reader.next()
        guard let kind = DMelRecipe.Kind(rawValue: kindByte) else {
            throw FeaturesError.invalidFile(path: path, reason: "unknown recipe kind \(kindByte)")
        }
        let levels: UInt8 = reader.next()
        guard levels == 16 else { throw FeaturesError.invalidFile(path: path, reason: "levels is \(levels), expected 16") }
        let sampleRate: UInt32 = reader.next()
        let fftSize: UInt16 = reader.next(), windowLength: UInt16 = reader.next()
        let hopLength: UInt16 = reader.next(), melBins: UInt16 = reader.next()
        let minHz = Float(bitPattern: reader.next()), maxHz = Float(bitPattern: reader.next())
        let lowest = Float(bitPattern: reader.next()), step = Float(bitPattern: reader.next())
        let frames: UInt64 = reader.next()
        guard sampleRate > 0, fftSize > 0, hopLength > 0, windowLength > 0, windowLength <= fftSize else {
            throw FeaturesError.invalidFile(path: path, reason: "invalid STFT parameters in header")
        }
        guard melBins > 0 else { throw FeaturesError.invalidFile(path: path, reason: "mel bins is 0") }
        guard step > 0, step.isFinite, lowest.isFinite else {
            throw FeaturesError.invalidFile(path: path, reason: "invalid level step \(step) or lowest centre \(lowest)")
        }
        guard frames <= UInt64(Int.max / 2) / UInt64(melBins) else {
            throw FeaturesError.invalidFile(path: path, reason: "frame count \(frames) is implausible")
        }
        let cells = Int(frames) * Int(melBins)
        let expected = headerSize + (cells + 1) / 2
        guard bytes.count >= expected else {
            throw FeaturesError.truncatedFile(path: path, expectedBytes: expected, actualBytes: bytes.count)
        }
        guard bytes.count == expected else {
            throw FeaturesError.invalidFile(path: path, reason: "\(bytes.count - expected) unexpected bytes after the tokens")
        }
        var tokens = [UInt8](repeating: 0, count: cells)
        for i in 0..<cells {
            let byte = bytes[headerSize + i / 2]
            tokens[i] = i % 2 == 0 ? byte & 0x0F : byte >> 4
        }
        let recipe = DMelRecipe(kind: kind, sampleRate: Int(sampleRate), fftSize: Int(fftSize), windowLength: Int(windowLength),
                                hopLength: Int(hopLength), melBins: Int(melBins), minHz: minHz, maxHz: maxHz,
                                lowest: lowest, step: step, levels: Int(levels))
        return DMelTokens(recipe: recipe, frames: Int(frames), tokens: tokens)
    }
}

/// Sequential little-endian reads from a byte array whose length the caller has already checked.
struct LittleEndianReader {
    let bytes: [UInt8]
    var offset: Int

    mutating func next<T: FixedWidthInteger>() -> T {
        var value: T = 0
        for i in 0..<MemoryLayout<T>.size { value |= T(bytes[offset + i]) << (8 * i) }
        offset += MemoryLayout<T>.size
        return value
    }
}

extension Data {
    mutating func appendLittleEndian<T: FixedWidthInteger>(_ value: T) {
        Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
    }
}
