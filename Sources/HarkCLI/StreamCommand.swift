// `hark stream -`: live recognition of audio on standard input, with partial and final text as it goes.
import ArgumentParser
import Audio
import Dispatch
import Foundation
import Streaming
import Whisper
#if canImport(Glibc)
import Glibc
#endif

struct StreamCommand: ParsableCommand {
    enum Output: String, ExpressibleByArgument { case text, jsonl }

    static let configuration = CommandConfiguration(
        commandName: "stream",
        abstract: "Transcribe live audio from a pipe: voice activity detection, endpointing, stable partial results.",
        discussion: """
            Reads a WAV stream, or raw PCM with --format, from standard input at any pace. Speech is decoded \
            every --step-ms; words the newest decode agrees on with one of the two before it are final \
            (LocalAgreement). An utterance ends after --endpoint-ms of silence or at --max-utterance-s.
              arecord -f S16_LE -r 16000 -c 1 | hark stream -
              ffmpeg -i rtsp://... -f s16le -ac 1 -ar 16000 - | hark stream - --format s16le --rate 16000
            Exit codes: 0 at the end of input, on SIGINT (the last text is flushed first) and when standard \
            output is closed; 1 when the input cannot be read or the model cannot be loaded; 64 for bad usage.
            """)

    /// The recognizer's own defaults, so the flags show and pass on the same values.
    private static let defaults = StreamOptions()

    @Argument(help: "'-' for standard input.")
    var input: String

    @OptionGroup var whisper: WhisperOptions

    @Option(help: "text (partials rewrite the line on a terminal, finals end it) or jsonl (one event per line).")
    var output: Output = .text

    @Option(help: "Re-decode the growing utterance after this much new audio, in milliseconds.")
    var stepMs = StreamCommand.defaults.stepMilliseconds

    @Option(help: "Silence that ends an utterance, in milliseconds.")
    var endpointMs = Int(StreamCommand.defaults.endpointSeconds * 1000)

    @Option(help: "Longest utterance before it is ended without a pause, in seconds.")
    var maxUtteranceS = StreamCommand.defaults.maxUtteranceSeconds

    @Option(help: "Audio kept for re-decoding, in seconds: past this, the complete segments of the latest hypothesis are committed as they are (shorter: cheaper passes, fewer words confirmed by agreement).")
    var maxBufferS = StreamCommand.defaults.maxBufferSeconds

    @Option(help: "Once this much audio is buffered, cut it right after the committed words (Whisper's word timings), in seconds.")
    var trimAfterS = StreamCommand.defaults.wordTrimSeconds

    @OptionGroup var threads: ThreadOptions

    @Flag(inversion: .prefixedNo, help: "Pad the encoder's input only to the buffer (at least 10 s), not to Whisper's 30-s window: a pass costs about a third (base, 2 cores: 0.4 s against 1.4 s). With the buffer cut after committed words it measured as accurate as the 30-s window.")
    var shortEncoderWindow = true

    @Flag(help: "At the end, print the number of decode passes and their mean and longest wall time on stderr.")
    var stats = false

    @OptionGroup var audio: AudioInputOptions

    func validate() throws {
        guard input == AudioInput.standardInputName else { throw ValidationError("stream reads standard input: give '-'") }
        guard audio.rate > 0 else { throw ValidationError("--rate must be positive") }
        guard audio.channels > 0 else { throw ValidationError("--channels must be positive") }
        guard stepMs >= 100 else { throw ValidationError("--step-ms must be at least 100") }
        guard endpointMs >= 100 else { throw ValidationError("--endpoint-ms must be at least 100") }
        guard maxUtteranceS >= 1 else { throw ValidationError("--max-utterance-s must be at least 1") }
        guard (2...28).contains(maxBufferS) else { throw ValidationError("--max-buffer-s must be between 2 and 28") }
        guard trimAfterS >= 0 else { throw ValidationError("--trim-after-s must not be negative") }
    }

    func run() throws {
        // A closed stdout shows up as EPIPE from write (handled in EventPrinter), not as a fatal signal.
        signal(SIGPIPE, SIG_IGN)
        var options = StreamOptions()
        options.stepMilliseconds = stepMs
        options.endpointSeconds = Double(endpointMs) / 1000
        options.maxUtteranceSeconds = maxUtteranceS
        options.maxBufferSeconds = maxBufferS
        options.wordTrimSeconds = trimAfterS
        let decoder = WhisperUtteranceDecoder(model: try whisper.load(pool: threads.pool()), language: whisper.forcedLanguage,
                                              shortEncoderWindows: shortEncoderWindow)
        try decoder.transcriber.check(decoder.options)
        let recognizer = StreamRecognizer(decoder: decoder, options: options)
        let printer = EventPrinter(jsonl: output == .jsonl, terminal: isatty(STDOUT_FILENO) == 1)

        let pump: AudioPump
        do {
            pump = AudioPump(source: try audio.open(input))
        } catch {
            printError("\(error)")
            throw ExitCode.failure
        }
        // SIGINT ends the input: the loop below then flushes the open utterance and exits 0.
        signal(SIGINT, SIG_IGN)
        let interrupt = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        interrupt.setEventHandler { pump.stop() }
        interrupt.resume()

        do {
            while let block = try pump.next(stepSamples: options.stepSamples) {
                printer.print(try recognizer.feed(block))
            }
            printer.print(try recognizer.finish())
        } catch {
            printer.print((try? recognizer.finish()) ?? [])
            printError("\(error)")
            throw ExitCode.failure
        }
        for warning in pump.sourceWarnings { printError("warning: \(warning)") }
        if stats {
            let cost = recognizer.decodeCost
            printError(String(format: "decode passes: %d, mean %.2f s, longest %.2f s", cost.count, cost.mean, cost.maximum))
        }
    }
}

/// Writes events as they come, one write per event so a reader sees each at once; exits quietly when the
/// reader has gone (`| head -1`).
final class EventPrinter {
    let jsonl: Bool
    let terminal: Bool
    /// Committed text of the open utterance, for the text output's current line.
    private var line = ""

    init(jsonl: Bool, terminal: Bool) {
        self.jsonl = jsonl
        self.terminal = terminal
    }

    func print(_ events: [StreamEvent]) {
        for event in events {
            if jsonl {
                if let json = event.jsonLine { write(json + "\n") }
                continue
            }
            switch event.kind {
            case .final:
                line += (line.isEmpty ? "" : " ") + event.text
                if terminal { rewrite(line) }
            case .partial:
                if terminal { rewrite(line + (line.isEmpty || event.text.isEmpty ? "" : " ") + event.text) }
            case .endOfUtterance:
                // The whole utterance, wrapped as long as it is: nothing rewrites it after the newline.
                if terminal { write("\r\u{1B}[K" + line + (line.isEmpty ? "" : "\n")) } else if !line.isEmpty { write(line + "\n") }
                line = ""
            }
        }
    }

    /// Replaces the row the cursor is on with as much of the text's end as fits on it.
    private func rewrite(_ text: String) {
        write("\r\u{1B}[K" + TerminalLine.tail(text, columns: TerminalLine.columns))
    }

    private func write(_ text: String) {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let written = bytes.withUnsafeBytes { Glibc.write(STDOUT_FILENO, $0.baseAddress, $0.count) }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { exit(0) }
            bytes = bytes.dropFirst(written)
        }
    }
}
