// `hark bench` end to end with the embedded LLM: shards plus merge equal one run, an interrupted run resumes
// without recomputing, bad items and lines are reported and skipped, the chart renders, the importers feed runs.
import XCTest
import Foundation
import TestSupport

final class BenchCommandTests: XCTestCase {
    /// Topic items from the committed test sentences (English and Spanish) and the MCQ items, scored on their
    /// reference text so that the LLM stage alone runs.
    private func writeManifest(in folder: URL, extraLines: [String] = []) throws -> URL {
        var lines: [String] = []
        let topics = try String(contentsOf: TestPaths.fixture("slu/topic-sentences.tsv"), encoding: .utf8).split(separator: "\n").dropFirst()
        for (i, row) in topics.enumerated() {
            let f = row.split(separator: "\t").map(String.init)
            guard f[0] == "en" || f[0] == "es" else { continue }
            lines.append(try json(["id": "topic-\(i)", "lang": f[0], "task": "topic", "audio": "unused.wav", "label": f[1], "text": f[2]]))
        }
        let mcq = try String(contentsOf: TestPaths.fixture("slu/mcq-items.tsv"), encoding: .utf8).split(separator: "\n").dropFirst()
        for (i, row) in mcq.prefix(4).enumerated() {
            let f = row.split(separator: "\t").map(String.init)
            lines.append(try json(["id": "mcq-\(i)", "lang": "en", "task": "mcq", "audio": "unused.wav", "text": f[0], "question": f[1],
                                   "options": Array(f[2...5]), "answer": Int(f[6])!]))
        }
        let url = folder.appendingPathComponent("manifest.jsonl")
        try (lines + extraLines).joined(separator: "\n").write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    private func json(_ object: [String: Any]) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
    }

    private let referenceRun = ["--text-source", "reference", "--calibration", "on,off", "--threads", "1"]

    /// The shards run through the cluster scripts themselves, with Slurm's variables set as an array job sets them.
    func testThreeShardsMergedGiveTheSameReportAsOneRun() throws {
        let folder = try TestPaths.temporaryDirectory()
        let manifest = try writeManifest(in: folder).path
        let whole = try HarkProcess.run(["bench", manifest, "--out", folder.appendingPathComponent("whole").path] + referenceRun)
        XCTAssertEqual(whole.status, 0, whole.stderr)
        XCTAssertTrue(whole.stderr.hasSuffix("18 items: 36 results computed, 0 reused from \(folder.path)/whole/results.jsonl, 0 failed\n"), whole.stderr)
        let cluster = TestPaths.root.appendingPathComponent("Benchmarks/cluster")
        let environment = ["HARK": HarkProcess.executable.path, "MANIFESTS": manifest, "RUNS": folder.appendingPathComponent("runs").path,
                           "LLM_URL": "", "SLURM_ARRAY_TASK_COUNT": "3", "SLURM_CPUS_PER_TASK": "1",
                           "BENCH_ARGS": "--text-source reference --calibration on,off"]
        for k in 1...3 {
            let shard = try HarkProcess.runTool(cluster.appendingPathComponent("slurm-bench.sbatch"), [],
                                                environment: environment.merging(["SLURM_ARRAY_TASK_ID": "\(k)"]) { $1 })
            XCTAssertEqual(shard.status, 0, shard.stderr)
        }
        let merged = try HarkProcess.runTool(cluster.appendingPathComponent("slurm-merge.sbatch"), [], environment: environment)
        XCTAssertEqual(merged.status, 0, merged.stderr)
        XCTAssertEqual(merged.stdout, whole.stdout)
        // Every metric, interval and error is identical; only the measured seconds per item differ between runs.
        func report(_ run: String) throws -> [String: NSObject] {
            var object = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("\(run)/report.json"))) as! [String: NSObject]
            XCTAssertNotNil(object.removeValue(forKey: "timings"))
            return object
        }
        XCTAssertEqual(try report("runs/merged"), try report("whole"))
        XCTAssertEqual(try Data(contentsOf: folder.appendingPathComponent("runs/merged/chart.svg")),
                       try Data(contentsOf: folder.appendingPathComponent("whole/chart.svg")))
        func tables(_ run: String) throws -> Substring {
            let markdown = try String(contentsOf: folder.appendingPathComponent("\(run)/report.md"), encoding: .utf8)
            return markdown[..<markdown.range(of: "## Time per item")!.lowerBound]
        }
        XCTAssertEqual(try tables("runs/merged"), try tables("whole"))
        // Calibrated and raw side by side, per language and task.
        let report = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("whole/report.json"))) as! [String: Any]
        let rows = report["rows"] as! [[String: Any]]
        XCTAssertEqual(Set(rows.map { "\($0["task"]!) \($0["config"]!) \($0["lang"]!)" }), [
            "topic reference/cal en", "topic reference/raw en", "topic reference/cal es", "topic reference/raw es",
            "mcq reference/cal en", "mcq reference/raw en",
        ])
    }

    /// Speech through every n-best input on a dev split, scored per byte with the default and a given template;
    /// `hark bench tune` then sweeps the marginal configurations' temperature from what they recorded.
    func testNBestModesTemplatesAndTuneOnADevSplit() throws {
        let folder = try TestPaths.temporaryDirectory()
        let template = folder.appendingPathComponent("question.txt")
        try "Text: {text}\nQuestion: which of {labels}?\nAnswer:\n".write(to: template, atomically: true, encoding: .utf8)
        let manifest = folder.appendingPathComponent("m.jsonl")
        try [try json(["id": "jfk", "lang": "en", "task": "topic", "split": "dev", "audio": TestPaths.audio("jfk.flac").path, "label": "politics",
                       "text": "And so my fellow Americans, ask not what your country can do for you, ask what you can do for your country."]),
             // Not in the dev split: never run, so its missing audio is no error.
             try json(["id": "held-out", "lang": "en", "task": "topic", "split": "test", "audio": "missing.wav", "label": "sports", "text": "x"])]
            .joined(separator: "\n").write(to: manifest, atomically: true, encoding: .utf8)
        let out = folder.appendingPathComponent("run")
        let result = try HarkProcess.run(["bench", manifest.path, "--out", out.path, "--split", "dev", "--model", "tiny.en", "--n-best", "1,3",
                                          "--n-best-mode", "marginal,merged", "--calibration", "norm", "--prompt-template", template.path,
                                          "--threads", "1"])
        XCTAssertEqual(result.status, 0, result.stderr)
        // The ASR pass and five inputs (n1, marginal, merged, oracle, reference) under two templates.
        XCTAssertTrue(result.stderr.hasSuffix("1 items: 11 results computed, 0 reused from \(out.path)/results.jsonl, 0 failed\n"), result.stderr)
        let records = try String(contentsOf: out.appendingPathComponent("results.jsonl"), encoding: .utf8).split(separator: "\n")
            .map { try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
        let inputs = ["n1", "n3-marginal", "n3-merged", "n3-oracle", "reference"]
        XCTAssertEqual(Set(records.compactMap { $0["config"] as? String }),
                       Set(["asr"] + inputs.map { "\($0)/norm" } + inputs.map { "\($0)/norm@question" }))
        let marginal = try XCTUnwrap(records.first { $0["config"] as? String == "n3-marginal/norm@question" })
        XCTAssertEqual(try XCTUnwrap(marginal["weights"] as? [Double]).reduce(0, +), 1, accuracy: 1e-9)
        XCTAssertTrue(try XCTUnwrap(marginal["prompt"] as? String).hasPrefix("Text: "), "the given template")

        let tune = try HarkProcess.run(["bench", "tune", out.path])
        XCTAssertEqual(tune.status, 0, tune.stderr)
        let lines = tune.stdout.split(separator: "\n")
        XCTAssertEqual(lines.count, 1 + 2 * 10, tune.stdout)
        XCTAssertEqual(lines.filter { $0.hasSuffix("<- best") }.count, 2, "one temperature chosen per configuration")

        let missing = try HarkProcess.run(["bench", manifest.path, "--out", out.path, "--text-source", "reference", "--prompt-template", "/nonexistent.txt"])
        XCTAssertEqual(missing.status, 1)
        XCTAssertEqual(missing.stderr, "Error: /nonexistent.txt: cannot read the prompt template\n")
    }

    func testAnInterruptedRunResumesWithoutRecomputingFinishedItems() throws {
        let folder = try TestPaths.temporaryDirectory()
        let manifest = try writeManifest(in: folder).path
        let out = folder.appendingPathComponent("run")
        let results = out.appendingPathComponent("results.jsonl")

        let process = Process()
        process.executableURL = HarkProcess.executable
        process.arguments = ["bench", manifest, "--out", out.path] + referenceRun
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline, ((try? String(contentsOf: results, encoding: .utf8))?.filter { $0 == "\n" }.count ?? 0) < 6 {
            Thread.sleep(forTimeInterval: 0.05)
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        let finished = try String(contentsOf: results, encoding: .utf8).filter { $0 == "\n" }.count
        XCTAssertGreaterThanOrEqual(finished, 6)
        XCTAssertLessThan(finished, 36, "the run was killed before it finished")

        let resumed = try HarkProcess.run(["bench", manifest, "--out", out.path] + referenceRun)
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertTrue(resumed.stderr.hasSuffix("18 items: \(36 - finished) results computed, \(finished) reused from \(results.path), 0 failed\n"),
                      resumed.stderr)
        let keys = try String(contentsOf: results, encoding: .utf8).split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
        }.map { $0["key"] as! String }
        XCTAssertEqual(keys.count, 36)
        XCTAssertEqual(Set(keys).count, 36, "no item and configuration is recorded twice")
    }

    func testBadLinesAndItemsAreReportedAndTheRestRuns() throws {
        let folder = try TestPaths.temporaryDirectory()
        let manifest = folder.appendingPathComponent("bad.jsonl")
        try """
            {"id": "good", "lang": "en", "task": "topic", "audio": "x.wav", "label": "sports", "text": "The striker scored twice in the final."}
            {"id": "broken", "lang": "en",
            {"id": "no-audio", "lang": "en", "task": "asr", "audio": "missing.wav", "text": "hello"}
            {"id": "bad-answer", "lang": "en", "task": "mcq", "audio": "x.wav", "question": "q", "options": ["a", "b", "c", "d"], "answer": 5}
            """.write(to: manifest, atomically: true, encoding: .utf8)
        let out = folder.appendingPathComponent("run")
        let result = try HarkProcess.run(["bench", manifest.path, "--out", out.path, "--text-source", "reference", "--model", "tiny.en"])
        XCTAssertEqual(result.status, 1)
        XCTAssertEqual(result.stderr, """
            \(manifest.path):2: not a JSON object
            3 items: 1 results computed, 0 reused from \(out.path)/results.jsonl, 2 failed
            Error: 3 of 4 inputs failed

            """)
        let markdown = try String(contentsOf: out.appendingPathComponent("report.md"), encoding: .utf8)
        XCTAssertTrue(markdown.contains("""
            - bad.jsonl:3 `no-audio`: missing audio file \(folder.path)/missing.wav
            - bad.jsonl:4 `bad-answer`: bad answer index 5: expected 1 to 4
            """), markdown)
        XCTAssertTrue(markdown.contains("| en | 1 | 100.0 [100.0, 100.0] |"), markdown)
    }

    func testChartRendersToPNG() throws {
        let folder = try TestPaths.temporaryDirectory()
        let manifest = try writeManifest(in: folder).path
        let out = folder.appendingPathComponent("run")
        XCTAssertEqual(try HarkProcess.run(["bench", manifest, "--out", out.path, "--shard", "1/3"] + referenceRun).status, 0)
        let png = folder.appendingPathComponent("chart.png")
        let render = Process()
        render.executableURL = URL(fileURLWithPath: "/usr/bin/rsvg-convert")
        render.arguments = [out.appendingPathComponent("chart.svg").path, "-o", png.path]
        try render.run()
        render.waitUntilExit()
        XCTAssertEqual(render.terminationStatus, 0)
        let data = try Data(contentsOf: png)
        XCTAssertEqual(Array(data.prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        // PNG width, big-endian at byte 16: the SVG's own width.
        let width = data[16..<20].reduce(0) { $0 << 8 | Int($1) }
        XCTAssertEqual(width, 640)
    }

    func testImportedDatasetsRunWithTheirOwnTranscripts() throws {
        let folder = try TestPaths.temporaryDirectory()
        let converter = Process()
        converter.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        converter.arguments = ["python3", TestPaths.root.appendingPathComponent("Benchmarks/importers/parquet_to_manifest.py").path,
                               "sib", TestPaths.fixture("bench/sib-fleurs").path, "--out", folder.path]
        try converter.run()
        converter.waitUntilExit()
        XCTAssertEqual(converter.terminationStatus, 0, "the converter needs pyarrow and soundfile (make installs them)")
        let manifest = folder.appendingPathComponent("manifest.jsonl").path
        let info = try HarkProcess.run(["info", folder.appendingPathComponent("audio/eng_Latn/1501b.flac").path])
        XCTAssertTrue(info.stdout.contains("1.200 s"), info.stdout)

        let out = folder.appendingPathComponent("run").path
        let run = try HarkProcess.run(["bench", manifest, "--out", out, "--text-source", "dataset-asr", "--threads", "1"])
        XCTAssertEqual(run.status, 0, run.stderr)
        let records = try String(contentsOf: URL(fileURLWithPath: out + "/results.jsonl"), encoding: .utf8).split(separator: "\n")
            .map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        XCTAssertEqual(records.map { $0["item"] as! String }, ["sib/eng_Latn/1501/0", "sib/eng_Latn/1501/1", "sib/eng_Latn/1502/0"])
        XCTAssertEqual(records.map { ($0["transcripts"] as! [[String: Any]])[0]["text"] as! String },
                       ["The probe measured the planets magnetic field.", "The probe measured the planet's magnetic fields.",
                        "The goalkeeper saved a penalty in the last minute."])
        XCTAssertEqual(records.map { $0["expected"] as! String }, ["science/technology", "science/technology", "sports"])

        let fleurs = try HarkProcess.run(["bench", "import", "fleurs", TestPaths.fixture("bench/fleurs").path,
                                          "--languages", "en_us", "--out", folder.appendingPathComponent("fleurs/m.jsonl").path])
        XCTAssertEqual(fleurs.status, 1)
        XCTAssertTrue(fleurs.stderr.hasPrefix("\(TestPaths.fixture("bench/fleurs").path)/en_us/test.tsv:3: missing audio"), fleurs.stderr)
        XCTAssertEqual(try String(contentsOf: folder.appendingPathComponent("fleurs/m.jsonl"), encoding: .utf8).split(separator: "\n").count, 2)
    }
}
