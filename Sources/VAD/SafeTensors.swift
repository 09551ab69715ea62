// Safetensors files: a JSON index of named tensors, then their raw little-endian values, read with every size checked.
import Foundation
import HarkNumerics

/// The tensors of a safetensors file, by name.
///
/// Layout: a u64 little-endian header length, that many bytes of JSON ({"name": {"dtype": "F32", "shape": [...],
/// "data_offsets": [begin, end]}, ..., "__metadata__": {...}}), then the data; offsets count from the data's start.
public struct SafeTensorsFile {
    public let path: String
    public let tensors: [String: Entry]
    private let data: Data
    private let dataStart: Int

    public struct Entry: Equatable {
        public let dtype: String
        public let shape: [Int]
        let begin: Int
        let end: Int
    }

    /// Bytes per value of the element types the format names.
    static let elementSizes = ["F64": 8, "F32": 4, "F16": 2, "BF16": 2, "I64": 8, "I32": 4, "I16": 2, "I8": 1, "U8": 1,
                               "BOOL": 1, "U16": 2, "U32": 4, "U64": 8, "F8_E4M3": 1, "F8_E5M2": 1]
    /// A header beyond this is not a weights file's index (the format's own reader refuses 100 MB).
    static let maximumHeaderBytes = 100_000_000

    public init(path: String) throws {
        self.path = path
        guard let data = try? Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped) else {
            throw VADError.unreadable(path: path, reason: "cannot read file")
        }
        guard data.count >= 8 else {
            throw VADError.unreadable(path: path, reason: "\(data.count) bytes is too short for a header length")
        }
        let headerLength = data.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        guard headerLength <= UInt64(min(data.count - 8, Self.maximumHeaderBytes)) else {
            throw VADError.unreadable(path: path, reason: "header length \(headerLength) exceeds the \(data.count - 8) bytes that follow")
        }
        let header = data.subdata(in: 8..<(8 + Int(headerLength)))
        guard let index = (try? JSONSerialization.jsonObject(with: header)) as? [String: Any] else {
            throw VADError.unreadable(path: path, reason: "the header is not a JSON object")
        }
        dataStart = 8 + Int(headerLength)
        let dataBytes = data.count - dataStart
        var tensors: [String: Entry] = [:]
        for (name, value) in index where name != "__metadata__" {
            guard let fields = value as? [String: Any] else {
                throw VADError.corruptFile(path: path, field: name, reason: "not a tensor description")
            }
            guard let dtype = fields["dtype"] as? String, let size = Self.elementSizes[dtype] else {
                throw VADError.corruptFile(path: path, field: "\(name) dtype", reason: "unknown element type \(fields["dtype"] ?? "none")")
            }
            guard let shape = Self.integers(fields["shape"]), shape.count <= 8 else {
                throw VADError.corruptFile(path: path, field: "\(name) shape", reason: "not a list of up to 8 sizes")
            }
            guard let offsets = Self.integers(fields["data_offsets"]), offsets.count == 2,
                  offsets[0] >= 0, offsets[0] <= offsets[1], offsets[1] <= dataBytes else {
                throw VADError.corruptFile(path: path, field: "\(name) data_offsets",
                                           reason: "not a range within the \(dataBytes) data bytes")
            }
            guard let count = Sizes.product(shape, limit: dataBytes), count * size == offsets[1] - offsets[0] else {
                throw VADError.corruptFile(path: path, field: "\(name) data_offsets",
                                           reason: "\(offsets[1] - offsets[0]) bytes for shape \(shape) of \(dtype)")
            }
            tensors[name] = Entry(dtype: dtype, shape: shape, begin: offsets[0], end: offsets[1])
        }
        self.tensors = tensors
        self.data = data
    }

    /// Non-negative whole numbers from a JSON list, or nil.
    private static func integers(_ value: Any?) -> [Int]? {
        guard let list = value as? [Any] else { return nil }
        var out: [Int] = []
        for item in list {
            guard let number = item as? NSNumber, let whole = Int(exactly: number.doubleValue), whole >= 0 else { return nil }
            out.append(whole)
        }
        return out
    }

    /// The float32 tensor `name`, which must have `shape`.
    public func tensor(_ name: String, shape: [Int]) throws -> Tensor {
        guard let entry = tensors[name] else { throw VADError.missingTensor(path: path, name: name) }
        guard entry.shape == shape else { throw VADError.badShape(path: path, name: name, expected: shape, actual: entry.shape) }
        guard entry.dtype == "F32" else {
            throw VADError.corruptFile(path: path, field: "\(name) dtype", reason: "\(entry.dtype), expected F32")
        }
        var values = [Float](repeating: 0, count: (entry.end - entry.begin) / 4)
        values.withUnsafeMutableBytes { out in
            _ = data.copyBytes(to: out, from: (dataStart + entry.begin)..<(dataStart + entry.end))
        }
        // The format is little-endian, as are the machines Hark runs on; a big-endian host would swap here.
        return Tensor(shape: shape, data: values.map { Float(bitPattern: UInt32(littleEndian: $0.bitPattern)) })
    }
}
