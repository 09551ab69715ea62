// A private folder (mode 0700) that holds each uploaded recording while libsndfile decodes it; emptied as it goes, removed at exit.
import Audio
import Foundation
import Hummingbird

final class UploadFolder: Sendable {
    let url: URL

    /// A new folder under $TMPDIR (or /tmp) that only this user can enter.
    init() throws {
        var template = Array(FileManager.default.temporaryDirectory.appendingPathComponent("hark-serve-XXXXXX").path.utf8CString)
        guard template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) != nil else {
            throw APIError(status: .internalServerError, message: "cannot make a private folder for uploads: \(String(cString: strerror(errno)))",
                           type: "server_error")
        }
        url = URL(fileURLWithPath: String(cString: template))
    }

    /// The upload's samples at 16 kHz mono. Decoding errors name the upload as the client called it, not the
    /// temporary file.
    func decode(_ upload: UploadedFile) throws -> (samples: [Float], warnings: [String]) {
        let path = url.appendingPathComponent(UUID().uuidString + Self.safeExtension(upload.filename)).path
        guard FileManager.default.createFile(atPath: path, contents: Data(buffer: upload.bytes), attributes: [.posixPermissions: 0o600]) else {
            throw APIError(status: .internalServerError, message: "cannot write the upload to the private folder", type: "server_error")
        }
        defer { try? FileManager.default.removeItem(atPath: path) }
        do {
            var file = try AudioFile(path: path)
            let samples = try file.readAll()
            return (samples, file.warnings.map { $0.replacingOccurrences(of: path, with: upload.filename) })
        } catch {
            throw APIError.badRequest(String(describing: error).replacingOccurrences(of: path, with: upload.filename), param: "file",
                                      code: "invalid_audio")
        }
    }

    func remove() { try? FileManager.default.removeItem(at: url) }

    /// The upload's extension when it is a plain one (libsndfile guesses some formats by it), else none.
    private static func safeExtension(_ filename: String) -> String {
        let ext = (filename as NSString).pathExtension
        return !ext.isEmpty && ext.count <= 8 && ext.allSatisfy({ $0.isLetter || $0.isNumber }) ? "." + ext : ""
    }
}
