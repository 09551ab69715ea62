// The `hark` command: a thin root that lists one subcommand per job.
import ArgumentParser

@main
struct Hark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hark",
        abstract: "Speech recognition and spoken-language understanding on ordinary CPUs.",
        discussion: """
            Every command reads audio files that libsndfile decodes (WAV, FLAC, OGG/Vorbis, Opus, MP3) at any \
            rate and channel count, or '-' for a WAV stream or raw PCM on standard input.
            """,
        subcommands: [
            InfoCommand.self,
            FeaturesCommand.self,
            TokenizeCommand.self,
            DetokenizeCommand.self,
            TranscribeCommand.self,
            StreamCommand.self,
            ClassifyCommand.self,
            AnswerCommand.self,
            GenerateCommand.self,
            BenchCommand.self,
            ServeCommand.self,
        ]
    )
}
