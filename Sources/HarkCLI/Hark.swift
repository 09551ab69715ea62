// The `hark` command: a thin root that lists one subcommand per job.
import ArgumentParser
import CMalloc

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

    /// Every command runs with freed memory kept for reuse. glibc gives blocks of 128 KB or more back to the
    /// kernel when they are freed (and trims the heap's free top past 128 KB), so each encoder layer's activations
    /// (about 60 MB at 1500 positions) came back as fresh zero-filled pages, a fault every 4 KB; on these virtual
    /// machines a page given back may go to the host, and faulting it in again costs several microseconds.
    /// One arena for all threads: each thread's own arena (the pool's, the task's) gave its free memory back on
    /// its own terms, and a batched run faulted in 275k pages instead of 152k.
    static func main() async {
        mallopt(M_MMAP_THRESHOLD, 32 << 20)  // glibc's largest: blocks above it are still mapped on their own
        mallopt(M_TRIM_THRESHOLD, 512 << 20)
        mallopt(M_ARENA_MAX, 1)
        await main(nil)
    }
}
