// `hark info`: what each audio file's header says.
import ArgumentParser
import Audio
import Foundation

struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Print the format, encoding, sample rate, channels and duration of audio files.",
        discussion: """
            One line per file. A file that cannot be read is reported on stderr and the others are still \
            printed; the exit code is 1 when any file failed.
              hark info Audio/jfk.flac Audio/librivox-0870.wav
            """)

    @Argument(help: "Audio files ('-' reads a WAV stream from standard input).")
    var files: [String]

    func run() throws {
        var failures = BatchFailures(total: files.count)
        for path in files {
            do {
                let info: AudioFileInfo
                if path == AudioInput.standardInputName {
                    info = try AudioFile(standardInputBlockFrames: 4096).info
                } else {
                    info = try AudioFile(path: path).info
                }
                let duration = String(format: "%.3f s", info.duration)
                print("\(info.path): \(info.format), \(info.encoding), \(info.sampleRate) Hz, \(info.channels) ch, \(duration)")
            } catch {
                failures.record(path, error)
            }
        }
        try failures.finish()
    }
}
