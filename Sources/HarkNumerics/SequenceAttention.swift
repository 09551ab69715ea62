// Unmasked self-attention of a whole sequence (an audio encoder's 1500 positions), with every query's scores
// computed key by key so that the softmax and the weighted sum read them without reshuffling.

/// softmax(Q_h K_h^T * scale) V_h for every head h of a fused query-key-value projection's rows, each query
/// seeing every position. Per head and block of 64 queries:
/// - the block's queries (scaled) are packed as the panels of a product whose rows are the keys, so the scores
///   come out column-major: key k's 64 scores side by side ([positions, 64]);
/// - the softmax runs down those columns with one vector lane per query, nothing summed across a vector;
/// - the weighted sum of the values reads those columns as they are, the queries side by side (`.columnMajor`):
///   with the scores row-major, that product read 12 rows 6 KB apart, a third slower, and packing them first
///   cost as much as it saved;
/// - each query's softmax factor multiplies its head's outputs (64 in Whisper) rather than its 1500 weights.
public enum SequenceAttention {
    /// Queries per block: four panels of 16, the four-panel tile's width (`Kernels.panelProduct`), and a row of
    /// scores as `Vector.columnSoftmax` takes it.
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
                        Kernels.panelProduct(UnsafePointer(queryPanels), scales: nil, panels: 0..<(blockQueries / 16),
                                             columns: headDim, outputs: blockQueries, .rows(pk.baseAddress! + h * positions * headDim),
                                             rows: positions, bias: nil, scores, outputStride: blockQueries)
                        Vector.columnSoftmax(scores, rows: positions, factors: factors)
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
