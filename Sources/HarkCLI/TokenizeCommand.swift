// `hark tokenize`: discrete dMel speech tokens of a recording, as a .dmel file.
import ArgumentParser
import Features

enum TokenRecipe: String, ExpressibleByArgument, CaseIterable {
    case dmel, whisper
}

struct TokenizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenize",
        abstract: "Turn audio into dMel tokens (16 levels per mel channel per frame) in a .dmel file.",
        discussion: """
            --recipe dmel is the paper's recipe (80 channels, 80-7600 Hz, 12.5 ms frames, log10 amplitude \
            clipped to [-7, 2]); --recipe whisper quantizes Whisper's own log-mel so that \
            `hark transcribe file.dmel` can recognize the tokens.
              hark tokenize Audio/jfk.flac -o jfk.dmel
              hark tokenize Audio/jfk.flac --recipe whisper -o jfk-whisper.dmel
            """)

    @Argument(help: "Audio file, or '-' for standard input.")
    var input: String

    @Option(help: "Token recipe: dmel or whisper.")
    var recipe: TokenRecipe = .dmel

    @Option(help: "Frame hop in samples for the dmel recipe (200 = 12.5 ms at 16 kHz).")
    var hop: Int = 200

    @Option(help: "Mel bins for the whisper recipe: 80 or 128.")
    var mels: Int = 80

    @Option(name: .shortAndLong, help: "Output .dmel path (default: <input stem>.dmel).")
    var output: String?

    @OptionGroup var audio: AudioInputOptions

    func validate() throws {
        guard hop > 0 else { throw ValidationError("--hop must be positive") }
    }

    func run() throws {
        let samples = try audio.load(input)
        let chosen: DMelRecipe = recipe == .dmel ? .paper(hopLength: hop) : .whisper(melBins: mels)
        let tokens = try DMelEncoder(recipe: chosen).encode(samples)
        let path = output ?? "\(outputStem(for: input)).dmel"
        try writeAtomically(DMelFile.encode(tokens), to: path)
        printError("\(path): \(tokens.frames) frames x \(chosen.melBins) channels, recipe \(recipe.rawValue)")
    }
}
