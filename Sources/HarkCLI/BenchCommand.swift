// `hark bench`: benchmark runs over JSONL manifests, merging shard outputs, and importing FLEURS.
import ArgumentParser
import Bench
import Foundation
import SLU
import Whisper

struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Score the cascade on SLU benchmarks (topic, multiple choice) and ASR, per language.",
        discussion: """
            Manifests are JSONL, one item per line (see README: id, lang, task topic|mcq|asr, audio, text, label, \
            question, options, answer). Results are appended to DIR/results.jsonl as items finish, so an \
            interrupted run resumes where it stopped; DIR/report.json, report.md and chart.svg are rewritten at \
            the end.
              hark bench Benchmarks/slu-mini/manifest.jsonl --out runs/mini --n-best 1,5 --calibration on,off
              hark bench manifest.jsonl --out runs/s1 --shard 1/3   (then: hark bench merge runs/s1 runs/s2 runs/s3 --out runs/all)
              hark bench heldout.jsonl --split dev --out runs/dev --n-best 5 --n-best-mode list,marginal   (then: hark bench tune runs/dev)
              hark bench import fleurs /data/fleurs --split test --out fleurs-test.jsonl
            """,
        subcommands: [BenchRunCommand.self, BenchMergeCommand.self, BenchTuneCommand.self, BenchImportCommand.self],
        defaultSubcommand: BenchRunCommand.self)
}

extension TextSource: ExpressibleByArgument {}

struct BenchRunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "Run manifests (the default subcommand: `hark bench MANIFEST... --out DIR`).")

    @Argument(help: "JSONL manifests.")
    var manifests: [String]

    @Option(help: "Output folder (results.jsonl, report.json, report.md, chart.svg).")
    var out: String

    @Option(help: "Whisper model name or folder.")
    var model = "base"

    @Option(help: ComputeType.help)
    var computeType = ComputeType.default

    @OptionGroup var llm: LLMOptions

    @Option(help: "Comma-separated n-best sizes; each is a configuration (1 = the best transcript only).")
    var nBest = "1"

    @Option(help: "Comma-separated ways n-best lists (K > 1) reach the LLM: marginal (one prompt per hypothesis, weighted by the posterior), list (one prompt listing them), merged (the best transcript with the others' variants inline: \"the vote/goal was close\").")
    var nBestMode = NBestMode.chosen.rawValue

    @Option(help: "Marginal configurations: temperature of the posterior over the n-best (choose it with `hark bench tune` on a dev split).")
    var posteriorTemperature = Marginalization.defaultTemperature

    @Option(help: "Comma-separated: on (calibrated scores), off (raw log-likelihoods: lm-evaluation-harness' acc), norm (raw per byte of the candidate: its acc_norm).")
    var calibration = "on"

    @Option(help: ArgumentHelp("A prompt template to compare (repeatable): {text} and optionally {labels} for topics, {passage}, {question} and optionally {options} for multiple choice; each is compared with the default.",
                               valueName: "file"))
    var promptTemplate: [String] = []

    @Flag(inversion: .prefixedNo, help: "With --text-source asr: also score each item's reference text and its n-best oracle (the hypothesis with the fewest word errors), to show how much of the error is the recognizer's.")
    var compare = true

    @Option(help: "Run only the items whose manifest \"split\" is this (e.g. dev: choose settings there, report test).")
    var split: String?

    @Option(help: "The LLM's input: asr (our recognizer), reference (the item's text) or dataset-asr (the dataset's own transcripts).")
    var textSource: TextSource = .asr

    @Option(help: "Spoken language for every item, overriding the manifest's lang.")
    var language: String?

    @Option(help: "Run only share K of N (e.g. 2/3), chosen by a hash of the item id.")
    var shard: String?

    @OptionGroup var threads: ThreadOptions

    func run() async throws {
        let nBestList = try parseList(nBest, name: "--n-best") { Int($0).flatMap { $0 >= 1 ? $0 : nil } }
        let scoringList = try parseList(calibration, name: "--calibration") { ["on": ScoreKind.calibrated, "off": .raw, "norm": .normalized][$0] }
        let modeList = try parseList(nBestMode, name: "--n-best-mode") { NBestMode(rawValue: $0) }
        guard posteriorTemperature > 0 else { throw ValidationError("--posterior-temperature must be positive") }
        let templates = try promptTemplate.map { try PromptTemplate(contentsOf: URL(fileURLWithPath: $0)) }
        let shard = try self.shard.map { try Shard(parsing: $0) }

        var entries: [ManifestEntry] = [], malformed = 0
        for path in manifests {
            do {
                let (read, errors) = try Manifest.read(URL(fileURLWithPath: path))
                for error in errors { printError(error.description) }
                malformed += errors.count
                entries += read
            } catch {
                // One unreadable manifest must not cost the others their run.
                printError("\(error)")
                malformed += 1
            }
        }
        if let shard { entries = entries.filter { shard.contains($0.item.id) } }
        if let split { entries = entries.filter { $0.item.split == split } }

        let tasks = Set(entries.map(\.item.task))
        let needsASR = tasks.contains("asr") || textSource == .asr
        let needsLLM = tasks.contains("topic") || tasks.contains("mcq")
        let pool = threads.pool()
        let recognizer = needsASR
            ? WhisperRecognizer(transcriber: Transcriber(model: try ModelRegistry.loadWhisper(model, computeType: computeType, pool: pool)),
                                forcedLanguage: language) : nil
        let scorer: LogLikelihoodScorer? = needsLLM ? try await llm.scorer(pool: pool) : nil

        let directory = URL(fileURLWithPath: out)
        let log = try ResultLog(directory: directory)
        let configurations = BenchConfiguration.grid(nBest: nBestList, modes: modeList, scoring: scoringList, textSource: textSource,
                                                     templates: [nil] + templates.map(\.name), compare: compare)
        let run = BenchRun(log: log, configurations: configurations, recognizer: recognizer, scorer: scorer,
                           templates: templates, temperature: posteriorTemperature)
        let bar = ProgressBar(label: "bench")
        run.progress = { bar.update(done: $0, of: $1) }
        try await run.run(entries)
        bar.finish()

        let report = BenchReport(records: log.orderedRecords)
        try report.write(to: directory)
        print(report.summary)
        let counts = run.counts
        printError("\(entries.count) items: \(counts.computed) results computed, \(counts.reused) reused from \(log.url.path), \(counts.failed) failed")
        if counts.failed + malformed > 0 {
            throw CLIError.someInputsFailed(failed: counts.failed + malformed, total: entries.count + malformed)
        }
    }

    private func parseList<T>(_ text: String, name: String, _ parse: (String) -> T?) throws -> [T] {
        let values = text.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }
        let parsed = values.compactMap(parse)
        guard !values.isEmpty, parsed.count == values.count else { throw ValidationError("\(name): cannot read \"\(text)\"") }
        return parsed
    }
}

struct BenchMergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge", abstract: "Combine shard folders' results and recompute the report.")

    @Argument(help: "Shard output folders (each with results.jsonl).")
    var folders: [String]

    @Option(help: "Output folder for the merged results.jsonl and report.")
    var out: String

    func run() throws {
        let directory = URL(fileURLWithPath: out)
        let merged = try ResultLog(directory: directory)
        for folder in folders {
            let url = URL(fileURLWithPath: folder).appendingPathComponent("results.jsonl")
            guard FileManager.default.fileExists(atPath: url.path) else { throw BenchError("\(url.path): no such file") }
            for record in try ResultLog.load(url).records where merged.record(record.key) != record {
                try merged.append(record)
            }
        }
        let report = BenchReport(records: merged.orderedRecords)
        try report.write(to: directory)
        print(report.summary)
    }
}

struct BenchTuneCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tune", abstract: "Choose the posterior temperature of marginal configurations from a finished run (run it on a dev split).",
        discussion: """
            Recombines the per-hypothesis scores that marginal configurations recorded under each temperature (no \
            model runs) and prints accuracy macro-averaged over languages; the best is marked. Pass the temperature \
            to `hark bench --posterior-temperature` and report the test split.
            """)

    @Argument(help: "A run's output folder (with results.jsonl).")
    var folder: String

    func run() throws {
        let url = URL(fileURLWithPath: folder).appendingPathComponent("results.jsonl")
        guard FileManager.default.fileExists(atPath: url.path) else { throw BenchError("\(url.path): no such file") }
        let sweep = TemperatureSweep(records: try ResultLog.load(url).records)
        guard !sweep.rows.isEmpty else { throw BenchError("\(url.path): no marginal results to tune (run with --n-best K --n-best-mode marginal)") }
        print(sweep.table)
    }
}

struct BenchImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import", abstract: "Write a manifest for a dataset on disk (fleurs: the FLEURS release layout).",
        discussion: """
            fleurs: ROOT/<lang>/<split>.tsv and ROOT/<lang>/audio/<split>/*.wav, as the FLEURS release unpacks. \
            SIB-Fleurs and Belebele-Fleurs come as Hugging Face parquet: convert them with \
            Benchmarks/importers/parquet_to_manifest.py.
            """)

    @Argument(help: "Dataset kind: fleurs.")
    var kind: String

    @Argument(help: "Dataset root folder.")
    var root: String

    @Option(help: "Split: train, dev or test.")
    var split = "test"

    @Option(help: "Comma-separated language folders (default: all).")
    var languages: String?

    @Option(help: "Manifest to write (audio paths relative to it).")
    var out: String

    func run() throws {
        guard kind == "fleurs" else { throw ValidationError("unknown dataset kind '\(kind)' (known: fleurs)") }
        let outURL = URL(fileURLWithPath: out)
        try FileManager.default.createDirectory(at: outURL.deletingLastPathComponent(), withIntermediateDirectories: true)
        let (items, problems) = try FleursImport.items(
            root: URL(fileURLWithPath: root), split: split,
            languages: languages.map { $0.split(separator: ",").map(String.init) }, manifestFolder: outURL.deletingLastPathComponent())
        for problem in problems { printError(problem.description) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var data = Data()
        for item in items { data += try encoder.encode(item) + Data("\n".utf8) }
        try writeAtomically(data, to: out)
        printError("\(items.count) items written to \(out)")
        if !problems.isEmpty { throw CLIError.someInputsFailed(failed: problems.count, total: items.count + problems.count) }
    }
}
