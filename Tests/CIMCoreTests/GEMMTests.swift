import CIMCore
import Testing

@Suite("GEMM through the project's BLAS path")
struct GEMMTests {
    func random(_ n: Int, _ rng: inout RandomGenerator) -> [Float] {
        (0..<n).map { _ in rng.uniform(-1, 1) }
    }

    @Test("sgemm equals the triple-loop oracle for every transpose, alpha and beta",
          arguments: [(false, false), (true, false), (false, true), (true, true)])
    func matchesReference(transA: Bool, transB: Bool) throws {
        var rng = RandomGenerator(seed: 7)
        for (m, n, k) in [(1, 1, 1), (3, 5, 7), (17, 9, 33), (64, 10, 128), (130, 70, 45)] {
            let lda = transA ? m : k, ldb = transB ? k : n
            let a = random(m * k, &rng), b = random(k * n, &rng)
            let c0 = random(m * n, &rng)
            var expected = c0, actual = c0
            referenceGEMM(transA: transA, transB: transB, m: m, n: n, k: k, alpha: 0.75, a: a, lda: lda,
                          b: b, ldb: ldb, beta: 0.5, c: &expected, ldc: n)
            a.withUnsafeBufferPointer { ap in
                b.withUnsafeBufferPointer { bp in
                    actual.withUnsafeMutableBufferPointer { cp in
                        BLAS.sgemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: 0.75,
                                   a: ap.baseAddress!, lda: lda, b: bp.baseAddress!, ldb: ldb,
                                   beta: 0.5, c: cp.baseAddress!, ldc: n)
                    }
                }
            }
            for i in 0..<(m * n) {
                #expect(abs(actual[i] - expected[i]) <= 1e-5 * Float(k).squareRoot() + 1e-6,
                        "m=\(m) n=\(n) k=\(k) at \(i): \(actual[i]) vs \(expected[i])")
            }
        }
    }

    @Test("the BLAS library loads and reports a kernel")
    func reportsKernel() throws {
        let info = try BLAS.info
        #expect(!info.library.isEmpty)
        #expect(info.coreName != "unknown" && !info.coreName.isEmpty)
        #expect(info.threads >= 1)
    }
}

@Suite("im2col")
struct Im2ColTests {
    @Test("im2col + GEMM equals a direct convolution; col2im is its adjoint")
    func convolutionOracle() {
        var rng = RandomGenerator(seed: 3)
        let (n, h, w, c, k, oc) = (2, 7, 6, 3, 3, 4)
        let (oh, ow) = Im2Col.outputSize(height: h, width: w, kernel: k)
        let x = (0..<(n * h * w * c)).map { _ in rng.uniform(-1, 1) }
        let wt = (0..<(oc * k * k * c)).map { _ in rng.uniform(-1, 1) }
        var col = [Float](repeating: 0, count: n * oh * ow * k * k * c)
        x.withUnsafeBufferPointer { xp in
            col.withUnsafeMutableBufferPointer { cp in
                Im2Col.im2col(xp.baseAddress!, batch: n, height: h, width: w, channels: c, kernel: k, col: cp.baseAddress!)
            }
        }
        var y = [Float](repeating: 0, count: n * oh * ow * oc)
        referenceGEMM(transB: true, m: n * oh * ow, n: oc, k: k * k * c, a: col, lda: k * k * c, b: wt, ldb: k * k * c,
                      c: &y, ldc: oc)
        for b in 0..<n { for i in 0..<oh { for j in 0..<ow { for o in 0..<oc {
            var s = 0.0
            for di in 0..<k { for dj in 0..<k { for ch in 0..<c {
                s += Double(x[((b * h + i + di) * w + j + dj) * c + ch]) * Double(wt[((o * k + di) * k + dj) * c + ch])
            } } }
            #expect(abs(Double(y[((b * oh + i) * ow + j) * oc + o]) - s) < 1e-5)
        } } } }
        // Adjoint: <im2col(x), g> == <x, col2im(g)> for any g.
        let g = (0..<col.count).map { _ in rng.uniform(-1, 1) }
        var dx = [Float](repeating: 0, count: x.count)
        g.withUnsafeBufferPointer { gp in
            dx.withUnsafeMutableBufferPointer { dp in
                Im2Col.col2im(gp.baseAddress!, batch: n, height: h, width: w, channels: c, kernel: k, dx: dp.baseAddress!)
            }
        }
        let lhs = zip(col, g).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        let rhs = zip(x, dx).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        #expect(abs(lhs - rhs) < 1e-4)
    }
}

@Suite("FastMath")
struct FastMathTests {
    @Test("vectorised tanh, sigmoid and exp agree with libm")
    func againstLibm() {
        var xs: [Float] = stride(from: -20.0, through: 20.0, by: 0.001).map { Float($0) }
        xs += [0, -0.0, 1e-8, -1e-8, 100, -100, 1e-30]
        var t = xs, s = xs, e = xs.map { max(min($0, 80), -80) }
        let e0 = e
        t.withUnsafeMutableBufferPointer { FastMath.tanh($0) }
        s.withUnsafeMutableBufferPointer { FastMath.sigmoid($0) }
        e.withUnsafeMutableBufferPointer { FastMath.exp($0) }
        var worstT: Float = 0, worstS: Float = 0, worstE: Float = 0
        for i in xs.indices {
            worstT = max(worstT, abs(t[i] - Foundation.tanh(xs[i])))
            worstS = max(worstS, abs(s[i] - 1 / (1 + Foundation.exp(-xs[i]))))
            let exact = Foundation.exp(e0[i])
            worstE = max(worstE, abs(e[i] - exact) / exact)
        }
        #expect(worstT < 3e-7, "tanh max abs error \(worstT)")
        #expect(worstS < 3e-7, "sigmoid max abs error \(worstS)")
        #expect(worstE < 5e-7, "exp max rel error \(worstE)")
        #expect(t[xs.count - 6] == 0 && t[xs.count - 3] == 1 && t[xs.count - 2] == -1)
    }
}

import Foundation
