import CIMCore
import Foundation
import Testing

@Suite("NormalStream")
struct NormalStreamTests {
    @Test("moments and tails of 1,000,000 draws match N(0, 1)")
    func moments() {
        var s = NormalStream(seed: 1, stream: "test")
        let n = 1_000_000
        let z = s.draw(n)
        var m1 = 0.0, m2 = 0.0, m4 = 0.0, beyond3 = 0
        for v in z {
            let d = Double(v)
            m1 += d; m2 += d * d; m4 += d * d * d * d
            if abs(d) > 3 { beyond3 += 1 }
        }
        m1 /= Double(n); m2 /= Double(n); m4 /= Double(n)
        #expect(abs(m1) < 5 / Double(n).squareRoot(), "mean \(m1)")
        #expect(abs(m2 - 1) < 5 * (2 / Double(n)).squareRoot(), "variance \(m2)")
        #expect(abs(m4 - 3) < 5 * (96 / Double(n)).squareRoot(), "fourth moment \(m4)")
        let p3 = 0.0026998  // P(|z| > 3)
        #expect(abs(Double(beyond3) / Double(n) - p3) < 5 * (p3 / Double(n)).squareRoot(), "tail \(beyond3)")
        // the two normals of a Box–Muller pair are uncorrelated
        var c = 0.0
        for b in 0..<(n / 32) { for l in 0..<16 { c += Double(z[32 * b + l]) * Double(z[32 * b + 16 + l]) } }
        #expect(abs(c / Double(n / 2)) < 5 / Double(n / 2).squareRoot())
    }

    @Test("the same seed gives the same draws; a saved state resumes the sequence exactly")
    func determinism() {
        var a = NormalStream(seed: 7, stream: "x"), b = NormalStream(seed: 7, stream: "x"), c = NormalStream(seed: 7, stream: "y")
        let da = a.draw(100)
        #expect(da == b.draw(100))
        #expect(da != c.draw(100))
        let saved = a.state
        let next = a.draw(50)
        var d = NormalStream(seed: 0, stream: "")
        d.restore(state: saved)
        #expect(d.draw(50) == next)
    }
}
