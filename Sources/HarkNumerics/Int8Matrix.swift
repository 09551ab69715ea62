// Int8 weights with a scale per row times activation rows quantized to 8 bits per row, as CTranslate2's int8
// compute type multiplies: exact integer sums in CInt8Kernels (AVX-512 VNNI where the CPU has it).
import CInt8Kernels

/// A [rows x columns] weight matrix (PyTorch's [outFeatures, inFeatures]) as int8 codes with one scale per row
/// (the row's largest magnitude over 127), packed in panels of 16 rows and column quads, the layout of
/// `HarkInt8Panels`.
public struct Int8Matrix: Sendable {
    public let rows: Int
    public let columns: Int
    /// Columns as stored: a multiple of 4, zeros past `columns`.
    let storedColumns: Int
    let panels: [Int8]
    /// Per row, padded to whole panels: the scale, and the sum of the row's codes (the products subtract the
    /// activations' offset of 128 times it).
    let scales: [Float]
    let sums: [Int32]

    var panelCount: Int { (rows + 15) / 16 }

    public init(quantizing matrix: Tensor) {
        let rows = matrix.rows, columns = matrix.columns
        let storedColumns = (columns + 3) / 4 * 4, paddedRows = (rows + 15) / 16 * 16
        var scales = [Float](repeating: 0, count: paddedRows), sums = [Int32](repeating: 0, count: paddedRows)
        var panels = [Int8](repeating: 0, count: paddedRows * storedColumns)
        matrix.data.withUnsafeBufferPointer { values in
            for r in 0..<rows {
                let row = values[(r * columns)..<((r + 1) * columns)]
                let scale = row.reduce(0) { max($0, abs($1)) } / 127, inverse = scale > 0 ? 1 / scale : 0
                scales[r] = scale
                // Panel r / 16, then quad c / 4 of 64 bytes, row r % 16's four columns at 4 (r % 16).
                let panelStart = (r / 16) * 16 * storedColumns + (r % 16) * 4
                for c in 0..<columns {
                    let code = Int8(rounding: values[r * columns + c] * inverse)
                    panels[panelStart + (c / 4) * 64 + c % 4] = code
                    sums[r] += Int32(code)
                }
            }
        }
        self.rows = rows
        self.columns = columns
        self.storedColumns = storedColumns
        self.panels = panels
        self.scales = scales
        self.sums = sums
    }

    public subscript(row: Int, column: Int) -> Float {
        Float(panels[(row / 16) * 16 * storedColumns + (column / 4) * 64 + (row % 16) * 4 + column % 4]) * scales[row]
    }

    /// Row r as float32 (an embedding lookup).
    public func row(_ r: Int) -> [Float] { (0..<columns).map { self[r, $0] } }

    /// x W^T + bias for every row of x [n, columns]: [n, rows]. The rows of x are quantized first (a scale per
    /// row, on the pool), then the products are shared out as `PanelSchedule` does; then `finish` (an activation).
    public func product(_ x: Tensor, bias: [Float]? = nil, pool: ThreadPool, then finish: Vector.InPlace? = nil) -> Tensor {
        precondition(x.columns == columns, "product: input has \(x.columns) features, the matrix expects \(columns)")
        if let bias { precondition(bias.count == rows, "product: bias has \(bias.count) values, expected \(rows)") }
        let n = x.rows, stored = storedColumns
        var codes = [UInt8](unsafeUninitializedCapacity: n * stored) { _, count in count = n * stored }
        var rowScales = [Float](unsafeUninitializedCapacity: n) { _, count in count = n }
        x.data.withUnsafeBufferPointer { px in
            codes.withUnsafeMutableBufferPointer { pc in
                rowScales.withUnsafeMutableBufferPointer { ps in
                    pool.forEach(splitting: n, minimum: 64) { range, _ in
                        hark_quantize_offset_rows(px.baseAddress! + range.lowerBound * columns, range.count, columns, stored,
                                                  pc.baseAddress! + range.lowerBound * stored, ps.baseAddress! + range.lowerBound)
                    }
                }
            }
        }
        let schedule = PanelSchedule(inputRows: n, columns: stored, outputs: rows, panelCount: panelCount,
                                     blockElements: Self.blockBytes, pool: pool)
        let out = panels.withUnsafeBufferPointer { pw in
            scales.withUnsafeBufferPointer { pscales in
                sums.withUnsafeBufferPointer { psums in
                    codes.withUnsafeBufferPointer { pc in
                        rowScales.withUnsafeBufferPointer { prs in
                            bias.withUnsafeBufferPointerIfPresent { pb in
                                var weights = HarkInt8Panels(panels: pw.baseAddress!, scales: pscales.baseAddress!,
                                                             sums: psums.baseAddress!, columns: stored, outputs: rows)
                                return schedule.run(then: finish) { firstRow, rowCount, panels, output in
                                    var block = HarkOffsetRows(codes: pc.baseAddress! + firstRow * stored,
                                                               scales: prs.baseAddress! + firstRow, rows: rowCount)
                                    hark_int8_panel_products(&weights, panels.lowerBound, panels.upperBound, &block, pb,
                                                             output + firstRow * rows, rows)
                                }
                            }
                        }
                    }
                }
            }
        }
        var shape = x.shape
        shape[shape.count - 1] = rows
        return Tensor(shape: shape, data: out)
    }

    /// Inputs in one block of rows: 128 KB of codes, as `PanelMatrix`'s blocks of floats.
    static var blockBytes: Int { 131_072 }
}
