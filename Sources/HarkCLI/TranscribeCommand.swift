// `hark transcribe`: recordings (or .dmel token files) to text with a Whisper model, one or many at a time.
import ArgumentParser
import Features
import Foundation
import HarkNumerics
import VAD
import Whisper

extension WhisperTask: ExpressibleByArgument {}
extension TranscriptFormat: ExpressibleByArgument {}

struct TranscribeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "transcribe",
        abstract: "Transcribe recordings with a Whisper model (greedy or beam search, timestamps, long-form audio).",
        discussion: """
            Prints one line per segment, or writes DIR/<input stem>.<format> for each input with -o. A file \
            that cannot be read is reported and skipped; the exit code is 1 when any input failed. Re-running \
            with -o skips inputs whose outputs are already written (outputs appear atomically), unless --overwrite.
              hark transcribe Audio/jfk.flac
              hark transcribe --language es --beam-size 5 Audio/asterisk-es-vm-intro.flac
              hark transcribe -o out --output-format all Audio/*.flac
              hark transcribe --vad --word-timestamps -o out --output-format json meeting.flac
              arecord -f S16_LE -r 16000 -c 1 -d 10 | hark transcribe -
              hark tokenize --recipe whisper Audio/jfk.flac -o jfk.dmel && hark transcribe jfk.dmel
            """)

    @Argument(help: "Audio files, .dmel token files (whisper recipe), or '-' for standard input.")
    var inputs: [String]

    @OptionGroup var whisper: WhisperOptions

    @Option(help: "transcribe, or translate into English.")
    var task: WhisperTask = .transcribe

    @Option(help: "Beam size; 1 decodes greedily.")
    var beamSize = 5

    @Option(help: "Beam search patience factor.")
    var patience: Float = 1

    @Option(help: "Length penalty alpha for ranking beams (default: average log-probability).")
    var lengthPenalty: Float?

    @Flag(help: "Decode at temperature 0 only (no fallback to sampling when the text looks wrong).")
    var noFallback = false

    @Flag(help: "Decode without timestamp tokens (one segment per 30-s window).")
    var noTimestamps = false

    @Flag(help: "Time each word (JSON output gets a words list per segment, as openai-whisper and faster-whisper write it: each word with its leading space, start, end and probability; a segment's bounds become its words'): time warping over the alignment heads' cross-attention, punctuation kept with its word, over-long words clipped at sentence ends and after pauses. One more decoder pass per window; the text does not change.")
    var wordTimestamps = false

    @Option(help: "With --word-timestamps: skip silences longer than this (seconds) around a segment that looks hallucinated (improbable, very short or very long words), as faster-whisper's hallucination_silence_threshold.")
    var hallucinationSilenceThreshold: Double?

    @Option(help: "With --word-timestamps, srt and vtt: characters in a subtitle line before it breaks (openai-whisper's).")
    var maxLineWidth: Int?

    @Option(help: "With --word-timestamps and --max-line-width: lines in a subtitle (a pause over 3 s also starts one).")
    var maxLineCount: Int?

    @Option(help: "With --word-timestamps, without --max-line-width: words in a subtitle.")
    var maxWordsPerLine: Int?

    @Flag(help: "With --word-timestamps: a subtitle for each word as it is spoken, the word underlined (srt, vtt).")
    var highlightWords = false

    @Flag(help: "Do not feed the previous window's text as a prompt.")
    var noConditionOnPreviousText = false

    @Option(help: "Initial prompt text (vocabulary, spelling, style).")
    var prompt: String?

    @Option(help: "Hypotheses kept in the n-best list (JSON output), at most the beam size.")
    var nBest = 1

    @OptionGroup var speech: VADOptions

    @Option(help: "With --vad: decode this many chunks together (faster-whisper's BatchedInferencePipeline): the decoder runs every step of all their beams in one pass. Chunks in a batch are prompted with --prompt only, not the previous chunk's text.")
    var batchSize = 1

    @OptionGroup var threads: ThreadOptions

    @Option(name: .shortAndLong, help: "Write outputs into this folder instead of printing.")
    var outputDirectory: String?

    @Option(help: "Output format with -o: txt, srt, vtt, tsv, json or all.")
    var outputFormat = "txt"

    @Flag(help: "Redo inputs whose outputs already exist.")
    var overwrite = false

    @Flag(help: "At the end, print where the time went to standard error, as whisper.cpp does: model load, audio, VAD, features, the encoder (windows and their median), decoding, word timing.")
    var timings = false

    @OptionGroup var audio: AudioInputOptions

    func validate() throws {
        guard beamSize >= 1 else { throw ValidationError("--beam-size must be at least 1") }
        guard nBest >= 1 && nBest <= beamSize else { throw ValidationError("--n-best must be between 1 and --beam-size") }
        let layout: [(String, Bool)] = [("--max-line-width", maxLineWidth != nil), ("--max-line-count", maxLineCount != nil),
                                        ("--max-words-per-line", maxWordsPerLine != nil), ("--highlight-words", highlightWords)]
        if let (name, _) = layout.first(where: { $0.1 }), !wordTimestamps {
            throw ValidationError("\(name) needs --word-timestamps (subtitles are laid out from timed words)")
        }
        for (name, value) in [("--max-line-width", maxLineWidth), ("--max-line-count", maxLineCount), ("--max-words-per-line", maxWordsPerLine)] {
            if let value, value < 1 { throw ValidationError("\(name) must be at least 1") }
        }
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1") }
        guard batchSize == 1 || speech.vad else { throw ValidationError("--batch-size needs --vad (chunks are cut where the VAD finds pauses)") }
        if let threshold = hallucinationSilenceThreshold {
            guard wordTimestamps else { throw ValidationError("--hallucination-silence-threshold needs --word-timestamps") }
            guard threshold > 0 else { throw ValidationError("--hallucination-silence-threshold must be positive") }
        }
        guard outputFormat == "all" || TranscriptFormat(rawValue: outputFormat) != nil else {
            throw ValidationError("--output-format must be txt, srt, vtt, tsv, json or all")
        }
    }

    private var subtitles: SubtitleOptions {
        var subtitles = SubtitleOptions()
        subtitles.maxLineWidth = maxLineWidth
        subtitles.maxLineCount = maxLineCount
        subtitles.maxWordsPerLine = maxWordsPerLine
        subtitles.highlightWords = highlightWords
        return subtitles
    }

    private var formats: [TranscriptFormat] {
        outputFormat == "all" ? TranscriptFormat.allCases : [TranscriptFormat(rawValue: outputFormat)!]
    }

    private var options: DecodingOptions {
        var options = DecodingOptions()
        options.language = whisper.forcedLanguage
        options.task = task
        options.beamSize = beamSize
        options.patience = patience
        options.lengthPenalty = lengthPenalty
        if noFallback { options.temperatures = [0] }
        options.withoutTimestamps = noTimestamps
        options.wordTimestamps = wordTimestamps
        options.hallucinationSilenceThreshold = hallucinationSilenceThreshold
        options.conditionOnPreviousText = !noConditionOnPreviousText
        options.initialPrompt = prompt
        options.nBest = nBest
        return options
    }

    func run() throws {
        if let outputDirectory, let (first, second) = inputsSharingAStem() {
            throw CLIError.outputsCollide(first: first, second: second,
                                          output: "\(outputDirectory)/\(outputStem(for: first)).\(formats[0].rawValue)")
        }
        // The model loads when the first input has been read: a run whose inputs are all unreadable ends at once,
        // without the model's few hundred megabytes. Its errors (and a bad option for it) end the run.
        let pool = threads.pool()
        let stageTimings = timings ? StageTimings() : nil
        defer {
            if let stageTimings {
                fflush(stdout)
                printError(stageTimings.summary)
            }
        }
        var loaded: Transcriber?
        func transcriber() throws -> Transcriber {
            if let loaded { return loaded }
            let transcriber = Transcriber(model: try stageTimings.measure("model load") { try whisper.load(pool: pool) }, timings: stageTimings)
            try transcriber.check(options)
            loaded = transcriber
            return transcriber
        }
        var loadedVAD: SileroVAD?
        func vad() throws -> SileroVAD {
            if let loadedVAD { return loadedVAD }
            loadedVAD = try stageTimings.measure("VAD load") { try speech.loadModel() }
            return loadedVAD!
        }
        var failures = BatchFailures(total: inputs.count)
        for input in inputs {
            let stem = outputStem(for: input)
            let targets = outputDirectory.map { dir in formats.map { (URL(fileURLWithPath: dir).appendingPathComponent("\(stem).\($0.rawValue)").path, $0) } }
            if let targets, !overwrite, targets.allSatisfy({ FileManager.default.fileExists(atPath: $0.0) }) {
                printError("\(input): outputs exist, skipped (use --overwrite to redo)")
                continue
            }
            let decoded: TranscriptionInput
            do { decoded = try stageTimings.measure("audio") { try readInput(input) } } catch {
                failures.record(input, error)
                continue
            }
            let transcriber = try transcriber()
            let vadModel = speech.vad ? try vad() : nil
            do {
                let progress = ProgressBar(label: input)
                let result: Transcription
                switch decoded {
                case let .features(features):
                    result = try transcriber.transcribe(features: features, options: options, progress: { progress.update($0) })
                case let .samples(samples):
                    if let vadModel {
                        let chunks = stageTimings.measure("VAD") { speech.chunks(samples, model: vadModel, pool: pool) }
                        result = try transcriber.transcribe(samples, chunks: chunks, batchSize: batchSize, options: options,
                                                            progress: { progress.update($0) })
                    } else {
                        result = try transcriber.transcribe(samples, options: options, progress: { progress.update($0) })
                    }
                }
                progress.finish()
                if let targets {
                    try FileManager.default.createDirectory(atPath: outputDirectory!, withIntermediateDirectories: true)
                    for (path, format) in targets {
                        try writeAtomically(Data(format.render(result, subtitles: subtitles).utf8), to: path)
                    }
                } else {
                    for segment in result.segments {
                        print(noTimestamps ? segment.text.trimmingCharacters(in: .whitespaces)
                              : "[\(Self.clock(segment.start)) --> \(Self.clock(segment.end))]  \(segment.text.trimmingCharacters(in: .whitespaces))")
                    }
                }
            } catch {
                failures.record(input, error)
            }
        }
        try failures.finish()
    }

    private enum TranscriptionInput {
        case samples([Float])
        case features(Tensor)
    }

    /// An input's 16-kHz samples, or the log-mel features of a .dmel token file.
    private func readInput(_ input: String) throws -> TranscriptionInput {
        guard input.hasSuffix(".dmel") else { return .samples(try audio.load(input)) }
        guard !speech.vad else { throw ValidationError("\(input): --vad needs audio; a .dmel file holds features only") }
        let tokens = try DMelFile.read(URL(fileURLWithPath: input))
        guard tokens.recipe.kind == .whisper else {
            throw ValidationError("\(input): tokens use the dmel recipe; transcription needs `hark tokenize --recipe whisper`")
        }
        return .features(tokens.decoded())
    }

    /// Two inputs whose outputs would have the same name (the same file name in two folders): one run must not
    /// overwrite, or skip as done, what it wrote a moment before.
    private func inputsSharingAStem() -> (String, String)? {
        var firstByStem: [String: String] = [:]
        for input in inputs {
            let stem = outputStem(for: input)
            if let first = firstByStem[stem] { return (first, input) }
            firstByStem[stem] = input
        }
        return nil
    }

    /// MM:SS.mmm, whisper.cpp's console style.
    static func clock(_ seconds: Double) -> String {
        let milliseconds = Int((seconds * 1000).rounded())
        return String(format: "%02d:%02d.%03d", milliseconds / 60_000, milliseconds / 1000 % 60, milliseconds % 1000)
    }
}
