// GGUF files (llama.cpp's model format): typed metadata, the tensor table, and tensor data, memory-mapped and checked.
//
// Layout (little-endian): "GGUF", u32 version, u64 tensor count, u64 key-value count; each key-value: string key,
// u32 value type, value (arrays: u32 element type, u64 count, elements); each tensor: string name, u32 dimension
// count, u64 dimensions (fastest first), u32 ggml type, u64 offset from the data section; the data section starts
// at the next multiple of general.alignment (default 32). Strings are a u64 length and UTF-8 bytes.
import Foundation
import HarkNumerics

public indirect enum GGUFValue: Equatable, Sendable {
    case uint8(UInt8), int8(Int8), uint16(UInt16), int16(Int16), uint32(UInt32), int32(Int32), float32(Float)
    case bool(Bool), string(String), array([GGUFValue]), uint64(UInt64), int64(Int64), float64(Double)

    public var int: Int? {
        switch self {
        case let .uint8(v): return Int(v)
        case let .int8(v): return Int(v)
        case let .uint16(v): return Int(v)
        case let .int16(v): return Int(v)
        case let .uint32(v): return Int(v)
        case let .int32(v): return Int(v)
        case let .uint64(v): return Int(exactly: v)
        case let .int64(v): return Int(v)
        default: return nil
        }
    }

    public var float: Float? {
        switch self {
        case let .float32(v): return v
        case let .float64(v): return Float(v)
        default: return int.map(Float.init)
        }
    }

    public var string: String? { if case let .string(v) = self { return v } else { return nil } }
    public var array: [GGUFValue]? { if case let .array(v) = self { return v } else { return nil } }
    public var bool: Bool? { if case let .bool(v) = self { return v } else { return nil } }
}

public struct GGUFTensorInfo: Equatable, Sendable {
    public let name: String
    /// ggml order: the fastest-varying dimension first (a row length, then the row count).
    public let dimensions: [Int]
    public let type: GGMLType
    /// Absolute byte offset of the data in the file.
    public let offset: Int
    public let byteCount: Int

    public var elementCount: Int { dimensions.reduce(1, *) }
}

public final class GGUFFile {
    public let path: String
    public let version: UInt32
    /// Keys in file order, and their values.
    public let keys: [String]
    public let metadata: [String: GGUFValue]
    public let tensors: [GGUFTensorInfo]
    public let alignment: Int
    public let dataOffset: Int
    /// The largest `general.alignment` accepted (llama.cpp writes 32).
    static let maximumAlignment = 1 << 20
    /// The whole file, mapped: tensors are read where they lie.
    private let mapping: MappedFile
    private let tensorIndex: [String: Int]

    public init(url: URL) throws {
        path = url.path
        guard let mapping = MappedFile(path: url.path) else { throw LLMError.cannotRead(path: url.path) }
        self.mapping = mapping
        let mapped = mapping.data
        var reader = GGUFReader(data: mapped, path: url.path)
        guard mapped.count >= 4, mapped.prefix(4) == Data("GGUF".utf8) else { throw LLMError.notGGUF(path: url.path) }
        reader.offset = 4
        version = try reader.integer("version")
        guard version == 2 || version == 3 else { throw LLMError.unsupportedVersion(path: url.path, version: version) }
        let tensorCount: UInt64 = try reader.integer("tensor count")
        let keyCount: UInt64 = try reader.integer("key-value count")
        // Every entry takes at least a few bytes, so counts beyond the file size are corrupt, not just large.
        guard tensorCount <= UInt64(mapped.count), keyCount <= UInt64(mapped.count) else {
            throw LLMError.corrupt(path: url.path, field: "header", reason: "\(tensorCount) tensors and \(keyCount) keys cannot fit in \(mapped.count) bytes")
        }
        var keys: [String] = [], metadata: [String: GGUFValue] = [:]
        for index in 0..<Int(keyCount) {
            let key = try reader.string("key \(index)")
            let type: UInt32 = try reader.integer("\(key) type")
            metadata[key] = try reader.value(type: type, field: key)
            keys.append(key)
        }
        self.keys = keys
        self.metadata = metadata
        alignment = metadata["general.alignment"]?.int ?? 32
        // llama.cpp writes 32; a larger power of two is legal, but not one that pushes the data past any file.
        guard alignment > 0, alignment & (alignment - 1) == 0, alignment <= GGUFFile.maximumAlignment else {
            throw LLMError.corrupt(path: url.path, field: "general.alignment",
                                   reason: "\(alignment) is not a power of two up to \(GGUFFile.maximumAlignment)")
        }
        var infos: [(String, [Int], GGMLType, Int)] = []
        for index in 0..<Int(tensorCount) {
            let name = try reader.string("tensor \(index) name")
            let dimensionCount: UInt32 = try reader.integer("\(name) dimension count")
            guard (1...4).contains(dimensionCount) else {
                throw LLMError.corrupt(path: url.path, field: "\(name) dimension count", reason: "\(dimensionCount) dimensions (1 to 4)")
            }
            var dimensions: [Int] = []
            for d in 0..<Int(dimensionCount) {
                let size: UInt64 = try reader.integer("\(name) dimension \(d)")
                guard size > 0, size <= UInt64(Int32.max) else {
                    throw LLMError.corrupt(path: url.path, field: "\(name) dimension \(d)", reason: "size \(size)")
                }
                dimensions.append(Int(size))
            }
            let rawType: UInt32 = try reader.integer("\(name) type")
            guard let type = GGMLType(rawValue: rawType), type.isSupported else {
                throw LLMError.unsupportedTensorType(path: url.path, tensor: name, type: rawType)
            }
            let offset: UInt64 = try reader.integer("\(name) offset")
            guard offset <= UInt64(mapped.count) else {
                throw LLMError.corrupt(path: url.path, field: "\(name) offset", reason: "\(offset) is past the end of the file")
            }
            infos.append((name, dimensions, type, Int(offset)))
        }
        dataOffset = (reader.offset + alignment - 1) / alignment * alignment
        var tensors: [GGUFTensorInfo] = []
        var tensorIndex: [String: Int] = [:]
        for (name, dimensions, type, offset) in infos {
            guard tensorIndex.updateValue(tensors.count, forKey: name) == nil else {
                throw LLMError.corrupt(path: url.path, field: name, reason: "a second tensor of this name")
            }
            // No tensor holds more bytes than the file: a product beyond it is corrupt (or wrapped), not large.
            guard let elements = Sizes.product(dimensions, limit: mapped.count * 8) else {
                throw LLMError.corrupt(path: url.path, field: "\(name) dimensions",
                                       reason: "\(dimensions.map(String.init).joined(separator: " x ")) values cannot fit in \(mapped.count) bytes")
            }
            guard dimensions[0] % type.blockValues == 0 else {
                throw LLMError.corrupt(path: url.path, field: "\(name) dimension 0",
                                       reason: "row of \(dimensions[0]) values is not a whole number of \(type.name) blocks")
            }
            let bytes = elements / type.blockValues * type.blockBytes
            let start = dataOffset + offset
            guard start <= mapped.count, bytes <= mapped.count - start else {
                throw LLMError.corrupt(path: url.path, field: "\(name) data",
                                       reason: "needs bytes \(start)..<\(start + bytes), file has \(mapped.count) (truncated?)")
            }
            tensors.append(GGUFTensorInfo(name: name, dimensions: dimensions, type: type, offset: start, byteCount: bytes))
        }
        self.tensors = tensors
        self.tensorIndex = tensorIndex
    }

    public func tensor(_ name: String) throws -> GGUFTensorInfo {
        guard let index = tensorIndex[name] else { throw LLMError.missingTensor(path: path, name: name) }
        return tensors[index]
    }

    /// Rows `rows` of a tensor (rows are its dimension-0 runs), dequantized to Float.
    public func dequantize(_ info: GGUFTensorInfo, rows: Range<Int>? = nil) -> [Float] {
        let rowValues = info.dimensions[0]
        let rowBytes = rowValues / info.type.blockValues * info.type.blockBytes
        let range = rows ?? 0..<(info.elementCount / rowValues)
        let start = info.offset + range.lowerBound * rowBytes
        let slice = UnsafeRawBufferPointer(rebasing: mapping.bytes[start..<(start + range.count * rowBytes)])
        return QuantizedBlocks.dequantize(slice, type: info.type, count: range.count * rowValues)
    }

    /// A quantized tensor as a matrix read in place [dimension 1, dimension 0]; nil for F32, F16 and BF16.
    public func matrix(_ info: GGUFTensorInfo) -> QuantizedMatrix? {
        guard let format = info.type.blockFormat, info.dimensions.count == 2 else { return nil }
        return QuantizedMatrix(format: format, rows: info.dimensions[1], columns: info.dimensions[0],
                               bytes: mapping.bytes.baseAddress! + info.offset, owner: mapping)
    }

    public func int(_ key: String) throws -> Int {
        guard let value = metadata[key]?.int else { throw LLMError.missingKey(path: path, key: key) }
        return value
    }

    public func float(_ key: String) throws -> Float {
        guard let value = metadata[key]?.float else { throw LLMError.missingKey(path: path, key: key) }
        return value
    }

    public func string(_ key: String) throws -> String {
        guard let value = metadata[key]?.string else { throw LLMError.missingKey(path: path, key: key) }
        return value
    }
}

/// Sequential little-endian reads that throw, naming the field, when the file ends early.
private struct GGUFReader {
    let data: Data
    let path: String
    var offset = 0
    /// Items of all metadata arrays read so far. Each costs far more memory as a value than in the file, so their
    /// total is capped: 16 Mi, some twenty times the largest vocabulary (Gemma's 262k tokens, scores and types).
    var arrayItems = 0
    static let maximumArrayItems = 1 << 24

    mutating func bytes(_ count: Int, _ field: String) throws -> Data {
        guard count >= 0, offset + count <= data.count else {
            throw LLMError.corrupt(path: path, field: field, reason: "needs \(count) bytes at offset \(offset), file has \(data.count - offset) left (truncated?)")
        }
        defer { offset += count }
        return data.subdata(in: (data.startIndex + offset)..<(data.startIndex + offset + count))
    }

    mutating func integer<T: FixedWidthInteger>(_ field: String) throws -> T {
        guard offset + MemoryLayout<T>.size <= data.count else {
            throw LLMError.corrupt(path: path, field: field, reason: "needs \(MemoryLayout<T>.size) bytes at offset \(offset), file has \(data.count - offset) left (truncated?)")
        }
        let value = data.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: T.self) }
        offset += MemoryLayout<T>.size
        return T(littleEndian: value)
    }

    mutating func string(_ field: String) throws -> String {
        let length: UInt64 = try integer(field)
        guard length <= UInt64(data.count - offset) else {
            throw LLMError.corrupt(path: path, field: field, reason: "string of \(length) bytes at offset \(offset), file has \(data.count - offset) left (truncated?)")
        }
        return String(decoding: try bytes(Int(length), field), as: UTF8.self)
    }

    /// Bytes each value type takes at least (a string: its 8-byte length), by type code.
    static let smallestSize: [UInt32: Int] = [0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 8: 8, 10: 8, 11: 8, 12: 8]

    mutating func value(type: UInt32, field: String) throws -> GGUFValue {
        switch type {
        case 0: return .uint8(try integer(field))
        case 1: return .int8(try integer(field))
        case 2: return .uint16(try integer(field))
        case 3: return .int16(try integer(field))
        case 4: return .uint32(try integer(field))
        case 5: return .int32(try integer(field))
        case 6: return .float32(Float(bitPattern: try integer(field)))
        case 7: return .bool((try integer(field) as UInt8) != 0)
        case 8: return .string(try string(field))
        case 9:
            let elementType: UInt32 = try integer("\(field) element type")
            let count: UInt64 = try integer("\(field) count")
            guard elementType != 9 else { throw LLMError.corrupt(path: path, field: field, reason: "nested arrays are not supported") }
            guard let itemBytes = GGUFReader.smallestSize[elementType] else {
                throw LLMError.corrupt(path: path, field: field, reason: "unknown array element type \(elementType)")
            }
            guard count <= UInt64((data.count - offset) / itemBytes) else {
                throw LLMError.corrupt(path: path, field: field, reason: "array of \(count) items cannot fit in the \(data.count - offset) bytes left")
            }
            arrayItems += Int(count)
            guard arrayItems <= GGUFReader.maximumArrayItems else {
                throw LLMError.corrupt(path: path, field: field,
                                       reason: "metadata arrays hold more than \(GGUFReader.maximumArrayItems) items in all")
            }
            var items: [GGUFValue] = []
            items.reserveCapacity(Int(count))
            for _ in 0..<Int(count) { items.append(try value(type: elementType, field: field)) }
            return .array(items)
        case 10: return .uint64(try integer(field))
        case 11: return .int64(try integer(field))
        case 12: return .float64(Double(bitPattern: try integer(field)))
        default: throw LLMError.corrupt(path: path, field: field, reason: "unknown value type \(type)")
        }
    }
}
