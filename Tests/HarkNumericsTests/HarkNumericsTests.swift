// HarkNumerics kernels checked against values worked out by hand or by NumPy.
import Synchronization
import XCTest
@testable import HarkNumerics

final class HarkNumericsTests: XCTestCase {
    func testLinearMatchesHandComputedProduct() {
        // x (2x3) times W^T where W is (2x3), plus bias.
        let x = Tensor(shape: [2, 3], data: [1, 2, 3, 4, 5, 6])
        let w = Tensor(shape: [2, 3], data: [1, 0, -1, 0.5, 0.5, 0.5])
        let y = BLAS.linear(x, weight: w, bias: [10, 20], pool: ThreadPool(threads: 2))
        XCTAssertEqual(y.shape, [2, 2])
        XCTAssertEqual(y.data, [8, 23, 8, 27.5] as [Float])
    }

    func testColumnBlocksSplitEveryRow() {
        let fused = Tensor(shape: [2, 6], data: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12])
        XCTAssertEqual(fused.columnBlocks(3), [[1, 2, 7, 8], [3, 4, 9, 10], [5, 6, 11, 12]])
        XCTAssertEqual(fused.columnBlocks(1), [fused.data])
    }

    func testPoolMapKeepsOrderAndRunsEachIndexOnce() {
        let calls = Mutex([Int]())
        let squares = ThreadPool(threads: 2).map(7) { i -> Int in
            calls.withLock { $0.append(i) }
            return i * i
        }
        XCTAssertEqual(squares, [0, 1, 4, 9, 16, 25, 36])
        XCTAssertEqual(calls.withLock { $0.sorted() }, Array(0..<7))
        XCTAssertEqual(ThreadPool(threads: 2).map(0) { $0 }, [])
    }

    func testSoftmaxRowsSumToOneAndKeepOrder() {
        var x: [Float] = [1, 2, 3, 1000, 1000, 1000]
        Vector.softmaxRows(&x, width: 3)
        XCTAssertEqual(x[0] + x[1] + x[2], 1, accuracy: 1e-6)
        XCTAssertEqual(x[2], 0.66524096, accuracy: 1e-6)  // numpy: softmax([1,2,3])[2]
        XCTAssertEqual(x[3], 1.0 / 3.0, accuracy: 1e-6)
    }

    func testLayerNormMatchesNumPy() {
        let x = Vector.layerNormRows([1, 2, 3, 4], width: 4, gamma: [1, 1, 2, 2], beta: [0, 0, 0, 1])
        // numpy: (x - 2.5) / sqrt(1.25 + 1e-5) * gamma + beta
        let expected: [Float] = [-1.3416355, -0.4472118, 0.8944236, 3.6832708]
        for (a, b) in zip(x, expected) { XCTAssertEqual(a, b, accuracy: 1e-5) }
        // Rows spread over threads: the same bits as one after the other.
        let rows = (0..<(300 * 37)).map { (i: Int) -> Float in Float((i * 7919) % 1000) / 100 - 5 }
        let gamma = (0..<37).map { 1 + Float($0) / 37 }, beta = (0..<37).map { Float($0) / 10 }
        XCTAssertEqual(Vector.layerNormRows(rows, width: 37, gamma: gamma, beta: beta, pool: ThreadPool(threads: 3)),
                       Vector.layerNormRows(rows, width: 37, gamma: gamma, beta: beta))
    }

    func testGeluMatchesTorch() {
        var exact: [Float] = [-1, 0, 1, 3]
        Vector.gelu(&exact)
        // torch.nn.functional.gelu(torch.tensor([-1., 0., 1., 3.]))
        let expectedExact: [Float] = [-0.15865526, 0, 0.8413447, 2.9959502]
        for (a, b) in zip(exact, expectedExact) { XCTAssertEqual(a, b, accuracy: 1e-6) }
        // The same bits wherever a piece ends: each value alone as in a run of 37 (two vectors and a tail).
        var run = (0..<37).map { Float($0) * 0.37 - 6 }
        let alone = run.map { value -> Float in
            var one = [value]
            Vector.gelu(&one)
            return one[0]
        }
        Vector.gelu(&run)
        XCTAssertEqual(run, alone)
    }

    /// The vectorizable exponential and error function against libm over their whole useful range.
    func testPolynomialExponentialAndErrorFunctionMatchLibm() {
        var worstExponential: Float = 0, worstLanes: Float = 0
        for step in stride(from: 0, to: 1_000_000, by: 16) {
            let x = SIMD16<Float>((0..<16).map { -87.3 + Float(step + $0) * (87.3 + 88.3) / 1_000_000 })
            let lanes = Vector.exponential(x)
            for k in 0..<16 {
                worstExponential = max(worstExponential, abs(Vector.exponential(x[k]) - expf(x[k])) / expf(x[k]))
                worstLanes = max(worstLanes, abs(lanes[k] - expf(x[k])) / expf(x[k]))
            }
        }
        XCTAssertLessThan(worstExponential, 2e-7)
        XCTAssertLessThan(worstLanes, 2e-7)
        XCTAssertEqual(Vector.exponential(-.infinity), 0)
        XCTAssertEqual(Vector.exponential(-100), 0)
        XCTAssertEqual(Vector.exponential(0), 1)
        let edges = Vector.exponential(SIMD16<Float>(-.infinity, -100, 0, 1, -87.2, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12))
        XCTAssertEqual([edges[0], edges[1], edges[2]], [0, 0, 1])
        XCTAssertEqual(edges[3], expf(1), accuracy: 2e-7 * expf(1))
        var worstError: Float = 0
        for step in stride(from: 0, to: 1_000_000, by: 16) {
            let x = SIMD16<Float>((0..<16).map { -8 + Float(step + $0) * 16 / 1_000_000 })
            let lanes = Vector.errorFunction(x)
            for k in 0..<16 { worstError = max(worstError, abs(lanes[k] - erff(x[k]))) }
        }
        XCTAssertLessThan(worstError, 6e-7)
        let signs = Vector.errorFunction(SIMD16<Float>(10, -10, 0, -0.0, .infinity, -.infinity, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1))
        XCTAssertEqual([signs[0], signs[1], signs[2], signs[3], signs[4], signs[5]], [1, -1, 0, 0, 1, -1])
    }

    func testHalfBitsDecodeNormalsSubnormalsAndSpecials() {
        XCTAssertEqual(HalfPrecision.float(fromHalfBits: 0x3C00), 1.0)
        XCTAssertEqual(HalfPrecision.float(fromHalfBits: 0xC000), -2.0)
        XCTAssertEqual(HalfPrecision.float(fromHalfBits: 0x7BFF), 65504.0)
        XCTAssertEqual(HalfPrecision.float(fromHalfBits: 0x0001), 5.9604645e-08)  // smallest subnormal
        XCTAssertEqual(HalfPrecision.float(fromHalfBits: 0x7C00), .infinity)
        XCTAssertTrue(HalfPrecision.float(fromHalfBits: 0x7E00).isNaN)
        XCTAssertEqual(HalfPrecision.float(fromBFloat16Bits: 0x3F80), 1.0)
    }

    /// Rounding to half: to nearest, ties to even (in the normal range, at the subnormal edge, at overflow).
    func testRoundingToHalfTiesToEven() {
        XCTAssertEqual(HalfPrecision.rounded(0.1), 0.099975586)
        XCTAssertEqual(HalfPrecision.rounded(1.00048828125), 1)            // halfway to 1 + 2^-10: the even one
        XCTAssertEqual(HalfPrecision.rounded(1.00146484375), 1.001953125)  // halfway to 1 + 2^-9: the even one
        XCTAssertEqual(HalfPrecision.rounded(-1.00146484375), -1.001953125)
        XCTAssertEqual(HalfPrecision.rounded(65519.996), 65504)
        XCTAssertEqual(HalfPrecision.rounded(65520), .infinity)
        XCTAssertEqual(HalfPrecision.rounded(2.9802322e-08), 0)            // half the smallest subnormal
        XCTAssertEqual(HalfPrecision.rounded(8.940697e-08), 1.1920929e-07) // 1.5 subnormal steps: 2
        XCTAssertTrue(HalfPrecision.rounded(.nan).isNaN)
    }
}
