// Errors as OpenAI's API shapes them ({"error": {"message", "type", "param", "code"}}), so its clients raise the right exception.
import Foundation
import HTTPTypes
import Hummingbird

public struct APIError: Error, HTTPResponseError, CustomStringConvertible {
    public let status: HTTPResponse.Status
    public let message: String
    public let type: String
    public let param: String?
    public let code: String?
    /// Extra response headers (Retry-After on 429, WWW-Authenticate on 401).
    public var headers: HTTPFields = [:]

    public init(status: HTTPResponse.Status, message: String, type: String = "invalid_request_error",
                param: String? = nil, code: String? = nil) {
        self.status = status
        self.message = Self.oneLine(message)
        self.type = type
        self.param = param
        self.code = code
    }

    public var description: String { "\(status.code) \(message)" }

    /// Messages quote what the client sent, which may hold line breaks or be megabytes long: control characters
    /// are escaped and the message cut at 500 characters, so an error stays one line in a log or a terminal.
    static func oneLine(_ message: String) -> String {
        var line = ""
        for scalar in message.unicodeScalars {
            switch scalar {
            case "\n": line += "\\n"
            case "\r": line += "\\r"
            case "\t": line += "\\t"
            case _ where scalar.properties.generalCategory == .control || scalar.properties.generalCategory == .lineSeparator
                || scalar.properties.generalCategory == .paragraphSeparator:
                line += "\\u{\(String(scalar.value, radix: 16))}"
            default: line.unicodeScalars.append(scalar)
            }
        }
        return line.count > 500 ? String(line.prefix(500)) + "..." : line
    }

    /// The JSON body: every key present, unknown ones null, as OpenAI sends them.
    public var body: Data {
        let error: [String: Any] = ["message": message, "type": type, "param": param ?? NSNull(), "code": code ?? NSNull()]
        return (try? JSONSerialization.data(withJSONObject: ["error": error], options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var fields = headers
        fields[.contentType] = "application/json"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    static func badRequest(_ message: String, param: String? = nil, code: String? = nil) -> APIError {
        APIError(status: .badRequest, message: message, param: param, code: code)
    }

    static func busy(retryAfterSeconds: Int) -> APIError {
        var error = APIError(status: .tooManyRequests, message: "the server is busy: every worker is decoding and the queue is full; retry later",
                             type: "rate_limit_error", code: "queue_full")
        error.headers[.retryAfter] = String(retryAfterSeconds)
        return error
    }

    static let timedOut = APIError(status: .gatewayTimeout, message: "the request took longer than the server's --timeout",
                                   type: "server_error", code: "timeout")

    static func unauthorized() -> APIError {
        var error = APIError(status: .unauthorized, message: "Incorrect API key provided: pass it as 'Authorization: Bearer KEY'",
                             code: "invalid_api_key")
        error.headers[.wwwAuthenticate] = "Bearer"
        return error
    }

    static func notFound(_ path: String) -> APIError {
        APIError(status: .notFound, message: "no route for \(path)", code: "not_found")
    }
}
