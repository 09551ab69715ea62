// CTranslate2's model.bin: named variables with shapes and dtypes, read with every length checked against the file.
import Foundation
import HarkNumerics

/// One stored variable, converted to Float (weights are float16 in the packaged models).
public struct StoredVariable {
    public let shape: [Int]
    public let values: [Float]

    public var tensor: Tensor { Tensor(shape: shape.isEmpty ? [1] : shape, data: values) }
}

/// The variables of a CTranslate2 model file, by name, aliases resolved.
///
/// Layout (little-endian): u32 binary version, string spec name, u32 spec revision, u32 variable count, then per
/// variable: string name, u8 rank, u32 dims[rank], u8 dtype, u32 byte count, data; then u32 alias count and
/// (alias, target) string pairs. A string is a u16 length that counts a trailing NUL, then the bytes.
///
/// float16 is widened to float32 once at load: OpenBLAS multiplies float32 only, and converting per product
/// would add the conversion of every decoder weight to every decoding step, which costs more than the step.
public struct ModelFile {
    public let path: String
    public let specName: String
    public let binaryVersion: UInt32
    public private(set) var variables: [String: StoredVariable] = [:]

    enum DType: UInt8 { case float32 = 0, int8 = 1, int16 = 2, int32 = 3, float16 = 4, bfloat16 = 5 }

    public init(path: String) throws {
        self.path = path
        guard let data = try? Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped) else {
            throw WhisperError.notAWhisperModel(path: path, reason: "cannot read file")
        }
        var reader = CheckedReader(data: data, path: path)
        binaryVersion = try reader.u32("binary version")
        guard (5...6).contains(binaryVersion) else {
            throw WhisperError.corruptModel(path: path, field: "binary version", reason: "unsupported version \(binaryVersion)")
        }
        specName = try reader.string("spec name")
        _ = try reader.u32("spec revision")
        let count = try reader.u32("variable count")
        for index in 0..<Int(count) {
            let name = try reader.string("variable \(index) name")
            let rank = Int(try reader.u8("\(name) rank"))
            var shape: [Int] = []
            for d in 0..<rank { shape.append(Int(try reader.u32("\(name) dimension \(d)"))) }
            let dtypeCode = try reader.u8("\(name) dtype")
            guard let dtype = DType(rawValue: dtypeCode) else {
                throw WhisperError.corruptModel(path: path, field: "\(name) dtype", reason: "unknown dtype \(dtypeCode)")
            }
            let byteCount = Int(try reader.u32("\(name) byte count"))
            let elements = shape.reduce(1, *)
            let width = [DType.float32: 4, .int8: 1, .int16: 2, .int32: 4, .float16: 2, .bfloat16: 2][dtype]!
            guard byteCount == elements * width else {
                throw WhisperError.corruptModel(path: path, field: "\(name) byte count",
                                                reason: "\(byteCount) bytes for shape \(shape) of \(dtype)")
            }
            let bytes = try reader.bytes(byteCount, "\(name) data")
            variables[name] = StoredVariable(shape: shape, values: ModelFile.floats(bytes, dtype: dtype))
        }
        // Older files may end here; newer ones list aliases such as the tied output projection.
        if reader.remaining >= 4 {
            let aliases = try reader.u32("alias count")
            for index in 0..<Int(aliases) {
                let alias = try reader.string("alias \(index)")
                let target = try reader.string("alias \(index) target")
                variables[alias] = variables[target]
            }
        }
    }

    /// A variable that must exist with the given shape (nil: any shape).
    public func tensor(_ name: String, shape: [Int]? = nil) throws -> Tensor {
        guard let variable = variables[name] else { throw WhisperError.missingVariable(path: path, name: name) }
        if let shape, variable.shape != shape {
            throw WhisperError.badShape(path: path, name: name, expected: shape, actual: variable.shape)
        }
        return variable.tensor
    }

    public func vector(_ name: String, count: Int) throws -> [Float] { try tensor(name, shape: [count]).data }

    public func scalar(_ name: String) -> Float? { variables[name]?.values.first }

    private static func floats(_ bytes: Data, dtype: DType) -> [Float] {
        bytes.withUnsafeBytes { raw in
            switch dtype {
            case .float32: return Array(raw.bindMemory(to: Float.self))
            case .float16: return HalfPrecision.floats(fromHalfBits: raw.bindMemory(to: UInt16.self))
            case .bfloat16: return raw.bindMemory(to: UInt16.self).map { HalfPrecision.float(fromBFloat16Bits: $0) }
            case .int8: return raw.bindMemory(to: Int8.self).map { Float($0) }
            case .int16: return raw.bindMemory(to: Int16.self).map { Float($0) }
            case .int32: return raw.bindMemory(to: Int32.self).map { Float($0) }
            }
        }
    }
}

/// Sequential reads that throw, naming the field, when the file ends early.
private struct CheckedReader {
    let data: Data
    let path: String
    var offset = 0

    var remaining: Int { data.count - offset }

    mutating func bytes(_ count: Int, _ field: String) throws -> Data {
        guard count >= 0, count <= remaining else {
            throw WhisperError.corruptModel(path: path, field: field,
                                            reason: "needs \(count) bytes at offset \(offset), file has \(remaining) left (truncated?)")
        }
        defer { offset += count }
        return data.subdata(in: (data.startIndex + offset)..<(data.startIndex + offset + count))
    }

    mutating func integer<T: FixedWidthInteger>(_ field: String) throws -> T {
        let raw = try bytes(MemoryLayout<T>.size, field)
        return raw.enumerated().reduce(T(0)) { $0 | T($1.element) << (8 * $1.offset) }
    }

    mutating func u8(_ field: String) throws -> UInt8 { try integer(field) }
    mutating func u32(_ field: String) throws -> UInt32 { try integer(field) }

    mutating func string(_ field: String) throws -> String {
        let length = Int(try integer(field) as UInt16)
        let raw = try bytes(length, field)
        return String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
    }
}
