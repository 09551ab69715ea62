// dMel tokens against the committed numpy/librosa reference, the quantizer's bounds and the .dmel file format.
import XCTest
import Audio
import Features
import HarkNumerics
import TestSupport

final class DMelTests: XCTestCase {
    func testTokensMatchReferenceRecipeOnRealSpeech() throws {
        let encoder = try DMelEncoder(recipe: .paper())
        for name in ["librivox-0870.wav", "librivox-0890.flac"] {
            let tokens = try encoder.encode(try AudioFile.load(TestPaths.audio(name).path))
            let stem = (name as NSString).deletingPathExtension
            let reference = try NPY.read(TestPaths.fixture("features/\(stem)-dmel.npy"))
            XCTAssertEqual([tokens.frames, tokens.recipe.melBins], reference.shape, name)
            let equal = zip(tokens.tokens, reference.data).filter { Float($0) == $1 }.count
            // Cells that sit on a bin edge may round the other way in float32; at most 0.1% of them.
            XCTAssertGreaterThanOrEqual(Double(equal) / Double(reference.count), 0.999, name)
            // A cell that differs is off by one level at most.
            XCTAssertTrue(zip(tokens.tokens, reference.data).allSatisfy { abs(Float($0) - $1) <= 1 }, name)
        }
    }

    func testDecodeOfEncodeIsWithinHalfALevel() throws {
        for recipe in [DMelRecipe.paper(), DMelRecipe.whisper()] {
            let encoder = try DMelEncoder(recipe: recipe)
            let features = try encoder.continuousFeatures(try AudioFile.load(TestPaths.audio("librivox-0880.wav").path))
            let decoded = encoder.quantize(features).decoded()
            for (value, restored) in zip(features.data, decoded.data) {
                let clipped = min(max(value, recipe.lowest), recipe.highest)
                XCTAssertLessThanOrEqual(abs(clipped - restored), recipe.step / 2 + 1e-6)
            }
        }
    }

    func testQuantizerTiesGoToTheLowerLevel() {
        var recipe = DMelRecipe.paper()
        XCTAssertEqual(recipe.level(of: -100), 0)
        XCTAssertEqual(recipe.level(of: 100), 15)
        XCTAssertEqual(recipe.level(of: -6.68), 1)
        XCTAssertEqual(recipe.value(of: 15), 2, accuracy: 1e-6)
        // Centres 0.5 apart are exact in binary, so 0.25 is exactly between levels 0 and 1.
        recipe.lowest = 0
        recipe.step = 0.5
        XCTAssertEqual(recipe.level(of: 0.25), 0)
        XCTAssertEqual(recipe.level(of: 0.2500001), 1)
        XCTAssertEqual(recipe.level(of: 1.25), 2)
    }

    func testStreamingTokensEqualBatchForRandomChunkSizes() throws {
        let samples = try AudioFile.load(TestPaths.audio("librivox-0880.wav").path)
        let encoder = try DMelEncoder(recipe: .paper())
        let batch = try encoder.encode(samples).tokens
        var generator = SplitMix64(seed: 7)
        for _ in 0..<3 {
            let stream = encoder.makeStream()
            var streamed: [UInt8] = []
            var position = 0
            while position < samples.count {
                let size = Int.random(in: 1...5_000, using: &generator)
                streamed += stream.feed(Array(samples[position..<min(position + size, samples.count)]))
                position += size
            }
            streamed += stream.finish()
            XCTAssertEqual(streamed, batch)
        }
    }

    func testStreamingLogMelEqualsBatchIncludingShortInputs() throws {
        let samples = try AudioFile.load(TestPaths.audio("librivox-0880.wav").path)
        let mel = try WhisperLogMel()
        var generator = SplitMix64(seed: 11)
        for length in [50, 199, 200, 201, 1_000, samples.count] {
            let input = Array(samples.prefix(length))
            let batch = mel.makeStream()
            var expected = batch.feed(input)
            expected.append(rows: batch.finish())
            let stream = mel.makeStream()
            var streamed = Tensor(zeros: [0, 80])
            var position = 0
            while position < input.count {
                let size = Int.random(in: 1...3_000, using: &generator)
                streamed.append(rows: stream.feed(Array(input[position..<min(position + size, input.count)])))
                position += size
            }
            streamed.append(rows: stream.finish())
            XCTAssertEqual(streamed, expected, "length \(length)")
            XCTAssertEqual(streamed.rows, length / 160, "length \(length)")
        }
    }

    func testFileRoundTripKeepsRecipeAndTokens() throws {
        let tokens = try DMelEncoder(recipe: .paper(hopLength: 160)).encode(try AudioFile.load(TestPaths.audio("librivox-0880.wav").path))
        let data = DMelFile.encode(tokens)
        XCTAssertEqual(data.count, DMelFile.headerSize + (tokens.tokens.count + 1) / 2)
        XCTAssertEqual(try DMelFile.decode(data, path: "x.dmel"), tokens)
    }

    func testDamagedFilesAreReported() throws {
        let tokens = DMelTokens(recipe: .paper(), frames: 3, tokens: [UInt8](repeating: 5, count: 240))
        let data = DMelFile.encode(tokens)
        XCTAssertThrowsError(try DMelFile.decode(data.prefix(100), path: "a.dmel")) { error in
            XCTAssertEqual("\(error)", "a.dmel: truncated: expected 164 bytes, found 100")
        }
        XCTAssertThrowsError(try DMelFile.decode(data.prefix(10), path: "a.dmel")) { error in
            XCTAssertEqual("\(error)", "a.dmel: truncated: expected 44 bytes, found 10")
        }
        var badMagic = data
        badMagic[0] = UInt8(ascii: "X")
        XCTAssertThrowsError(try DMelFile.decode(badMagic, path: "b.dmel")) { error in
            XCTAssertEqual("\(error)", "b.dmel: not a .dmel file (bad magic)")
        }
        var badVersion = data
        badVersion[4] = 9
        XCTAssertThrowsError(try DMelFile.decode(badVersion, path: "c.dmel")) { error in
            XCTAssertEqual("\(error)", "c.dmel: unsupported .dmel version 9 (expected 1)")
        }
    }

    func testNPYRoundTrip() throws {
        let tensor = Tensor(shape: [2, 3], data: [1, -2, 3.5, 0, 1e-7, -1e7])
        let url = try TestPaths.temporaryDirectory().appendingPathComponent("t.npy")
        try NPY.encode(tensor).write(to: url)
        XCTAssertEqual(try NPY.read(url), tensor)
    }
}
