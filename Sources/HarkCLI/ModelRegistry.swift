// Model names users type (`--model base`) and the folders they mean; a path works too.
import ArgumentParser
import Foundation
import HarkNumerics
import Whisper

enum ModelRegistry {
    /// Name -> folder under the model cache, filled by Models/install.sh.
    static let whisper: [(name: String, folder: String)] = [("base", "whisper-base"), ("tiny.en", "whisper-tiny.en")]

    static func loadWhisper(_ nameOrPath: String, computeType: ComputeType, pool: ThreadPool) throws -> WhisperModel {
        try WhisperModel.load(from: try whisperFolder(nameOrPath), computeType: computeType, pool: pool)
    }

    static func whisperFolder(_ nameOrPath: String) throws -> URL {
        if let entry = whisper.first(where: { $0.name == nameOrPath }) {
            let folder = ModelCache.directory.appendingPathComponent(entry.folder)
            guard FileManager.default.fileExists(atPath: folder.appendingPathComponent("model.bin").path) else {
                throw RegistryError.notInstalled(name: nameOrPath, folder: folder.path)
            }
            return folder
        }
        if nameOrPath.contains("/") || FileManager.default.fileExists(atPath: nameOrPath) {
            return URL(fileURLWithPath: nameOrPath, isDirectory: true)
        }
        throw RegistryError.unknownName(nameOrPath, known: whisper.map(\.name))
    }

    enum RegistryError: Error, CustomStringConvertible {
        case unknownName(String, known: [String])
        case notInstalled(name: String, folder: String)

        var description: String {
            switch self {
            case let .unknownName(name, known):
                return "unknown model '\(name)' (known: \(known.joined(separator: ", ")); or give a CTranslate2 Whisper folder path)"
            case let .notInstalled(name, folder): return "model '\(name)' is not installed at \(folder): run Models/install.sh"
            }
        }
    }
}

extension ComputeType: ExpressibleByArgument {
    static let help = ArgumentHelp(
        "How Whisper keeps its weights: float16 (as stored), int8 (a scale per row: the least memory; a few words may differ) or float32 (widened at load).",
        valueName: "type")
}
