// CTranslate2's model.bin: named variables with shapes and dtypes, read with every length checked against the file.
import Foundation
import HarkNumerics

/// Where one variable sits in the file, and its shape and element type.
public struct StoredVariable {
    public let shape: [Int]
    let dtype: ModelFile.DType
    let offset: Int
    let byteCount: Int
}

/// The variables of a CTranslate2 model file, by name, aliases resolved.
///
/// Layout (little-endian): u32 binary version, string spec name, u32 spec revision, u32 variable count, then per
/// variable: string name, u8 rank, u32 dims[rank], u8 dtype, u32 byte count, data; then u32 alias count and
/// (alias, target) string pairs. A string is a u16 length that counts a trailing NUL, then the bytes.
///
/// Opening the file reads only the index (through a memory map); values are read when asked for, one variable
/// at a time, so a model being built never holds the file's bytes and its own weights at once.
public struct ModelFile {
    public let path: String
    public let specName: String
    public let binaryVersion: UInt32
    public private(set) var variables: [String: StoredVariable] = [:]
    /// Values are read through this handle, not the index's memory map: pages of a map count as the process's
    /// memory for as long as it lives, which would hold the whole file beside the weights built from it.
    private let handle: FileHandle

    enum DType: UInt8 { case float32 = 0, int8 = 1, int16 = 2, int32 = 3, float16 = 4, bfloat16 = 5 }

    public init(path: String) throws {
        self.path = path
        guard let data = try? Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped) else {
            throw WhisperError.notAWhisperModel(path: path, reason: "cannot read file")
        }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw WhisperError.notAWhisperModel(path: path, reason: "cannot read file")
        }
        self.handle = handle
        var reader = CheckedReader(data: data, path: path)
        binaryVersion = try reader.u32("binary version")
        guard (5...6).contains(binaryVersion) else {
            throw WhisperError.corruptModel(path: path, field: "binary version", reason: "unsupported version \(binaryVersion)")
        }
        specName = try reader.string("spec name")
        _ = try reader.u32("spec revision")
        let count = Int(try reader.u32("variable count"))
        // Each variable takes at least its name's length and NUL, rank, dtype and byte count: 9 bytes.
        guard count <= reader.remaining / 9 else {
            throw WhisperError.corruptModel(path: path, field: "variable count",
                                            reason: "\(count) variables cannot fit in the \(reader.remaining) bytes left")
        }
        for index in 0..<count {
            let name = try reader.string("variable \(index) name")
            let field = name.isEmpty ? "variable \(index)" : name
            let rank = Int(try reader.u8("\(field) rank"))
            var shape: [Int] = []
            for d in 0..<rank { shape.append(Int(try reader.u32("\(field) dimension \(d)"))) }
            let dtypeCode = try reader.u8("\(field) dtype")
            guard let dtype = DType(rawValue: dtypeCode) else {
                throw WhisperError.corruptModel(path: path, field: "\(field) dtype", reason: "unknown dtype \(dtypeCode)")
            }
            let byteCount = Int(try reader.u32("\(field) byte count"))
            // A shape's byte size above 2^32 cannot match the stored 32-bit count; checked products keep a crafted
            // shape from wrapping around to a small one.
            guard let elements = Sizes.product(shape, limit: 1 << 32), byteCount == elements * dtype.size else {
                throw WhisperError.corruptModel(path: path, field: "\(field) byte count",
                                                reason: "\(byteCount) bytes for shape \(shape) of \(dtype)")
            }
            variables[name] = StoredVariable(shape: shape, dtype: dtype, offset: reader.offset, byteCount: byteCount)
            try reader.skip(byteCount, "\(field) data")
        }
        // Older files may end here; newer ones list aliases such as the tied output projection.
        if reader.remaining >= 4 {
            let aliases = Int(try reader.u32("alias count"))
            guard aliases <= reader.remaining / 6 else {
                throw WhisperError.corruptModel(path: path, field: "alias count",
                                                reason: "\(aliases) aliases cannot fit in the \(reader.remaining) bytes left")
            }
            for index in 0..<aliases {
                let alias = try reader.string("alias \(index)")
                let target = try reader.string("alias \(index) target")
                variables[alias] = variables[target]
            }
        }
    }

    /// A variable that must exist with the given shape (nil: any shape).
    func variable(_ name: String, shape: [Int]?) throws -> StoredVariable {
        guard let variable = variables[name] else { throw WhisperError.missingVariable(path: path, name: name) }
        if let shape, variable.shape != shape {
            throw WhisperError.badShape(path: path, name: name, expected: shape, actual: variable.shape)
        }
        return variable
    }

    /// A variable as float32 values (float16 and bfloat16 widened exactly, integers converted).
    public func tensor(_ name: String, shape: [Int]? = nil) throws -> Tensor {
        let variable = try variable(name, shape: shape)
        return Tensor(shape: variable.shape.isEmpty ? [1] : variable.shape, data: try floats(variable, name))
    }

    public func vector(_ name: String, count: Int) throws -> [Float] { try tensor(name, shape: [count]).data }

    public func scalar(_ name: String) -> Float? { variables[name].flatMap { try? floats($0, name).first } }

    /// A matrix as float16 values in `HalfMatrix`'s layout; float16 is taken as stored, anything else rounded.
    func halfMatrix(_ name: String, shape: [Int]) throws -> HalfMatrix {
        let variable = try variable(name, shape: shape)
        guard variable.dtype == .float16 else { return HalfMatrix(try tensor(name, shape: shape)) }
        return try bytes(variable, name).withUnsafeBytes { HalfMatrix(halves: $0, rows: shape[0], columns: shape[1]) }
    }

    /// A variable's bytes, read from the file.
    private func bytes(_ variable: StoredVariable, _ name: String) throws -> Data {
        do {
            try handle.seek(toOffset: UInt64(variable.offset))
            if let data = try handle.read(upToCount: variable.byteCount), data.count == variable.byteCount { return data }
        } catch {}
        throw WhisperError.corruptModel(path: path, field: "\(name) data", reason: "cannot read \(variable.byteCount) bytes at offset \(variable.offset)")
    }

    private func floats(_ variable: StoredVariable, _ name: String) throws -> [Float] {
        try bytes(variable, name).withUnsafeBytes { raw in
            switch variable.dtype {
            case .float32: return (0..<raw.count / 4).map { raw.loadUnaligned(fromByteOffset: 4 * $0, as: Float.self) }
            case .float16:
                return (0..<raw.count / 2).map {
                    Float(Float16(bitPattern: UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * $0, as: UInt16.self))))
                }
            case .bfloat16:
                return (0..<raw.count / 2).map { HalfPrecision.float(fromBFloat16Bits: raw.loadUnaligned(fromByteOffset: 2 * $0, as: UInt16.self)) }
            case .int8: return raw.map { Float(Int8(bitPattern: $0)) }
            case .int16: return (0..<raw.count / 2).map { Float(raw.loadUnaligned(fromByteOffset: 2 * $0, as: Int16.self)) }
            case .int32: return (0..<raw.count / 4).map { Float(raw.loadUnaligned(fromByteOffset: 4 * $0, as: Int32.self)) }
            }
        }
    }
}

extension ModelFile.DType {
    var size: Int {
        switch self {
        case .int8: return 1
        case .int16, .float16, .bfloat16: return 2
        case .float32, .int32: return 4
        }
    }
}

/// Sequential reads that throw, naming the field, when the file ends early.
private struct CheckedReader {
    let data: Data
    let path: String
    var offset = 0

    var remaining: Int { data.count - offset }

    mutating func skip(_ count: Int, _ field: String) throws {
        guard count >= 0, count <= remaining else {
            throw WhisperError.corruptModel(path: path, field: field,
                                            reason: "needs \(count) bytes at offset \(offset), file has \(remaining) left (truncated?)")
        }
        offset += count
    }

    mutating func bytes(_ count: Int, _ field: String) throws -> Data {
        let start = data.startIndex + offset
        try skip(count, field)
        return data.subdata(in: start..<(start + count))
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
