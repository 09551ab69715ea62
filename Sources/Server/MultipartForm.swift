// A request's form fields and uploaded file: multipart/form-data as OpenAI's clients send it, or a JSON object.
import Foundation
import Hummingbird

public struct UploadedFile: Sendable {
    public let filename: String
    public let bytes: ByteBuffer
}

/// The fields of one request. A field may repeat (`labels`, `timestamp_granularities[]`); text values are kept as
/// clients send them. Every error is an `APIError` (400) with a one-line message.
public struct RequestForm: Sendable {
    private(set) var fields: [(name: String, value: String)] = []
    private(set) var files: [String: UploadedFile] = [:]

    /// Parses the body by its Content-Type: multipart/form-data, or application/json (a flat object whose arrays
    /// become repeated fields).
    public init(body: ByteBuffer, contentType: String?) throws {
        guard body.readableBytes > 0 else { throw APIError.badRequest("the request body is empty: send multipart/form-data with a 'file' part") }
        let type = contentType?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased() ?? ""
        switch type {
        case "multipart/form-data":
            try parseMultipart(body, boundary: Self.boundary(in: contentType!))
        case "application/json":
            try parseJSON(body)
        default:
            throw APIError.badRequest("Content-Type must be multipart/form-data (or application/json without audio), got '\(contentType ?? "none")'")
        }
    }

    public func text(_ name: String) -> String? { fields.first { $0.name == name }?.value }

    /// Every value of a repeated field, under its name with or without the `[]` suffix clients add for lists.
    public func texts(_ name: String) -> [String] { fields.filter { $0.name == name || $0.name == name + "[]" }.map(\.value) }

    public func file(_ name: String) -> UploadedFile? { files[name] }

    public func number(_ name: String) throws -> Double? {
        guard let raw = text(name) else { return nil }
        guard let value = Double(raw.trimmingCharacters(in: .whitespaces)), value.isFinite else {
            throw APIError.badRequest("'\(name)' must be a number, got '\(raw)'", param: name)
        }
        return value
    }

    public func integer(_ name: String) throws -> Int? {
        guard let raw = text(name) else { return nil }
        guard let value = Int(raw.trimmingCharacters(in: .whitespaces)) else {
            throw APIError.badRequest("'\(name)' must be an integer, got '\(raw)'", param: name)
        }
        return value
    }

    /// One of a fixed set of values (an enum's raw values), spelled as given; nil when the field is absent.
    public func choice<Value: RawRepresentable & CaseIterable>(_ name: String, of _: Value.Type) throws -> Value?
    where Value.RawValue == String {
        guard let raw = text(name) else { return nil }
        guard let value = Value(rawValue: raw) else {
            let known = Value.allCases.map(\.rawValue).joined(separator: ", ")
            throw APIError.badRequest("'\(name)' must be one of \(known), got '\(raw)'", param: name)
        }
        return value
    }

    public func flag(_ name: String) throws -> Bool {
        guard let raw = text(name)?.lowercased() else { return false }
        switch raw {
        case "true", "1": return true
        case "false", "0": return false
        default: throw APIError.badRequest("'\(name)' must be true or false, got '\(raw)'", param: name)
        }
    }

    // MARK: Parsing

    static func boundary(in contentType: String) throws -> String {
        for parameter in contentType.split(separator: ";").dropFirst() {
            let pair = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if pair.count == 2, pair[0].lowercased() == "boundary" {
                let value = pair[1].hasPrefix("\"") && pair[1].hasSuffix("\"") && pair[1].count >= 2 ? String(pair[1].dropFirst().dropLast()) : pair[1]
                if !value.isEmpty && value.utf8.count <= 70 { return value }
            }
        }
        throw APIError.badRequest("multipart/form-data needs a boundary parameter (1 to 70 characters) in Content-Type")
    }

    /// multipart/form-data (RFC 7578) read by our own splitter: MultipartKit 4.7.1, the version on this machine,
    /// traps on a byte above 127 in a part's header name (its character table has 128 entries), so one crafted
    /// upload would stop the server; the fuzzer found it in its first seconds.
    private mutating func parseMultipart(_ body: ByteBuffer, boundary: String) throws {
        let bytes = Array(body.readableBytesView)
        let delimiter = Array("--\(boundary)".utf8)
        let cr: UInt8 = 13, lf: UInt8 = 10, hyphen: UInt8 = 45
        // Every delimiter that starts a line (the body's first one may start the body).
        var starts: [Int] = []
        var index = 0
        while index + delimiter.count <= bytes.count {
            if bytes[index] == hyphen, index == 0 || (index >= 2 && bytes[index - 2] == cr && bytes[index - 1] == lf),
               bytes[index..<(index + delimiter.count)].elementsEqual(delimiter) {
                starts.append(index)
                index += delimiter.count
            } else {
                index += 1
            }
        }
        // The parts lie between consecutive delimiters; the one followed by "--" closes the body. A body cut short
        // (a dropped upload) would lose its last part silently, so the closing delimiter must be there.
        guard let closing = starts.firstIndex(where: { bytes[($0 + delimiter.count)...].starts(with: [hyphen, hyphen]) }) else {
            throw APIError.badRequest("the multipart body is truncated: its closing boundary '--\(boundary)--' is missing")
        }
        for (start, next) in zip(starts[..<closing], starts.dropFirst()) {
            var partStart = start + delimiter.count
            // Transport padding (spaces and tabs) may follow a delimiter before its line break.
            while partStart < next, bytes[partStart] == 32 || bytes[partStart] == 9 { partStart += 1 }
            guard bytes[partStart...].starts(with: [cr, lf]), partStart + 2 <= next - 2 else { throw APIError.badRequest("the multipart body is malformed: a boundary line goes on after the boundary") }
            let part = bytes[(partStart + 2)..<(next - 2)]
            let headerEnd = part.starts(with: [cr, lf]) ? part.startIndex : part.firstRange(of: [cr, lf, cr, lf])?.lowerBound
            guard let headerEnd else { throw APIError.badRequest("the multipart body is malformed: a part's headers do not end with an empty line") }
            var disposition: String?
            for line in String(decoding: part[part.startIndex..<headerEnd], as: UTF8.self).components(separatedBy: "\r\n") where !line.isEmpty {
                guard let colon = line.firstIndex(of: ":") else { throw APIError.badRequest("the multipart body is malformed: a part's header line has no ':'") }
                if line[..<colon].trimmingCharacters(in: .whitespaces).lowercased() == "content-disposition" {
                    disposition = String(line[line.index(after: colon)...])
                }
            }
            let content = part[(headerEnd == part.startIndex ? headerEnd + 2 : headerEnd + 4)...]
            guard let name = disposition.flatMap({ Self.parameter("name", in: $0) }) else {
                throw APIError.badRequest("a multipart part has no name in its Content-Disposition")
            }
            if let filename = Self.parameter("filename", in: disposition!) {
                files[name] = UploadedFile(filename: filename, bytes: ByteBuffer(bytes: content))
            } else {
                fields.append((name, String(decoding: content, as: UTF8.self)))
            }
        }
    }

    /// A parameter of a Content-Disposition value (`form-data; name="file"; filename="a.wav"`), quoted or not.
    static func parameter(_ key: String, in disposition: String) -> String? {
        for parameter in disposition.split(separator: ";").dropFirst() {
            let pair = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2, pair[0].lowercased() == key else { continue }
            return pair[1].count >= 2 && pair[1].hasPrefix("\"") && pair[1].hasSuffix("\"") ? String(pair[1].dropFirst().dropLast()) : pair[1]
        }
        return nil
    }

    private mutating func parseJSON(_ body: ByteBuffer) throws {
        guard let object = try? JSONDecoder().decode([String: FieldValue].self, from: Data(buffer: body)) else {
            throw APIError.badRequest("the body is not a JSON object of strings, numbers, booleans or lists of them")
        }
        for (name, value) in object.sorted(by: { $0.key < $1.key }) {
            fields += value.texts.map { (name, $0) }
        }
    }
}

/// A JSON field's value as form text: a list becomes repeated fields.
private enum FieldValue: Decodable {
    case text(String)
    case list([String])

    var texts: [String] {
        switch self {
        case let .text(text): return [text]
        case let .list(list): return list
        }
    }

    init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let flag = try? container.decode(Bool.self) { self = .text(flag ? "true" : "false") }
        else if let number = try? container.decode(Double.self) { self = .text(number == number.rounded() && abs(number) < 1e15 ? String(Int(number)) : String(number)) }
        else if let text = try? container.decode(String.self) { self = .text(text) }
        else { self = .list(try container.decode([FieldValue].self).flatMap(\.texts)) }
    }
}
