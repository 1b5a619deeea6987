import CIMCore
import CIMCrossbar
import CIMDevice
import Foundation
import Testing

/// The presets with devices from published measurements reproduce their sources' statistics.
/// Each published function is typed here from the source (aihwkit's fits of the papers), not
/// taken from the preset, and compared with Monte Carlo draws through the device's own code
/// (writeVerify, driftExponent, conductance at a time), 40 000 devices per point, seeded.
///
/// Tolerances: a σ estimated from n = 40 000 normal draws has a relative standard error of
/// 1/√(2n) = 0.35 %, a mean a standard error of σ/√n; σ's are checked to 2 % (about 5.7 standard
/// errors, leaving room for the clamp at 0 µS and for the folded ν = |μ + σξ|), means to 5 standard
/// errors. NeuRRAM's per-time σ is checked to 3 % because CIMKit evaluates its polynomials at the
/// programmed conductance, aihwkit at the target (a second-order difference).
@Suite("Measured device presets")
struct MeasuredPresetTests {
    static let n = 40_000

    static func poly(_ c: [Double], _ x: Double) -> Double { c.enumerated().reduce(0) { $0 + $1.1 * pow(x, Double($1.0)) } }

    static func stats(_ v: [Double]) -> (mean: Double, sd: Double) {
        let m = v.reduce(0, +) / Double(v.count)
        return (m, (v.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(v.count - 1)).squareRoot())
    }

    /// σ of G − target right after programming, at `target` µS.
    static func programmingSigma(_ d: DeviceModel, target: Double, seed: UInt64) -> Double {
        var rng = RandomGenerator(seed: seed, stream: "prog")
        return stats((0..<n).map { _ in d.writeVerify(target: target, rng: &rng).conductance - target }).sd
    }

    /// G(t) − target of freshly programmed devices at `target` µS, with drift exponents drawn
    /// (`drift`) or ν = 0.
    static func atTime(_ d: DeviceModel, target: Double, seconds: Double, drift: Bool, seed: UInt64) -> [Double] {
        var rng = RandomGenerator(seed: seed, stream: "prog"), flicker = RandomGenerator(seed: seed, stream: "1f")
        return (0..<n).map { _ in
            let g = d.writeVerify(target: target, rng: &rng).conductance
            let nu = drift ? d.driftExponent(target: target, rng: &rng) : 0
            return d.conductance(programmed: g, nu: nu, seconds: seconds, readNoise: &flicker) - target
        }
    }

    /// Prints a measured statistic next to the published one (for the record of the run).
    static func report(_ what: String, _ measured: Double, _ published: Double) {
        print("preset statistic \(what): " + String(format: "measured %.5g, published %.5g (%+.2f %%)", measured, published, 100 * (measured / published - 1)))
    }

    /// Mean and σ of |μ + σ ξ| (the folded normal of the published ν draws).
    static func folded(_ mu: Double, _ s: Double) -> (Double, Double) {
        let z = mu / s, phi = exp(-z * z / 2) / (2 * Double.pi).squareRoot(), cdf = 0.5 * erfc(-z / 2.0.squareRoot())
        let m = s * 2 * phi + mu * (2 * cdf - 1)
        return (m, (mu * mu + s * s - m * m).squareRoot())
    }

    @Test("HERMES-like PCM: σ_prog at 3 conductances, mean ν and σ_ν at 3, 1/f σ at 2 times (Le Gallo et al. 2023)")
    func hermes() throws {
        let d = ChipPreset.hermesLikeInference.spec.device
        try d.validate()
        let gMax = 10.35
        for x in [0.2, 0.5, 0.8] {
            let published = Self.poly([0.15781817, 2.32443916, -2.16310839, 0.68841818], x)
            let s = Self.programmingSigma(d, target: x * gMax, seed: 1)
            #expect(abs(s / published - 1) < 0.02, "σ_prog at x = \(x): \(s) vs \(published) µS")
            Self.report("hermes σ_prog x=\(x)", s, published)
        }
        for x in [0.05, 0.2, 0.6] {
            let mu = x < 0.0945 ? min(max(-0.0387 * log(x) - 0.0182, 0.072), 0.13) : -0.0436 * x * x - 0.0126 * x + 0.0736
            let sigma = x < 0.3039 ? min(max(-0.0120 * log(x) - 0.0023, 0.0124), 0.04) : -0.0165 * x * x + 0.0116 * x + 0.0104
            let (fm, fs) = Self.folded(mu, sigma)
            var rng = RandomGenerator(seed: 2, stream: "nu")
            let (m, s) = Self.stats((0..<Self.n).map { _ in d.driftExponent(target: x * gMax, rng: &rng) })
            #expect(abs(m - fm) < 5 * fs / Double(Self.n).squareRoot(), "mean ν at x = \(x): \(m) vs \(fm) (μ \(mu))")
            #expect(abs(s / fs - 1) < 0.02, "σ_ν at x = \(x): \(s) vs \(fs) (σ \(sigma))")
            Self.report("hermes mean ν x=\(x)", m, fm)
            Self.report("hermes σ_ν x=\(x)", s, fs)
        }
        for x in [0.1, 0.5] {
            let q = x < 0.1591 ? min(max(-0.0078 * log(x) + 0.0038, 0.0179), 0.04) : 0.0664 * x * x * x - 0.1352 * x * x + 0.0768 * x + 0.0088
            for t in [3600.0, 86400.0] {
                let published = q * log((t + 512e-9) / (2 * 512e-9)).squareRoot()
                var flicker = RandomGenerator(seed: 3, stream: "1f")
                let g = x * gMax
                let (_, s) = Self.stats((0..<Self.n).map { _ in (d.conductance(programmed: g, nu: 0, seconds: t, readNoise: &flicker) - g) / g })
                #expect(abs(s / published - 1) < 0.02, "1/f σ/G at x = \(x), t = \(t) s: \(s) vs \(published)")
                Self.report("hermes 1/f σ/G x=\(x) t=\(t)", s, published)
            }
        }
    }

    @Test("NeuRRAM-like RRAM: σ of G − target at 3 conductances at 1 s, 1 day, 2 days; other times refused (Wan et al. 2022)")
    func neurram() throws {
        let d = ChipPreset.neurramLikeInference.spec.device
        try d.validate()
        let published: [Double: [Double]] = [1: [0.348, 16.030, -43.853, 45.393, -16.815], 86400: [0.701, 22.086, -50.773, 47.095, -16.458],
                                             172800: [0.782, 20.274, -43.507, 37.062, -11.934]]
        for x in [0.25, 0.5, 0.75] {
            let s = Self.programmingSigma(d, target: 40 * x, seed: 4)
            #expect(abs(s / Self.poly(published[1]!, x) - 1) < 0.02, "σ_prog at x = \(x): \(s)")
            Self.report("neurram σ_prog x=\(x)", s, Self.poly(published[1]!, x))
            for t in [1.0, 86400, 172800] {
                let (m, sd) = Self.stats(Self.atTime(d, target: 40 * x, seconds: t, drift: true, seed: 5))
                let want = Self.poly(published[t]!, x)
                #expect(abs(sd / want - 1) < 0.03, "σ at x = \(x), t = \(t) s: \(sd) vs \(want) µS")
                Self.report("neurram σ x=\(x) t=\(t)", sd, want)
                #expect(abs(m) < 5 * want / Double(Self.n).squareRoot(), "mean of G − target at x = \(x), t = \(t): \(m)")
            }
        }
        #expect(d.driftNuMean(at: 20) == 0)  // the source has no drift law
        try d.checkEvaluationTime(0)
        try d.checkEvaluationTime(86400)
        #expect(throws: CIMError.invalidConfig(field: "--time", reason:
            "3600.0 s: device neurram-like is valid only at 1, 86400, 172800 s after programming (the times its statistics were measured at) or 0 (as programmed)")) {
            try d.checkEvaluationTime(3600)
        }
    }

    @Test("CMO/HfOx-like ReRAM: σ_prog at 3 conductances (0.2 % acceptance), relaxation mean and σ and 1/f σ at 2 times (Falcone et al. 2025)")
    func cmo() throws {
        let d = ChipPreset.cmoHfOxLikeInference.spec.device
        try d.validate()
        for g in [20.0, 50.0, 80.0] {
            let published = 0.00081107 + 0.00106879 * g
            let s = Self.programmingSigma(d, target: g, seed: 6)
            #expect(abs(s / published - 1) < 0.02, "σ_prog at \(g) µS: \(s) vs \(published) µS")
            Self.report("cmo σ_prog G=\(g)", s, published)
        }
        for t in [3600.0, 86400.0] {
            let g = 50.0
            let shift = -0.08900206 * log(t), relax = 0.04201137 * log(t) + 0.41183342
            let read = 0.0277316483 * log10(g + shift) * log((t + 1e-6) / 2e-6).squareRoot()
            #expect(abs(d.readNoise1fLog10Sigma(at: g + shift, seconds: t) / read - 1) < 1e-9)
            let (m, s) = Self.stats(Self.atTime(d, target: g, seconds: t, drift: true, seed: 7))
            let total = (relax * relax + read * read + pow(0.00081107 + 0.00106879 * g, 2)).squareRoot()
            #expect(abs(m - shift) < 5 * total / Double(Self.n).squareRoot(), "relaxation mean at t = \(t) s: \(m) vs \(shift) µS")
            #expect(abs(s / total - 1) < 0.02, "σ at t = \(t) s: \(s) vs \(total) µS (relaxation \(relax), 1/f \(read))")
            Self.report("cmo relaxation mean G=50 t=\(t)", m, shift)
            Self.report("cmo σ (relaxation+1/f+prog) G=50 t=\(t)", s, total)
        }
    }
}
