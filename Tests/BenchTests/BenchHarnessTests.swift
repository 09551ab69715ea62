// The benchmark harness without models: manifests, shards, the results log, intervals, language codes, FLEURS import.
import XCTest
import Foundation
@testable import Bench
import Scoring
import TestSupport

final class ManifestTests: XCTestCase {
    func testReadsItemsAndReportsMalformedLinesByNumber() throws {
        let folder = try TestPaths.temporaryDirectory()
        let url = folder.appendingPathComponent("m.jsonl")
        try """
            {"id": "a", "lang": "en", "task": "topic", "audio": "a.wav", "label": "sports"}
            # a comment

            {"id": "b", "lang": "es", "task": "mcq", "audio": ["b1.wav", "/abs/b2.wav"], "question": "q", "options": ["1", "2", "3", "4"], "answer": 2}
            {"id": "c", "lang": "en"
            {"lang": "en", "task": "asr"}
            {"id": 5, "lang": "en", "task": "asr"}
            """.write(to: url, atomically: true, encoding: .utf8)
        let (entries, errors) = try Manifest.read(url)
        XCTAssertEqual(entries.map(\.item.id), ["a", "b"])
        XCTAssertEqual(entries.map(\.line), [1, 4])
        XCTAssertEqual(entries[1].audioURLs.map(\.path), [folder.appendingPathComponent("b1.wav").path, "/abs/b2.wav"])
        XCTAssertEqual(errors.map(\.description), [
            "\(url.path):5: not a JSON object",
            "\(url.path):6: missing \"id\"",
            "\(url.path):7: wrong type for \"id\"",
        ])
    }

    func testBadItemsSayWhy() throws {
        func problem(_ item: BenchItem) -> String? {
            do { _ = try item.validatedTask(); return nil } catch { return "\(error)" }
        }
        XCTAssertEqual(problem(BenchItem(id: "x", lang: "en", task: .topic, audio: [], label: "sports")), nil)
        var unknown = BenchItem(id: "x", lang: "en", task: .asr, audio: [], text: "t")
        unknown.task = "summarize"
        XCTAssertEqual(problem(unknown), "unknown task \"summarize\" (expected topic, mcq or asr)")
        XCTAssertEqual(problem(BenchItem(id: "x", lang: "en", task: .topic, audio: [], label: "cooking")),
                       "label \"cooking\" is not one of the item's labels")
        XCTAssertEqual(problem(BenchItem(id: "x", lang: "en", task: .mcq, audio: [], question: "q", options: ["a", "b", "c", "d"], answer: 0)),
                       "bad answer index 0: expected 1 to 4")
        XCTAssertEqual(problem(BenchItem(id: "x", lang: "en", task: .mcq, audio: [], question: "q", options: ["a", "b"], answer: 1)),
                       "an mcq item needs 4 \"options\", got 2")
        XCTAssertEqual(problem(BenchItem(id: "x", lang: "en", task: .asr, audio: [])), "an asr item needs the reference \"text\"")
    }
}

final class ShardAndConfigurationTests: XCTestCase {
    func testShardsPartitionTheItems() throws {
        let ids = (0..<300).map { "item-\($0)" }
        let shards = try (1...3).map { try Shard(parsing: "\($0)/3") }
        for id in ids { XCTAssertEqual(shards.filter { $0.contains(id) }.count, 1, id) }
        // A fair share each: 100 expected, a hash split of 300 stays well within 70-130.
        for shard in shards { XCTAssertTrue((70...130).contains(ids.filter(shard.contains).count)) }
        XCTAssertThrowsError(try Shard(parsing: "4/3")) { XCTAssertEqual("\($0)", "--shard must be K/N with 1 <= K <= N, got \"4/3\"") }
        XCTAssertThrowsError(try Shard(parsing: "1-3"))
    }

    func testGridNamesEveryCombination() {
        XCTAssertEqual(BenchConfiguration.grid(nBest: [1, 5], scoring: [.calibrated, .raw], textSource: .asr).map(\.name),
                       ["n1/cal", "n1/raw", "n5/cal", "n5/raw"])
        XCTAssertEqual(BenchConfiguration.grid(nBest: [1, 5], scoring: [.calibrated], textSource: .reference).map(\.name), ["reference/cal"])
        // A 1-best list is the same in both modes; the comparisons add the oracle of the largest list and the reference.
        XCTAssertEqual(BenchConfiguration.grid(nBest: [1, 5], modes: [.list, .marginal], scoring: [.normalized], textSource: .asr,
                                               templates: [nil, "short"], compare: true).map(\.name),
                       ["n1/norm", "n5/norm", "n5-marginal/norm", "n5-oracle/norm", "reference/norm",
                        "n1/norm@short", "n5/norm@short", "n5-marginal/norm@short", "n5-oracle/norm@short", "reference/norm@short"])
    }

    func testWhisperLanguageCodes() {
        XCTAssertEqual(WhisperLanguage.code(for: "en"), "en")
        XCTAssertEqual(WhisperLanguage.code(for: "en_us"), "en")
        XCTAssertEqual(WhisperLanguage.code(for: "eng_Latn"), "en")
        XCTAssertEqual(WhisperLanguage.code(for: "cmn_hans_cn"), "zh")
        XCTAssertEqual(WhisperLanguage.code(for: "jav_Latn"), "jw")
        XCTAssertEqual(WhisperLanguage.code(for: "ceb_Latn"), nil)
        XCTAssertEqual(WhisperLanguage.code(for: "xx", supported: ["en", "es"]), nil)
    }
}

final class ResultLogTests: XCTestCase {
    private func record(_ key: String) -> BenchRecord {
        let entry = ManifestEntry(item: BenchItem(id: key, lang: "en", task: .topic, audio: [], label: "sports"),
                                  manifest: URL(fileURLWithPath: "/m.jsonl"), line: 1)
        var record = BenchRecord(key: key, entry: entry, config: "n1/cal")
        record.correct = true
        return record
    }

    func testACrashesPartialLastLineIsCutOffAndTheRestKept() throws {
        let folder = try TestPaths.temporaryDirectory()
        do {
            let log = try ResultLog(directory: folder)
            try log.append(record("a"))
            try log.append(record("b"))
        }
        let url = folder.appendingPathComponent("results.jsonl")
        let handle = try FileHandle(forWritingTo: url)
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("{\"key\": \"c\", \"ite".utf8))
        try handle.close()

        let log = try ResultLog(directory: folder)
        XCTAssertEqual(log.order, ["a", "b"])
        try log.append(record("d"))
        XCTAssertEqual(try ResultLog.load(url).records.map(\.key), ["a", "b", "d"])
    }

    /// The disk fills in the middle of a record: the error names the file, and the part written is cut off, so the
    /// next record (once there is room) is not glued to it into a damaged line.
    func testARecordThatDoesNotFitOnTheDiskLeavesNoPartOfItself() throws {
        let disk = try SmallFileSystem(kilobytes: 64)
        let log = try ResultLog(directory: disk.url)
        try log.append(record("a"))
        try disk.fill()
        var long = record("b")
        long.note = String(repeating: "n", count: 8000)
        XCTAssertThrowsError(try log.append(long)) {
            XCTAssertEqual("\($0)", "\(log.url.path): cannot write: No space left on device")
        }
        try FileManager.default.removeItem(at: disk.url.appendingPathComponent("filler"))
        try log.append(record("c"))
        XCTAssertEqual(try ResultLog.load(log.url).records.map(\.key), ["a", "c"])
    }

    func testADamagedCompleteLineIsAnErrorNotSilentLoss() throws {
        let folder = try TestPaths.temporaryDirectory()
        let url = folder.appendingPathComponent("results.jsonl")
        try "garbage\n".write(to: url, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try ResultLog(directory: folder)) {
            XCTAssertEqual("\($0)", "\(url.path):1: not a result record; move the file away to start afresh")
        }
    }
}

final class ReportTests: XCTestCase {
    func testAccuracyIntervalAndMacroAverage() {
        let entry = { (id: String, lang: String) in
            ManifestEntry(item: BenchItem(id: id, lang: lang, task: .topic, audio: [], label: "sports"), manifest: URL(fileURLWithPath: "/m.jsonl"), line: 1)
        }
        var records: [BenchRecord] = []
        for i in 0..<20 {  // en: 14 of 20 correct; es: 1 of 4
            var r = BenchRecord(key: "en\(i)", entry: entry("en\(i)", "en"), config: "n1/cal")
            r.correct = i < 14
            records.append(r)
        }
        for i in 0..<4 {
            var r = BenchRecord(key: "es\(i)", entry: entry("es\(i)", "es"), config: "n1/cal")
            r.correct = i == 0
            records.append(r)
        }
        let report = BenchReport(records: records)
        let en = report.rows.first { $0.lang == "en" }!
        XCTAssertEqual(en.value, 0.7)
        XCTAssertEqual(en.n, 20)
        // Binomial standard error sqrt(0.7*0.3/20) = 0.102: the percentile interval spans about +-0.2.
        XCTAssertEqual(en.ci95Low, 0.5, accuracy: 0.06)
        XCTAssertEqual(en.ci95High, 0.9, accuracy: 0.06)
        XCTAssertEqual(report.macro.map(\.value), [(0.7 + 0.25) / 2])
        XCTAssertEqual(BenchReport(records: records.reversed()), report, "the report does not depend on record order")
    }

    func testCorpusErrorRatesUseWhisperNormalization() {
        let errors = TranscriptScoring.errors(reference: "Ask not what your country can do for you.",
                                              hypothesis: "ask not what your country can do for you", language: "en")
        XCTAssertEqual(errors.words, ErrorCount(edits: 0, referenceLength: 9))
    }
}

final class FleursImportTests: XCTestCase {
    func testReadsTheReleaseLayoutAndReportsBadRows() throws {
        let root = TestPaths.fixture("bench/fleurs")
        let (items, problems) = try FleursImport.items(root: root, split: "test", manifestFolder: root)
        XCTAssertEqual(items.map(\.id), ["cmn_hans_cn/test/2001/20001", "en_us/test/1001/10001", "en_us/test/1002/10002"])
        XCTAssertEqual(items.map(\.audio), [["cmn_hans_cn/audio/test/20001.wav"], ["en_us/audio/test/10001.wav"], ["en_us/audio/test/10002.wav"]])
        XCTAssertEqual(items.map(\.text), ["你好，世界。", "The Quick Brown Fox.", "Jumps over 2 dogs!"])
        XCTAssertEqual(items.map(\.asrLang), ["zh", "en", "en"])
        XCTAssertEqual(problems.map(\.description), [
            "\(root.path)/cmn_hans_cn/test.tsv:2: expected 7 tab-separated columns, got 3",
            "\(root.path)/en_us/test.tsv:3: missing audio \(root.path)/en_us/audio/test/10003.wav",
        ])
        XCTAssertThrowsError(try FleursImport.items(root: root, split: "train", manifestFolder: root)) {
            XCTAssertEqual("\($0)", "\(root.path): no <lang>/train.tsv found (expected the FLEURS release layout)")
        }
    }
}
