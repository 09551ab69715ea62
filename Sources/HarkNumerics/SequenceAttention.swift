// Unmasked self-attention of a whole sequence (an audio encoder's 1500 positions), with every query's scores
// computed key by key so that the softmax and the weighted sum read them without reshuffling.

/// softmax(Q_h K_h^T * scale) V_h for every head h of a fused query-key-value projection's rows, each query
/// seeing every position. Per head and block of 64 queries:
/// - the block's queries (scaled) are packed as four panels of 16 that each key multiplies (`scoreKeys`), so the
///   scores come out column-major: key k's 64 scores side by side ([positions, 64]), each query's maximum with them;
/// - the softmax runs down those columns with one vector lane per query, nothing summed across a vector;
/// - the weighted sum of the values reads those columns as they are, the queries side by side (`.columnMajor`):
///   with the scores row-major, that product read 12 rows 6 KB apart, a third slower, and packing them first
///   cost as much as it saved;
/// - each query's softmax factor multiplies its head's outputs (64 in Whisper) rather than its 1500 weights.
public enum SequenceAttention {
    /// Queries per block: four panels of 16, the width of `scoreKeys`' sums and of the four-panel tile that
    /// weighs the values (`Kernels.panelProduct`), and a row of scores as `Vector.columnExponentials` takes it.
    static let blockQueries = Vector.columnSoftmaxColumns

    /// qkv is [positions, rowStride]: queries in columns 0..<width, keys in width..<2 width, values in
    /// 2 width..<3 width (width = heads * headDim), head h in columns h * headDim..<(h + 1) * headDim of each. The
    /// result is [positions, width].
    public static func attend(_ qkv: UnsafePointer<Float>, rowStride: Int, positions: Int, heads: Int, headDim: Int,
                              scale: Float, pool: ThreadPool) -> [Float] {
        let width = heads * headDim
        precondition(rowStride >= 3 * width)
        // Per head, its keys as rows [positions, headDim] and its values transposed into panels.
        var keys = [Float](unsafeUninitializedCapacity: heads * positions * headDim) { _, count in count = heads * positions * headDim }
        var values = [PanelMatrix<Float>?](repeating: nil, count: heads)
        keys.withUnsafeMutableBufferPointer { pk in
            values.withUnsafeMutableBufferPointer { pv in
                pool.forEach(chunks: 2 * heads) { chunk, _ in
                    let h = chunk % heads
                    if chunk < heads {
                        let source = qkv + width + h * headDim, destination = pk.baseAddress! + h * positions * headDim
                        for p in 0..<positions {
                            (destination + p * headDim).update(from: source + p * rowStride, count: headDim)
                        }
                    } else {
                        pv[h] = PanelMatrix(qkv + 2 * width + h * headDim, rows: headDim, columns: positions, rowStride: 1,
                                            columnStride: rowStride)
                    }
                }
            }
        }
        let valuePanels = values.map { $0! }

        // Written whole below (each head's columns of every query row): no zeros first.
        var out = [Float](unsafeUninitializedCapacity: positions * width) { _, count in count = positions * width }
        let blocks = (positions + blockQueries - 1) / blockQueries
        // Per thread: the block's query panels, its scores and their softmax factors.
        let scratch = blockQueries * headDim + positions * blockQueries + blockQueries
        var buffers = [Float](unsafeUninitializedCapacity: pool.threads * scratch) { _, count in count = pool.threads * scratch }
        keys.withUnsafeBufferPointer { pk in
            out.withUnsafeMutableBufferPointer { po in
                buffers.withUnsafeMutableBufferPointer { pb in
                    pool.forEach(chunks: heads * blocks) { piece, worker in
                        let h = piece / blocks, firstQuery = (piece % blocks) * blockQueries
                        let queries = min(blockQueries, positions - firstQuery)
                        let queryPanels = pb.baseAddress! + worker * scratch
                        let scores = queryPanels + blockQueries * headDim, factors = scores + positions * blockQueries
                        packQueries(qkv + firstQuery * rowStride + h * headDim, rowStride: rowStride, count: queries,
                                    headDim: headDim, scale: scale, into: queryPanels)
                        let maxima = scoreKeys(UnsafePointer(queryPanels), keys: pk.baseAddress! + h * positions * headDim,
                                               positions: positions, headDim: headDim, into: scores)
                        Vector.columnExponentials(scores, rows: positions, maxima: maxima, factors: factors)
                        let output = po.baseAddress! + firstQuery * width + h * headDim
                        valuePanels[h].multiply(.columnMajor(scores, stride: blockQueries), rows: queries, into: output,
                                                outputStride: width)
                        for i in 0..<queries {
                            let row = output + i * width
                            for d in 0..<headDim { row[d] *= factors[i] }
                        }
                    }
                }
            }
        }
        return out
    }

    /// scores[k * blockQueries + i] = key k · query i for every key of a head (rows of `headDim` values) and the
    /// block's queries (`packQueries`' panels); returns each query's largest score, which the softmax needs
    /// first. Six keys at a time: their 24 sums, a column of the four query panels and a broadcast fill 29 of
    /// AVX-512's 32 registers. Each sum runs over the head's values in order, as `Kernels.panelProduct` adds them.
    /// That product, with only 64 values a sum here, spent a fifth of its time around its tiles (its sums went
    /// through the stack at each one), and a pass over the scores found their maxima.
    static func scoreKeys(_ queryPanels: UnsafePointer<Float>, keys: UnsafePointer<Float>, positions: Int, headDim: Int,
                          into scores: UnsafeMutablePointer<Float>) -> SixtyFourLanes {
        let panelBytes = headDim * 16 * MemoryLayout<Float>.size, rowBytes = blockQueries * MemoryLayout<Float>.size
        var maxima = SixtyFourLanes(repeating: -.infinity)
        var key = 0
        while key + 6 <= positions {
            let k0 = keys + key * headDim, k1 = k0 + headDim, k2 = k1 + headDim, k3 = k2 + headDim, k4 = k3 + headDim,
                k5 = k4 + headDim
            var s0 = SixtyFourLanes(repeating: 0), s1 = s0, s2 = s0, s3 = s0, s4 = s0, s5 = s0
            var column = UnsafeRawPointer(queryPanels)
            for d in 0..<headDim {
                let queries = SixtyFourLanes(column, vectorStride: panelBytes)
                s0.addProduct(k0[d], queries)
                s1.addProduct(k1[d], queries)
                s2.addProduct(k2[d], queries)
                s3.addProduct(k3[d], queries)
                s4.addProduct(k4[d], queries)
                s5.addProduct(k5[d], queries)
                column += 64
            }
            // Spelled out: a local function storing a key's sums and keeping their maximum (capturing `maxima`)
            // made this loop a fifth slower.
            let out = UnsafeMutableRawPointer(scores + key * blockQueries)
            s0.store(to: out)
            s1.store(to: out + rowBytes)
            s2.store(to: out + 2 * rowBytes)
            s3.store(to: out + 3 * rowBytes)
            s4.store(to: out + 4 * rowBytes)
            s5.store(to: out + 5 * rowBytes)
            maxima.keepMaximum(s0)
            maxima.keepMaximum(s1)
            maxima.keepMaximum(s2)
            maxima.keepMaximum(s3)
            maxima.keepMaximum(s4)
            maxima.keepMaximum(s5)
            key += 6
        }
        for last in key..<positions {
            let k = keys + last * headDim
            var sums = SixtyFourLanes(repeating: 0)
            var column = UnsafeRawPointer(queryPanels)
            for d in 0..<headDim {
                sums.addProduct(k[d], SixtyFourLanes(column, vectorStride: panelBytes))
                column += 64
            }
            sums.store(to: UnsafeMutableRawPointer(scores + last * blockQueries))
            maxima.keepMaximum(sums)
        }
        return maxima
    }

    /// The block's `count` query rows (head columns at q, rows `rowStride` apart) times scale, as the panels of a
    /// [blockQueries, headDim] matrix (`PanelMatrix`'s layout: panel p, column d holds queries 16p..<16p + 16);
    /// missing queries are zero.
    private static func packQueries(_ q: UnsafePointer<Float>, rowStride: Int, count: Int, headDim: Int, scale: Float,
                                    into panels: UnsafeMutablePointer<Float>) {
        for i in 0..<blockQueries {
            let panelColumn = panels + (i / 16) * headDim * 16 + i % 16
            guard i < count else {
                for d in 0..<headDim { panelColumn[d &* 16] = 0 }
                continue
            }
            let row = q + i * rowStride
            for d in 0..<headDim { panelColumn[d &* 16] = row[d] * scale }
        }
    }
}
