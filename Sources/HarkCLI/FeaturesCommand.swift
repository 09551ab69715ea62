// `hark features`: Whisper log-mel or dMel features of a recording, as a NumPy .npy file.
import ArgumentParser
import Features
import Foundation

enum FeatureKind: String, ExpressibleByArgument, CaseIterable {
    case whisperMel = "whisper-mel"
    case dmel
}

struct FeaturesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "features",
        abstract: "Compute Whisper log-mel or dMel features and write them as .npy (float32, frames x mels).",
        discussion: """
            whisper-mel equals openai-whisper's log_mel_spectrogram (16 kHz, 25 ms window, 10 ms hop, \
            normalized); dmel is the paper's log10 amplitude mel (80 channels, 12.5 ms hop) before quantization.
              hark features Audio/jfk.flac -o jfk.npy
              hark features Audio/jfk.flac --kind dmel -o jfk-dmel.npy
              sox in.wav -t wav - | hark features - -o out.npy
            """)

    @Argument(help: "Audio file, or '-' for standard input.")
    var input: String

    @Option(help: "Feature kind: whisper-mel or dmel.")
    var kind: FeatureKind = .whisperMel

    @Option(help: "Mel bins for whisper-mel: 80 (most models) or 128 (large-v3).")
    var mels: Int = 80

    @Option(name: .shortAndLong, help: "Output .npy path (default: <input stem>.npy, or features.npy for stdin).")
    var output: String?

    @OptionGroup var audio: AudioInputOptions

    func run() throws {
        let samples = try audio.load(input)
        let features = switch kind {
        case .whisperMel: try WhisperLogMel(melBins: mels)(samples)
        case .dmel: try DMelEncoder(recipe: .paper()).continuousFeatures(samples)
        }
        let path = output ?? "\(outputStem(for: input, stdinStem: "features")).npy"
        try writeAtomically(NPY.encode(features), to: path)
        printError("\(path): \(features.rows) frames x \(features.columns) mels")
    }
}
