// The parsers a fuzzer feeds, one entry point each: bytes in, then what Hark does with such a file or stream.
import Audio
import Bench
import Features
import Foundation
import HarkNumerics
import LLM
import NIOCore
import Server
import VAD
import Whisper

/// One parser entry point. `run` must return for any bytes: an error is the expected answer to a bad file, but it
/// must be one line that names the file; a trap, a leak or a hang is a bug for the fuzzer to report.
public enum FuzzTarget: String, CaseIterable, Sendable {
    /// A GGUF file: header, metadata, tensor table, one dequantized row per tensor, then Gemma's hyperparameters,
    /// tokenizer and weights.
    case gguf
    /// A CTranslate2 model.bin in a folder with tiny-whisper's other files: the index, every variable's values,
    /// then the Whisper model built from it and run on one window.
    case ctranslate2
    /// A Whisper vocabulary.json and tokenizer.json (the input split at its first NUL byte), then a round trip.
    case whisperTokenizer = "whisper-tokenizer"
    /// A .dmel token file, decoded back to a log-mel spectrogram.
    case dmel
    /// A .npy array.
    case npy
    /// A safetensors file: the index, every float32 tensor's values, then Silero VAD built from it and run on 0.1 s.
    case safetensors
    /// A bench manifest (JSON lines).
    case manifest
    /// A bench results log (results.jsonl), merged into a report.
    case results
    /// An audio file for libsndfile (WAV, FLAC, Ogg, MP3, ...), decoded and resampled to 16 kHz.
    case audio
    /// Headerless PCM on a descriptor; the first byte picks the sample format, rate and channel count.
    case pcm
    /// An upload as `hark serve` receives it: the first line is the Content-Type header, the rest the body
    /// (multipart/form-data or JSON); then the fields a transcription request reads.
    case multipart
    /// A live stream as `hark serve` receives it: the first line is the URL's query (format, rate, channels,
    /// step_ms), the rest binary frames, each preceded by one byte: its length in units of 7 bytes.
    case stream

    /// Where the inputs are written for the parsers that take a path: HARK_FUZZ_SCRATCH (Tests/Fuzz/run.sh makes and
    /// removes one per target, as libFuzzer ends a run without atexit handlers), else one folder per process in
    /// memory (/dev/shm) where there is one, as a fuzzer writes an input thousands of times a second.
    static let scratch: URL = {
        let folder: URL
        if let given = ProcessInfo.processInfo.environment["HARK_FUZZ_SCRATCH"] {
            folder = URL(fileURLWithPath: given)
        } else {
            let base = FileManager.default.isWritableFile(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
            folder = URL(fileURLWithPath: base).appendingPathComponent("hark-fuzz-\(getpid())")
            atexit { try? FileManager.default.removeItem(at: FuzzTarget.scratch) }
        }
        try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }()

    /// The tiny Whisper folder the ctranslate2 target puts each model.bin in (Tests/Fixtures/crafted/tiny-whisper,
    /// or HARK_FUZZ_WHISPER_FOLDER).
    static let tinyWhisper: URL = {
        if let folder = ProcessInfo.processInfo.environment["HARK_FUZZ_WHISPER_FOLDER"] { return URL(fileURLWithPath: folder) }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Tests/Fixtures/crafted/tiny-whisper")
    }()

    static let pool = ThreadPool(threads: 1)

    /// Runs the parser on `data`; traps (for the fuzzer to catch) when an error is not one line naming the input.
    public func run(_ data: Data) {
        let input = FuzzTarget.scratch.appendingPathComponent("input.\(fileExtension)")
        do {
            try body(data, input)
        } catch {
            let message = "\(error)"
            // A request has no file name; its errors are the server's one-line answers.
            let named = self == .multipart || self == .stream
                || [input.path, FuzzTarget.scratch.path, AudioInput.standardInputLabel].contains { message.contains($0) }
            // fatalError, not precondition: an optimized build prints only fatalError's message.
            if message.contains("\n") || !named { fatalError("\(rawValue): an error that is not one line naming the input: \(message)") }
        }
    }

    private var fileExtension: String {
        switch self {
        case .gguf: return "gguf"
        case .ctranslate2: return "bin"
        case .whisperTokenizer: return "json"
        case .dmel: return "dmel"
        case .npy: return "npy"
        case .safetensors: return "safetensors"
        case .manifest, .results: return "jsonl"
        case .audio: return "wav"
        case .pcm: return "pcm"
        case .multipart: return "form"
        case .stream: return "stream"
        }
    }

    private func body(_ data: Data, _ input: URL) throws {
        switch self {
        case .gguf:
            try data.write(to: input)
            let file = try GGUFFile(url: input)
            for info in file.tensors.prefix(64) where info.elementCount > 0 {
                _ = file.dequantize(info, rows: 0..<1)
                // Products read the blocks in place: whatever their bytes hold (NaN scales too), they must not trap.
                if let matrix = file.matrix(info), matrix.rows <= 4096 {
                    for rows in [1, QuantizedMatrix.integerRowLimit + 1] {
                        _ = matrix.multiply([Float](repeating: 0.5, count: rows * matrix.columns), rows: rows, pool: FuzzTarget.pool)
                    }
                }
            }
            let model = try Gemma3Model(file: file, pool: FuzzTarget.pool)
            _ = model.tokenizer.decode(model.tokenizer.encode("a b\n<0x41>"))
        case .ctranslate2:
            let folder = FuzzTarget.scratch.appendingPathComponent("whisper")
            try FuzzTarget.copyTinyWhisper(to: folder)
            try data.write(to: folder.appendingPathComponent("model.bin"))
            let file = try ModelFile(path: folder.appendingPathComponent("model.bin").path)
            for name in file.variables.keys.sorted().prefix(256) { _ = try file.tensor(name) }
            let model = try WhisperModel(folder: folder, computeType: data.count % 2 == 0 ? .float16 : .int8, pool: FuzzTarget.pool)
            _ = try model.encode(Tensor(shape: [300, model.melBins], data: [Float](repeating: -0.5, count: 300 * model.melBins)))
        case .whisperTokenizer:
            let folder = FuzzTarget.scratch.appendingPathComponent("tokenizer")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let split = data.firstIndex(of: 0) ?? data.endIndex
            try data[data.startIndex..<split].write(to: folder.appendingPathComponent("vocabulary.json"))
            try data[min(split + 1, data.endIndex)...].write(to: folder.appendingPathComponent("tokenizer.json"))
            let tokenizer = try WhisperTokenizer(folder: folder)
            _ = tokenizer.decode(tokenizer.encode(" a b!"))
        case .dmel:
            let tokens = try DMelFile.decode(data, path: input.path)
            if tokens.frames <= 3000 { _ = tokens.decoded() }
        case .npy:
            try data.write(to: input)
            _ = try NPY.read(input)
        case .safetensors:
            try data.write(to: input)
            let file = try SafeTensorsFile(path: input.path)
            for (name, entry) in file.tensors.sorted(by: { $0.key < $1.key }).prefix(64) where entry.dtype == "F32" {
                _ = try file.tensor(name, shape: entry.shape)
            }
            let vad = try SileroVAD(contentsOf: input)
            _ = vad.speechProbabilities([Float](repeating: 0.01, count: 1600), pool: FuzzTarget.pool)
        case .manifest:
            try data.write(to: input)
            _ = try Manifest.read(input)
        case .results:
            try data.write(to: input)
            _ = BenchReport(records: try ResultLog.load(input).records)
        case .audio:
            try data.write(to: input)
            var source: AudioSource = try AudioFile(path: input.path)
            _ = try source.readAll()
        case .pcm:
            guard let first = data.first else { return }
            try data.dropFirst().write(to: input)
            let descriptor = open(input.path, O_RDONLY)
            defer { close(descriptor) }
            let rates = [8_000, 16_000, 22_050, 44_100, 48_000, 0, 1, 1_000_000]
            var source: AudioSource = try RawPCMSource(
                descriptor: descriptor, name: input.path, format: first & 1 == 0 ? .s16le : .f32le,
                sampleRate: rates[Int(first >> 1) % rates.count], channels: Int(first >> 4))
            _ = try source.readAll()
        case .multipart:
            let split = data.firstIndex(of: UInt8(ascii: "\n")) ?? data.endIndex
            let form = try RequestForm(body: ByteBuffer(bytes: data[min(split + 1, data.endIndex)...]),
                                       contentType: String(decoding: data[data.startIndex..<split], as: UTF8.self))
            _ = (form.text("model"), form.texts("timestamp_granularities"), form.file("file")?.bytes.readableBytes)
            _ = (try form.number("temperature"), try form.integer("n_best"), try form.flag("stream"))
        case .stream:
            let split = data.firstIndex(of: UInt8(ascii: "\n")) ?? data.endIndex
            let audio = try PushedAudio(try StreamParameters(query: String(decoding: data[data.startIndex..<split], as: UTF8.self)))
            var frames = data[min(split + 1, data.endIndex)...]
            while let length = frames.first {
                audio.push(ByteBuffer(bytes: frames.dropFirst().prefix(Int(length) * 7)))
                frames = frames.dropFirst(1 + Int(length) * 7)
            }
            audio.end()
            var source: AudioSource = audio
            _ = try source.readAll()
        }
    }

    /// tiny-whisper's files other than model.bin, copied once per process.
    private static func copyTinyWhisper(to folder: URL) throws {
        guard !FileManager.default.fileExists(atPath: folder.appendingPathComponent("config.json").path) else { return }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for name in ["config.json", "vocabulary.json", "tokenizer.json"] {
            try FileManager.default.copyItem(at: tinyWhisper.appendingPathComponent(name), to: folder.appendingPathComponent(name))
        }
    }
}
