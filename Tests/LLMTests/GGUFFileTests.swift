// The GGUF reader against the `gguf` Python package on the real Gemma 3 file, and broken files.
import XCTest
import Features
import HarkNumerics
import TestSupport
@testable import LLM

final class GGUFFileTests: XCTestCase {
    static let gemmaURL = TestPaths.model("gemma-3-270m-q4_k_m.gguf")
    static let gemma: GGUFFile? = try? GGUFFile(url: gemmaURL)

    private func dump() throws -> [String: Any] {
        let data = try Data(contentsOf: TestPaths.fixture("llm/gemma-dump.json"))
        return try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    private func jsonValue(_ value: GGUFValue) -> Any {
        switch value {
        case let .string(s): return s
        case let .bool(b): return b
        case let .float32(f): return Double(f)
        case let .float64(f): return f
        case let .array(items): return items.map(jsonValue)
        default: return value.int!
        }
    }

    private func typeName(_ value: GGUFValue) -> String {
        switch value {
        case .uint8: return "UINT8"
        case .int8: return "INT8"
        case .uint16: return "UINT16"
        case .int16: return "INT16"
        case .uint32: return "UINT32"
        case .int32: return "INT32"
        case .float32: return "FLOAT32"
        case .bool: return "BOOL"
        case .string: return "STRING"
        case .array: return "ARRAY"
        case .uint64: return "UINT64"
        case .int64: return "INT64"
        case .float64: return "FLOAT64"
        }
    }

    func testMetadataReadsAsTheReferenceDumpsIt() throws {
        let file = try XCTUnwrap(Self.gemma, "run Models/install.sh")
        let reference = try XCTUnwrap(try dump()["metadata"] as? [String: [String: Any]])
        XCTAssertEqual(file.version, 3)
        XCTAssertEqual(Set(file.keys), Set(reference.keys))
        XCTAssertEqual(file.keys.count, 33)
        for (key, expected) in reference {
            let value = try XCTUnwrap(file.metadata[key], key)
            XCTAssertEqual(typeName(value), expected["type"] as? String, key)
            if let items = value.array {
                XCTAssertEqual(items.count, expected["count"] as? Int, key)
                let first = items.prefix(8).map(jsonValue), last = items.suffix(8).map(jsonValue)
                XCTAssertEqual(NSArray(array: first), NSArray(array: expected["first"] as? [Any] ?? []), key)
                XCTAssertEqual(NSArray(array: last), NSArray(array: expected["last"] as? [Any] ?? []), key)
            } else if case let .float32(f) = value {
                XCTAssertEqual(Double(f), try XCTUnwrap(expected["value"] as? Double), accuracy: 1e-12, key)
            } else {
                XCTAssertEqual(NSArray(array: [jsonValue(value)]), NSArray(array: [expected["value"]!]), key)
            }
        }
    }

    func testTensorTableReadsAsTheReferenceDumpsIt() throws {
        let file = try XCTUnwrap(Self.gemma, "run Models/install.sh")
        let reference = try XCTUnwrap(try dump()["tensors"] as? [[String: Any]])
        XCTAssertEqual(file.tensors.count, 236)
        XCTAssertEqual(file.tensors.count, reference.count)
        for (ours, theirs) in zip(file.tensors, reference) {
            XCTAssertEqual(ours.name, theirs["name"] as? String)
            XCTAssertEqual(ours.type.name, theirs["type"] as? String, ours.name)
            XCTAssertEqual(ours.dimensions, theirs["dims"] as? [Int], ours.name)
            XCTAssertEqual(ours.offset, theirs["offset"] as? Int, ours.name)
            XCTAssertEqual(ours.byteCount, theirs["bytes"] as? Int, ours.name)
        }
        XCTAssertEqual(try file.tensor("token_embd.weight").dimensions, [640, 262_144])
    }

    func testEveryStoredBlockTypeDequantizesAsTheReference() throws {
        let file = try XCTUnwrap(Self.gemma, "run Models/install.sh")
        let samples = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: TestPaths.fixture("llm/dequantized.json"))) as? [String: [String: Any]])
        XCTAssertEqual(Set(samples.keys), ["F32", "Q8_0", "Q5_0", "Q4_K", "Q6_K"])
        for (type, sample) in samples {
            let info = try file.tensor(try XCTUnwrap(sample["tensor"] as? String))
            let rows = info.dimensions.count > 1 ? 0..<2 : 0..<1
            let ours = file.dequantize(info, rows: rows)
            let reference = try NPY.read(TestPaths.fixture("llm/dequantized-\(type).npy")).data
            XCTAssertEqual(ours.count, reference.count, type)
            XCTAssertEqual(ours, reference, type)
        }
    }

    func testHalfAndBFloat16BlocksDecode() {
        let bytes: [UInt8] = [0x00, 0x3C, 0x00, 0xC0]   // f16 1.0, -2.0; as bf16 the same bytes read 0x3C00, 0xC000
        bytes.withUnsafeBytes { raw in
            XCTAssertEqual(QuantizedBlocks.dequantize(raw, type: .f16, count: 2), [1, -2])
            XCTAssertEqual(QuantizedBlocks.dequantize(raw, type: .bf16, count: 2), [0.0078125, -2])
        }
    }

    // MARK: Broken files

    private func writeTemporary(_ data: Data) throws -> URL {
        let url = try TestPaths.temporaryDirectory().appendingPathComponent("model.gguf")
        try data.write(to: url)
        return url
    }

    func testTruncatedFileNamesTheFieldWhereItEnds() throws {
        let whole = try Data(contentsOf: Self.gemmaURL, options: .alwaysMapped)
        let url = try writeTemporary(whole.prefix(100_000))
        XCTAssertThrowsError(try GGUFFile(url: url)) { error in
            XCTAssertEqual("\(error)", "\(url.path): corrupt GGUF at tokenizer.ggml.tokens: array of 262144 items cannot fit in the 99021 bytes left")
        }
        // Cut inside the data: the first tensor whose start lies past the end is named.
        let cutData = try writeTemporary(whole.prefix(7_000_000))
        XCTAssertThrowsError(try GGUFFile(url: cutData)) { error in
            XCTAssertEqual("\(error)", "\(cutData.path): corrupt GGUF at blk.0.attn_k.weight offset: 178260480 is past the end of the file")
        }
    }

    func testNotAGGUFFileAndUnsupportedVersion() throws {
        let text = try writeTemporary(Data("hello, not a model".utf8))
        XCTAssertThrowsError(try GGUFFile(url: text)) { XCTAssertEqual("\($0)", "\(text.path): not a GGUF file (bad magic)") }
        var header = Data("GGUF".utf8)
        header.append(contentsOf: [7, 0, 0, 0])
        let future = try writeTemporary(header)
        XCTAssertThrowsError(try GGUFFile(url: future)) { XCTAssertEqual("\($0)", "\(future.path): unsupported GGUF version 7 (expected 2 or 3)") }
    }

    func testUnsupportedTensorTypeIsNamed() throws {
        // A minimal GGUF: no metadata, one 32-value Q4_0 tensor (type 2), which Hark does not read.
        var file = Data("GGUF".utf8)
        func append<T: FixedWidthInteger>(_ value: T) { withUnsafeBytes(of: value.littleEndian) { file.append(contentsOf: $0) } }
        append(UInt32(3)); append(UInt64(1)); append(UInt64(0))
        append(UInt64(7)); file.append(contentsOf: Array("weights".utf8))
        append(UInt32(1)); append(UInt64(32)); append(UInt32(2)); append(UInt64(0))
        file.append(Data(count: 64))
        let url = try writeTemporary(file)
        XCTAssertThrowsError(try GGUFFile(url: url)) { XCTAssertEqual("\($0)", "\(url.path): tensor weights has type Q4_0 (2), which Hark cannot read (it reads F32, F16, Q5_0, Q8_0, Q4_K, Q6_K, BF16)") }
    }
}

final class Gemma3LoadErrorTests: XCTestCase {
    func testAnotherArchitectureIsNamed() throws {
        // A GGUF with one key, general.architecture = "llama", and no tensors.
        var file = Data("GGUF".utf8)
        func append<T: FixedWidthInteger>(_ value: T) { withUnsafeBytes(of: value.littleEndian) { file.append(contentsOf: $0) } }
        func appendString(_ text: String) { append(UInt64(text.utf8.count)); file.append(contentsOf: Array(text.utf8)) }
        append(UInt32(3)); append(UInt64(0)); append(UInt64(1))
        appendString("general.architecture"); append(UInt32(8)); appendString("llama")
        let url = try TestPaths.temporaryDirectory().appendingPathComponent("llama.gguf")
        try file.write(to: url)
        XCTAssertThrowsError(try Gemma3Model.load(from: url)) { error in
            XCTAssertEqual("\(error)", "\(url.path): corrupt GGUF at general.architecture: unsupported architecture 'llama' (Hark runs gemma3)")
        }
    }
}
