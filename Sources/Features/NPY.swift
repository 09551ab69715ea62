// NumPy .npy files (version 1.0, C order): float32 feature matrices out, float32/uint8 fixtures in.
import Foundation
import HarkNumerics

public enum NPY {
    /// A float32 array of the tensor's shape, as numpy.save writes it.
    public static func encode(_ tensor: Tensor) -> Data {
        var out = header(descr: "<f4", shape: tensor.shape)
        // Hosts we build for are little-endian, so the Float bytes are already '<f4'.
        tensor.data.withUnsafeBytes { out.append(contentsOf: $0) }
        return out
    }

    public static func encode(bytes: [UInt8], shape: [Int]) -> Data {
        var out = header(descr: "|u1", shape: shape)
        out.append(contentsOf: bytes)
        return out
    }

    /// Reads a float32, float64 or uint8 array (little-endian, C order) as a Float tensor.
    public static func read(_ url: URL) throws -> Tensor {
        let path = url.path
        guard let data = FileManager.default.contents(atPath: path) else {
            throw FeaturesError.invalidFile(path: path, reason: "cannot read file")
        }
        let bytes = [UInt8](data)
        guard bytes.count >= 10, bytes[0] == 0x93, Array(bytes[1..<6]) == Array("NUMPY".utf8) else {
            throw FeaturesError.invalidFile(path: path, reason: "not a .npy file")
        }
        let major = bytes[6]
        guard (1...3).contains(major) else { throw FeaturesError.invalidFile(path: path, reason: "unsupported .npy version \(major)") }
        let headerStart = major == 1 ? 10 : 12
        guard bytes.count >= headerStart else { throw FeaturesError.invalidFile(path: path, reason: "truncated .npy header") }
        let headerLength = major == 1 ? Int(bytes[8]) | Int(bytes[9]) << 8
            : Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
        guard bytes.count >= headerStart + headerLength,
              let header = String(bytes: bytes[headerStart..<(headerStart + headerLength)], encoding: .ascii) else {
            throw FeaturesError.invalidFile(path: path, reason: "truncated .npy header")
        }
        guard !header.contains("'fortran_order': True") else {
            throw FeaturesError.invalidFile(path: path, reason: "Fortran-order arrays are not supported")
        }
        guard let shapeOpen = header.range(of: "'shape': ("), let shapeClose = header[shapeOpen.upperBound...].firstIndex(of: ")") else {
            throw FeaturesError.invalidFile(path: path, reason: "no shape in .npy header")
        }
        let shape = header[shapeOpen.upperBound..<shapeClose].split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        let body = headerStart + headerLength
        // No array holds more values than the file has bytes; checked, a crafted shape cannot wrap to a small count.
        guard let count = Sizes.product(shape, limit: bytes.count) else {
            throw FeaturesError.invalidFile(path: path, reason: "shape \(shape) does not fit in a file of \(bytes.count) bytes")
        }
        let values: [Float]
        func need(_ width: Int) throws {
            guard bytes.count - body >= count * width else {
                throw FeaturesError.truncatedFile(path: path, expectedBytes: body + count * width, actualBytes: bytes.count)
            }
        }
        if header.contains("'<f4'") {
            try need(4)
            values = (0..<count).map { i in
                var reader = LittleEndianReader(bytes: bytes, offset: body + 4 * i)
                return Float(bitPattern: reader.next())
            }
        } else if header.contains("'<f8'") {
            try need(8)
            values = (0..<count).map { i in
                var reader = LittleEndianReader(bytes: bytes, offset: body + 8 * i)
                return Float(Double(bitPattern: reader.next()))
            }
        } else if header.contains("'|u1'") {
            try need(1)
            values = bytes[body..<(body + count)].map { Float($0) }
        } else {
            throw FeaturesError.invalidFile(path: path, reason: "unsupported .npy dtype in header \(header)")
        }
        return Tensor(shape: shape.isEmpty ? [1] : shape, data: values)
    }

    private static func header(descr: String, shape: [Int]) -> Data {
        let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var text = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shapeText), }"
        // Magic (6) + version (2) + length (2) + text + newline must be a multiple of 64.
        let unpadded = 10 + text.utf8.count + 1
        text += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var out = Data([0x93] + Array("NUMPY".utf8) + [1, 0])
        out.appendLittleEndian(UInt16(text.utf8.count))
        out.append(contentsOf: Array(text.utf8))
        return out
    }
}
