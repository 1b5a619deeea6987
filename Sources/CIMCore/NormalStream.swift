import CCIMKernels

/// A fast, seeded source of standard normal draws for bulk noise (read noise, ADC noise).
///
/// Sixteen independent xoshiro256** lanes feed a vectorised Box–Muller transform (C kernel
/// `cim_normal_fill`; log, sin and cos by polynomials with error < 4e-7). About 0.3 ns a draw
/// with AVX-512, against ~10 ns for ``RandomGenerator/nextNormal()``. The whole state (64 words)
/// is `Codable`, so a run resumes bit-identically. Draws come in blocks of 32; a request that
/// is not a multiple of 32 discards the rest of its last block, so the sequence depends on the
/// sizes of the requests as well as on the seed (which is deterministic for a given program).
public struct NormalStream: Codable, Equatable, Sendable {
    /// xoshiro256** state, word k of lane l at `k * 16 + l`.
    public private(set) var state: [UInt64]

    /// A stream seeded from `seed` and a stream label (see ``RandomGenerator/init(seed:stream:)``).
    public init(seed: UInt64, stream: String) {
        var g = RandomGenerator(seed: seed, stream: stream)
        state = (0..<(4 * Int(CIM_NORMAL_LANES))).map { _ in g.next() }
    }

    /// Restores a saved state (64 words).
    public mutating func restore(state saved: [UInt64]) {
        precondition(saved.count == state.count, "NormalStream.restore: \(saved.count) words, need \(state.count)")
        state = saved
    }

    /// Fills `out` with independent N(0, 1) draws.
    public mutating func fill(_ out: UnsafeMutableBufferPointer<Float>) {
        guard let base = out.baseAddress, out.count > 0 else { return }
        state.withUnsafeMutableBufferPointer { cim_normal_fill($0.baseAddress!, base, out.count) }
    }

    /// `count` independent N(0, 1) draws.
    public mutating func draw(_ count: Int) -> [Float] {
        var out = [Float](repeating: 0, count: count)
        out.withUnsafeMutableBufferPointer { fill($0) }
        return out
    }
}
