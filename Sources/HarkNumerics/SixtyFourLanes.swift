// Sixty-four floats as four named vectors of sixteen: a block of 64 queries, one lane each, in the encoder's attention.

/// Named fields rather than an array (or `InlineArray`, or `SIMD64`), so that a kernel's several of them stay in
/// registers: arrays of sums went to the stack and back around every tile of `Kernels.panelProduct`.
struct SixtyFourLanes {
    var lanes0, lanes1, lanes2, lanes3: SIMD16<Float>

    @inline(__always) init(lanes0: SIMD16<Float>, lanes1: SIMD16<Float>, lanes2: SIMD16<Float>, lanes3: SIMD16<Float>) {
        (self.lanes0, self.lanes1, self.lanes2, self.lanes3) = (lanes0, lanes1, lanes2, lanes3)
    }

    @inline(__always) init(repeating value: Float) {
        lanes0 = SIMD16(repeating: value)
        (lanes1, lanes2, lanes3) = (lanes0, lanes0, lanes0)
    }

    /// The 64 floats at p.
    @inline(__always) init(_ p: UnsafeRawPointer) { self.init(p, vectorStride: 64) }

    /// Four runs of 16 floats, `vectorStride` bytes apart (one column of four consecutive `PanelMatrix` panels).
    @inline(__always) init(_ p: UnsafeRawPointer, vectorStride: Int) {
        lanes0 = p.loadUnaligned(as: SIMD16<Float>.self)
        lanes1 = p.loadUnaligned(fromByteOffset: vectorStride, as: SIMD16<Float>.self)
        lanes2 = p.loadUnaligned(fromByteOffset: 2 &* vectorStride, as: SIMD16<Float>.self)
        lanes3 = p.loadUnaligned(fromByteOffset: 3 &* vectorStride, as: SIMD16<Float>.self)
    }

    @inline(__always) func store(to p: UnsafeMutableRawPointer) {
        p.storeBytes(of: lanes0, as: SIMD16<Float>.self)
        p.storeBytes(of: lanes1, toByteOffset: 64, as: SIMD16<Float>.self)
        p.storeBytes(of: lanes2, toByteOffset: 128, as: SIMD16<Float>.self)
        p.storeBytes(of: lanes3, toByteOffset: 192, as: SIMD16<Float>.self)
    }

    /// self += value * other, each lane one fused multiply-add.
    @inline(__always) mutating func addProduct(_ value: Float, _ other: SixtyFourLanes) {
        let broadcast = SIMD16<Float>(repeating: value)
        lanes0.addProduct(broadcast, other.lanes0)
        lanes1.addProduct(broadcast, other.lanes1)
        lanes2.addProduct(broadcast, other.lanes2)
        lanes3.addProduct(broadcast, other.lanes3)
    }

    @inline(__always) mutating func add(_ other: SixtyFourLanes) {
        lanes0 += other.lanes0
        lanes1 += other.lanes1
        lanes2 += other.lanes2
        lanes3 += other.lanes3
    }

    /// Each lane the larger of its two values.
    @inline(__always) mutating func keepMaximum(_ other: SixtyFourLanes) {
        lanes0.replace(with: other.lanes0, where: other.lanes0 .> lanes0)
        lanes1.replace(with: other.lanes1, where: other.lanes1 .> lanes1)
        lanes2.replace(with: other.lanes2, where: other.lanes2 .> lanes2)
        lanes3.replace(with: other.lanes3, where: other.lanes3 .> lanes3)
    }

    /// e^(self - shift), lane by lane (`Vector.exponential`).
    @inline(__always) func exponentials(minus shift: SixtyFourLanes) -> SixtyFourLanes {
        SixtyFourLanes(lanes0: Vector.exponential(lanes0 - shift.lanes0), lanes1: Vector.exponential(lanes1 - shift.lanes1),
                       lanes2: Vector.exponential(lanes2 - shift.lanes2), lanes3: Vector.exponential(lanes3 - shift.lanes3))
    }

    @inline(__always) func reciprocals() -> SixtyFourLanes {
        let one = SIMD16<Float>(repeating: 1)
        return SixtyFourLanes(lanes0: one / lanes0, lanes1: one / lanes1, lanes2: one / lanes2, lanes3: one / lanes3)
    }
}
