// A float16 matrix with an int8 copy that bounds every output of a product from half the bytes, for products
// whose caller needs only the largest few outputs exactly (a greedy decoding step's logits over a vocabulary).

/// x W^T for one row x where only the largest output among the ranked ones (and those within `margin` of it), and
/// the always-exact ones, must be exact. Every output is first estimated from an int8 copy of W (a scale per row,
/// as `PanelMatrix(quantizing:)`), with a bound on how far the estimate can be from the float16 product; only the
/// 16-row panels holding an output whose upper bound reaches the largest lower bound (less the margin) are then
/// multiplied in float16, through the same kernel as `HalfMatrix.product`, so those outputs are bit for bit the
/// full product's. Each estimate left in place is below the largest exact ranked output, by more than the margin.
/// A row's product is bound by reading the matrix, and this reads the int8 copy and a few panels instead of all
/// of it.
public struct ScreenedMatrix: Sendable {
    public let exact: HalfMatrix
    let screen: PanelMatrix<Int8>
    /// Per output, the most its estimate can be off per unit of |x|_1, in steps of its row's int8 scale: half a
    /// step (the weights' rounding), plus the rounding of the two float sums of `columns` products (at most
    /// columns x 2^-24 x 127 steps each), plus a little for the final scaling.
    let errorPerNorm: [Float]
    /// Per output, 0 if it competes for the largest, infinity if it never does (its lower bound is not ranked).
    let exclusion: [Float]
    /// Panels computed exactly for every row.
    let alwaysExactPanels: Range<Int>

    /// `ranked` outputs compete for the largest; those in `alwaysExact` are computed exactly in every product.
    public init(_ exact: HalfMatrix, ranked: [Bool], alwaysExact: Range<Int>, pool: ThreadPool) {
        precondition(ranked.count == exact.rows, "ScreenedMatrix: \(ranked.count) ranking flags for \(exact.rows) rows")
        self.exact = exact
        let screen = PanelMatrix<Int8>(quantizing: exact, pool: pool)
        let steps = 0.5 + 2 * Float(exact.columns) * 127 / Float(1 << 24) + 0.002
        errorPerNorm = (0..<exact.rows).map { steps * (screen.scales?[$0] ?? 0) }
        self.screen = screen
        exclusion = ranked.map { $0 ? 0 : .infinity }
        alwaysExactPanels = alwaysExact.isEmpty ? 0..<0 : (alwaysExact.lowerBound / 16)..<((alwaysExact.upperBound + 15) / 16)
    }

    /// x W^T for one row x, exact where the type's comment says; `margin` is at least 0.
    public func product(_ x: [Float], margin: Float = 0, pool: ThreadPool) -> [Float] {
        precondition(margin >= 0 && x.count == exact.columns)
        // Every output is estimated below (all panels), so no zeros first, as in `PanelMatrix.product`.
        var out = [Float](unsafeUninitializedCapacity: exact.rows) { _, count in count = exact.rows }
        x.withUnsafeBufferPointer { px in
            out.withUnsafeMutableBufferPointer { po in
                let input = px.baseAddress!, output = po.baseAddress!
                screen.panels.withUnsafeBufferPointer { pw in
                    screen.scales.withUnsafeBufferPointerIfPresent { ps in
                        pool.forEach(splitting: screen.panelCount, minimum: 64) { range, _ in
                            Kernels.panelRowEstimate(pw.baseAddress!, scales: ps, panels: range, columns: screen.columns,
                                                     outputs: screen.rows, input, output)
                        }
                    }
                }
                let norm = Vector.absoluteSum(input, count: x.count)
                var marked = Set(candidatePanels(estimates: output, norm: norm, margin: margin))
                marked.formUnion(alwaysExactPanels)
                let panels = marked.sorted()
                pool.forEach(splitting: panels.count, minimum: 16) { range, _ in
                    for panel in panels[range] {
                        exact.multiply(input, rows: 1, into: output, outputStride: exact.rows, panels: panel..<(panel + 1))
                    }
                }
            }
        }
        return out
    }

    /// The panels of the ranked outputs whose upper bound (estimate + norm x errorPerNorm) reaches the largest lower
    /// bound less the margin.
    private func candidatePanels(estimates: UnsafePointer<Float>, norm: Float, margin: Float) -> [Int] {
        errorPerNorm.withUnsafeBufferPointer { pe in
            exclusion.withUnsafeBufferPointer { px in
                Self.candidatePanels(estimates: estimates, error: pe.baseAddress!, excluded: px.baseAddress!,
                                     count: exact.rows, norm: norm, margin: margin)
            }
        }
    }

    /// Blocks of 64 outputs, their bounds' lane-wise maxima, then the block's eight lanes; only the few blocks whose
    /// largest upper bound reaches the threshold output by output: a step's row has tens of thousands of outputs.
    /// (SIMD comparison masks and the standard library's `max()` went lane by lane through memory.)
    private static func candidatePanels(estimates: UnsafePointer<Float>, error: UnsafePointer<Float>,
                                        excluded: UnsafePointer<Float>, count: Int, norm: Float, margin: Float) -> [Int] {
        let block = 64, norms = SIMD8<Float>(repeating: norm), blocksEnd = count / block * block
        @inline(__always) func load(_ p: UnsafePointer<Float>, _ o: Int) -> SIMD8<Float> {
            UnsafeRawPointer(p + o).loadUnaligned(as: SIMD8<Float>.self)
        }
        @inline(__always) func lower(_ k: Int) -> Float { estimates[k] - norm * error[k] - excluded[k] }
        @inline(__always) func upper(_ k: Int) -> Float { estimates[k] + norm * error[k] }
        /// The largest upper bound of block o's outputs, or (not `upper`) lower bound, excluded outputs' -infinity.
        @inline(__always) func blockMaximum(_ o: Int, upper: Bool) -> Float {
            var lanes = SIMD8<Float>(repeating: -.infinity)
            for j in stride(from: o, to: o + block, by: 8) {
                let bound = upper ? load(estimates, j) + norms * load(error, j)
                                  : load(estimates, j) - norms * load(error, j) - load(excluded, j)
                lanes.replace(with: bound, where: bound .> lanes)
            }
            var result = lanes[0]
            for k in 1..<8 { result = Swift.max(result, lanes[k]) }
            return result
        }
        var largest = -Float.infinity
        for o in stride(from: 0, to: blocksEnd, by: block) { largest = Swift.max(largest, blockMaximum(o, upper: false)) }
        for k in blocksEnd..<count { largest = Swift.max(largest, lower(k)) }
        let threshold = largest - margin
        var panels: [Int] = []
        func consider(_ outputs: Range<Int>) {
            for k in outputs where excluded[k] == 0 && upper(k) >= threshold && panels.last != k / 16 { panels.append(k / 16) }
        }
        for o in stride(from: 0, to: blocksEnd, by: block) where blockMaximum(o, upper: true) >= threshold { consider(o..<(o + block)) }
        consider(blocksEnd..<count)
        return panels
    }
}
