import CCIMKernels
import CIMCore
import Testing

/// The DAC and read-noise kernels (CCIMKernels) against Swift transcriptions of their documented
/// arithmetic, bit for bit: the AVX-512 paths (16 rows at a time, masked tails, a transpose) must
/// give exactly what the portable code gives, on shapes that exercise every remainder.
@Suite("Periphery kernels: bit-exact against the documented arithmetic")
struct PeripheryKernelTests {
    static let shapes: [(rows: Int, cols: Int, block: Int)] = [
        (36, 25, 64), (53, 200, 64), (16, 16, 16), (31, 17, 17), (17, 7, 3), (48, 40, 16), (19, 300, 256),
        (5, 33, 8), (64, 128, 64), (16, 1, 1), (33, 0, 4),
    ]

    /// Values a DAC sees: zeros, exact levels, arbitrary reals, both signs.
    func inputs(_ n: Int, seed: UInt64, signed: Bool) -> [Float] {
        var rng = RandomGenerator(seed: seed)
        return (0..<n).map { i in
            switch i % 5 {
            case 0: return 0
            case 1: return Float(rng.next() % 256) / 255
            default:
                let u = Float(rng.nextDouble()) * 3
                return signed && i % 3 == 0 ? -u : u
            }
        }
    }

    /// cim_read_noise_block_sums as documented: per row and block, 16 partial sums over the full
    /// chunks of 16 columns, added in lane order to 0, then the remaining columns in order.
    func referenceSums(_ x: [Float], rows: Int, cols: Int, block: Int, bits: Int, serial: Bool) -> [Float] {
        let levels: Float = bits > 0 ? Float((1 << bits) - 1) : 0
        let invL2: Float = bits > 0 ? 1 / (levels * levels) : 0
        func w(_ v: Float) -> Float {
            guard serial && bits > 0 else { return v * v }
            var q = UInt32(truncatingIfNeeded: Int32((v * levels).rounded(.toNearestOrEven))) & 0xffff
            q = (q | (q << 8)) & 0x00ff_00ff
            q = (q | (q << 4)) & 0x0f0f_0f0f
            q = (q | (q << 2)) & 0x3333_3333
            q = (q | (q << 1)) & 0x5555_5555
            return Float(q) * invL2
        }
        let blocks = (cols + block - 1) / block
        var out = [Float](repeating: 0, count: rows * blocks)
        for r in 0..<rows {
            for b in 0..<blocks {
                let c0 = b * block, c1 = min(c0 + block, cols)
                var acc = [Float](repeating: 0, count: 16)
                var c = c0
                while c + 16 <= c1 {
                    for j in 0..<16 { acc[j] += w(x[r * cols + c + j]) }
                    c += 16
                }
                var total: Float = 0
                for j in 0..<16 { total += acc[j] }
                while c < c1 { total += w(x[r * cols + c]); c += 1 }
                out[r * blocks + b] = total
            }
        }
        return out
    }

    @Test("read-noise block sums equal the documented order of additions", arguments: [(0, false), (8, false), (8, true), (4, true)])
    func blockSums(bits: Int, serial: Bool) {
        for (i, s) in Self.shapes.enumerated() {
            let x = inputs(s.rows * s.cols, seed: UInt64(100 + i), signed: false)
            let blocks = (s.cols + s.block - 1) / s.block
            var out = [Float](repeating: .nan, count: max(1, s.rows * blocks))
            cim_read_noise_block_sums(x, s.rows, s.cols, s.block, Int32(bits), serial ? 1 : 0, &out)
            let want = referenceSums(x, rows: s.rows, cols: s.cols, block: s.block, bits: bits, serial: serial)
            #expect(out.prefix(want.count).map(\.bitPattern) == want.map(\.bitPattern), "shape \(s)")
        }
    }

    @Test("per-row DAC equals (x · (1/m)) · L, rounded to nearest even, · (1/L); NaN never sets the scale", arguments: [0, 4, 8])
    func dac(bits: Int) {
        let levels: Float = bits > 0 ? Float((1 << bits) - 1) : 0
        for (i, s) in Self.shapes.enumerated() {
            var x = inputs(s.rows * s.cols, seed: UInt64(200 + i), signed: true)
            if s.rows > 2 && s.cols > 1 { x[s.cols + 1] = .nan; for c in 0..<s.cols { x[2 * s.cols + c] = 0 } }
            var q = [Float](repeating: 0, count: max(1, x.count)), scale = [Float](repeating: 0, count: max(1, s.rows))
            cim_dac_quantize(x, s.rows, s.cols, Int32(bits), &q, &scale)
            for r in 0..<s.rows {
                let row = x[(r * s.cols)..<((r + 1) * s.cols)]
                var m: Float = 0
                for v in row where abs(v) > m { m = abs(v) }
                if !(m > 0) { m = 1 }
                #expect(scale[r].bitPattern == m.bitPattern, "shape \(s) row \(r)")
                let inv = 1 / m
                for c in 0..<s.cols {
                    let v = row[row.startIndex + c]
                    let want = bits > 0 ? (v * inv * levels).rounded(.toNearestOrEven) * (1 / levels) : v * inv
                    #expect(q[r * s.cols + c].bitPattern == want.bitPattern || (want.isNaN && q[r * s.cols + c].isNaN),
                            "shape \(s) row \(r) column \(c)")
                }
            }
        }
    }
}
