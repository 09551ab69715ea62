// SIMD inner loops that BLAS has no routine for: packed float16, int8 or float32 matrices times a few float32
// rows, and one query's attention.

enum Kernels {
    /// output[r, o] = bias[o] + scale[o] * sum_c input[r, c] * W[o, c] for the panels in `panels` (16 outputs each,
    /// the layout of `PanelMatrix`), every row r < rows; input is [rows, columns], output rows are `outputStride`
    /// apart; without scales, scale[o] = 1.
    /// Rows go six at a time (as evenly as possible): 6 rows x 16 outputs are 12 eight-lane accumulators, which with
    /// the two weight vectors and one broadcast fill the 16 AVX registers, so each loaded weight feeds 12 FMAs.
    // Specialized here: the matrices' element types are known only where a model builds them, in other modules.
    @_specialize(where Element == Float16)
    @_specialize(where Element == Float)
    @_specialize(where Element == Int8)
    static func panelProduct<Element: PanelElement>(_ weights: UnsafePointer<Element>, scales: UnsafePointer<Float>?,
                                                    panels: Range<Int>, columns: Int, outputs: Int,
                                                    _ input: UnsafePointer<Float>, rows: Int, bias: UnsafePointer<Float>?,
                                                    _ output: UnsafeMutablePointer<Float>, outputStride: Int) {
        let groups = (rows + 5) / 6
        for panel in panels {
            let w = weights + panel * columns * 16
            let firstOutput = panel * 16, valid = min(16, outputs - firstOutput)
            let panelScales = scales.map { $0 + firstOutput }, panelBias = bias.map { $0 + firstOutput }
            var row = 0
            for group in 0..<groups {
                let count = (rows - row) / (groups - group)
                let x = input + row * columns, y = output + row * outputStride + firstOutput
                switch count {
                case 1: panelTile(w, columns, x, y, outputStride, valid, panelScales, panelBias, InlineArray<1, Int>.self)
                case 2: panelTile(w, columns, x, y, outputStride, valid, panelScales, panelBias, InlineArray<2, Int>.self)
                case 3: panelTile(w, columns, x, y, outputStride, valid, panelScales, panelBias, InlineArray<3, Int>.self)
                case 4: panelTile(w, columns, x, y, outputStride, valid, panelScales, panelBias, InlineArray<4, Int>.self)
                case 5: panelTile(w, columns, x, y, outputStride, valid, panelScales, panelBias, InlineArray<5, Int>.self)
                default: panelTile(w, columns, x, y, outputStride, valid, panelScales, panelBias, InlineArray<6, Int>.self)
                }
                row += count
            }
        }
    }

    /// R rows of x times one 16-row panel: R x 16 outputs, written to y (row stride `stride`), the first `valid` of
    /// each row. R is a compile-time count so the accumulators live in registers (`rows` only carries it).
    @inline(__always)
    private static func panelTile<Element: PanelElement, let R: Int>(_ w: UnsafePointer<Element>, _ columns: Int,
                                                                     _ x: UnsafePointer<Float>,
                                                                     _ y: UnsafeMutablePointer<Float>, _ stride: Int,
                                                                     _ valid: Int, _ scales: UnsafePointer<Float>?,
                                                                     _ bias: UnsafePointer<Float>?,
                                                                     _ rows: InlineArray<R, Int>.Type) {
        // One 16-wide accumulator per row: one zmm register with AVX-512, two ymm with AVX2.
        var sums = InlineArray<R, SIMD16<Float>>(repeating: .zero)
        // Row pointers and a moving weight pointer keep index arithmetic (and Swift's overflow checks on it,
        // which took as many instructions as the FMAs) out of the loop.
        var rowStarts = InlineArray<R, UnsafePointer<Float>>(repeating: x)
        for r in 0..<R { rowStarts[r] = x + r &* columns }
        var panelColumn = w
        for c in 0..<columns {
            let weight = Element.widenSixteen(UnsafeRawPointer(panelColumn))
            panelColumn += 16
            for r in 0..<R { sums[r].addProduct(SIMD16<Float>(repeating: rowStarts[r][c]), weight) }
        }
        for r in 0..<R {
            let out = y + r * stride
            if valid == 16 {
                var sum = sums[r]
                if let scales { sum *= UnsafeRawPointer(scales).loadUnaligned(as: SIMD16<Float>.self) }
                if let bias { sum += UnsafeRawPointer(bias).loadUnaligned(as: SIMD16<Float>.self) }
                UnsafeMutableRawPointer(out).storeBytes(of: sum, as: SIMD16<Float>.self)
            } else {
                for o in 0..<valid { out[o] = sums[r][o] * (scales?[o] ?? 1) + (bias?[o] ?? 0) }
            }
        }
    }

    /// scores[j] = scale * dot(query, key row j) for j < count; key row j starts at keys + j * stride.
    /// Four keys at a time: four independent sums keep four rows' loads in flight (one sum waits on each load).
    static func scaledDots(_ query: UnsafePointer<Float>, _ keys: UnsafePointer<Float>, count: Int, stride: Int,
                           length: Int, scale: Float, _ scores: UnsafeMutablePointer<Float>) {
        var j = 0
        if length % 8 == 0 {
            while j + 4 <= count {
                var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), a2 = SIMD8<Float>(), a3 = SIMD8<Float>()
                let k0 = keys + j * stride, k1 = k0 + stride, k2 = k1 + stride, k3 = k2 + stride
                for i in Swift.stride(from: 0, to: length, by: 8) {
                    let q = UnsafeRawPointer(query + i).loadUnaligned(as: SIMD8<Float>.self)
                    a0.addProduct(q, UnsafeRawPointer(k0 + i).loadUnaligned(as: SIMD8<Float>.self))
                    a1.addProduct(q, UnsafeRawPointer(k1 + i).loadUnaligned(as: SIMD8<Float>.self))
                    a2.addProduct(q, UnsafeRawPointer(k2 + i).loadUnaligned(as: SIMD8<Float>.self))
                    a3.addProduct(q, UnsafeRawPointer(k3 + i).loadUnaligned(as: SIMD8<Float>.self))
                }
                scores[j] = scale * a0.sum()
                scores[j + 1] = scale * a1.sum()
                scores[j + 2] = scale * a2.sum()
                scores[j + 3] = scale * a3.sum()
                j += 4
            }
        }
        while j < count { scores[j] = scale * dot(query, keys + j * stride, length); j += 1 }
    }

    /// out[0..<length] = sum_j weights[j] * value row j for j < count; value row j starts at values + j * stride.
    static func weightedSum(_ weights: UnsafePointer<Float>, _ values: UnsafePointer<Float>, count: Int, stride: Int,
                            length: Int, _ out: UnsafeMutablePointer<Float>) {
        var c = 0
        // 32 output columns at a time: four accumulators that stay in registers across all the rows.
        while c + 32 <= length {
            var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), a2 = SIMD8<Float>(), a3 = SIMD8<Float>()
            for j in 0..<count {
                let w = SIMD8<Float>(repeating: weights[j]), row = UnsafeRawPointer(values + j * stride + c)
                a0.addProduct(w, row.loadUnaligned(as: SIMD8<Float>.self))
                a1.addProduct(w, row.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self))
                a2.addProduct(w, row.loadUnaligned(fromByteOffset: 64, as: SIMD8<Float>.self))
                a3.addProduct(w, row.loadUnaligned(fromByteOffset: 96, as: SIMD8<Float>.self))
            }
            let o = UnsafeMutableRawPointer(out + c)
            o.storeBytes(of: a0, as: SIMD8<Float>.self)
            o.storeBytes(of: a1, toByteOffset: 32, as: SIMD8<Float>.self)
            o.storeBytes(of: a2, toByteOffset: 64, as: SIMD8<Float>.self)
            o.storeBytes(of: a3, toByteOffset: 96, as: SIMD8<Float>.self)
            c += 32
        }
        while c < length {
            var total: Float = 0
            for j in 0..<count { total += weights[j] * values[j * stride + c] }
            out[c] = total
            c += 1
        }
    }

    /// Dot product of two float32 vectors, eight lanes at a time.
    @inline(__always)
    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ length: Int) -> Float {
        var lanes = SIMD8<Float>(), tail: Float = 0, i = 0
        while i + 8 <= length {
            lanes.addProduct(UnsafeRawPointer(a + i).loadUnaligned(as: SIMD8<Float>.self),
                             UnsafeRawPointer(b + i).loadUnaligned(as: SIMD8<Float>.self))
            i += 8
        }
        while i < length { tail += a[i] * b[i]; i += 1 }
        return lanes.sum() + tail
    }
}
