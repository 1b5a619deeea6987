import CIMCore
import CIMCrossbar
import CIMDevice
import Foundation
import Testing

/// The optional device terms, against the published statistics they come from, and the one
/// drift law.
@Suite("Device terms: programming σ(G), drift ν(G) with spread, 1/f read noise")
struct DeviceTermsTests {
    static let pcm = ChipPreset.pcmLikeInference.spec.device

    /// Sample mean and standard deviation.
    static func moments(_ v: [Double]) -> (mean: Double, std: Double) {
        let m = v.reduce(0, +) / Double(v.count)
        return (m, (v.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(v.count - 1)).squareRoot())
    }

    /// Published PCM statistics (Nandakumar et al., ICECS 2019; Joshi et al., Nat. Commun. 2020;
    /// the coefficients of aihwkit's PCMLikeNoiseModel) at x = G/25 µS, evaluated by hand:
    /// σ_prog = 0.26348 + 1.9650 x − 1.1731 x² µS.
    @Test("pcm-like: programming σ at 2.5, 12.5 and 25 µS is the published 0.448, 0.953, 1.055 µS (±3 %, 20,000 writes each)",
          arguments: [(2.5, 0.448249), (12.5, 0.952705), (25.0, 1.05538)])
    func programmingSigma(target: Double, published: Double) {
        var rng = RandomGenerator(seed: 7, stream: "prog/\(target)")
        let g = (0..<20_000).map { _ in Self.pcm.writeVerify(target: target, rng: &rng).conductance - target }
        let (mean, std) = Self.moments(g)
        #expect(abs(std / published - 1) < 0.03, "σ \(std) µS vs published \(published) µS")
        #expect(abs(mean) < 4 * published / (20_000.0).squareRoot(), "mean error \(mean) µS")
        #expect(Self.pcm.programmingSigma(at: target) == Self.pcm.programmingSigma(at: target))
    }

    /// ν mean = clamp(0.0244 − 0.0155 ln x, 0.049, 0.1), σ_ν = clamp(−0.0059 − 0.0125 ln x, 0.008,
    /// 0.045): at x = 0.1, 0.060090 and 0.022882; at x = 1, 0.049 and 0.008 (clipped).
    /// ν is measured through the drift law: G(e·t₀) = G(t₀)·e^(−ν).
    @Test("pcm-like: drift ν at 2.5 and 25 µS has the published mean (±2 %) and device-to-device σ (±5 %)",
          arguments: [(2.5, 0.060090, 0.022882), (25.0, 0.049, 0.008)])
    func driftExponent(target: Double, publishedMean: Double, publishedSigma: Double) {
        var d = Self.pcm
        d.readNoise1fCoefficient = nil
        d.readNoise1fExponent = nil
        d.readNoise1fMaxRelative = nil
        d.readNoise1fReadSeconds = nil
        var rng = RandomGenerator(seed: 3, stream: "nu/\(target)")
        var unused = RandomGenerator(seed: 0)
        let t = d.driftT0Seconds * exp(1.0)
        #expect(d.driftT0Seconds == 20)
        let nus = (0..<20_000).map { _ -> Double in
            let nu = d.driftExponent(target: target, rng: &rng)
            return -log(d.conductance(programmed: target, nu: nu, seconds: t, readNoise: &unused) / target)
        }
        let m = Self.moments(nus)
        #expect(abs(m.mean / publishedMean - 1) < 0.02, "mean ν \(m.mean) vs published \(publishedMean)")
        #expect(abs(m.std / publishedSigma - 1) < 0.05, "σ_ν \(m.std) vs published \(publishedSigma)")
        #expect(d.conductance(programmed: target, nu: 0.05, seconds: d.driftT0Seconds, readNoise: &unused) == target, "no drift before t₀")
    }

    /// σ/G = 0.0088 / x^0.65 · √ln((t + t_r)/(2 t_r)), t_r = 250 ns: at x = 0.5 (12.5 µS),
    /// 0.065787 after 1 h and 0.070242 after 1 day.
    @Test("pcm-like: accumulated 1/f read noise at 12.5 µS has the published relative σ after 1 h and 1 day (±3 %)",
          arguments: [(3600.0, 0.065787), (86400.0, 0.070242)])
    func readNoise(seconds: Double, published: Double) {
        var d = Self.pcm
        d.driftNu = 0
        d.driftNuLogSlope = nil
        d.driftNuMeanRange = nil
        d.driftNuSigma = nil
        d.driftNuSigmaLogSlope = nil
        d.driftNuSigmaRange = nil
        var rng = RandomGenerator(seed: 5, stream: "1f/\(seconds)")
        let rel = (0..<20_000).map { _ in d.conductance(programmed: 12.5, nu: 0, seconds: seconds, readNoise: &rng) / 12.5 - 1 }
        let (mean, std) = Self.moments(rel)
        #expect(abs(std / published - 1) < 0.03, "relative σ \(std) vs published \(published)")
        #expect(abs(mean) < 4 * published / (20_000.0).squareRoot())
        #expect(d.readNoise1fRelativeSigma(at: 12.5, seconds: 0) == 0, "no accumulated noise at t = 0")
    }

    @Test("one drift law: DeviceModel and PulseDeviceModel both drift by PowerLawDrift")
    func oneLaw() {
        var d = DevicePreset.brram4bit.model
        d.driftNu = 0.07
        let p = PulseDevicePreset.pcmNandakumar2020.model
        for t in [0.5, 1.0, 10.0, 3600.0, 3.15e7] {
            #expect(d.drifted(30, nu: d.driftNu, seconds: t) == PowerLawDrift.conductance(30, nu: 0.07, referenceSeconds: 1, seconds: t))
            #expect(p.drift(10, from: 1, to: t) == Float(max(p.gMinMicroSiemens, PowerLawDrift.conductance(10, nu: p.driftNu, referenceSeconds: 1, seconds: t))))
        }
        #expect(PowerLawDrift.conductance(30, nu: 0.07, referenceSeconds: 20, seconds: 20 * exp(1.0)) == 30 * exp(-0.07))
    }

    @Test("devices without the new terms program, drift and draw exactly as before (constant σ, ν, no extra draws)")
    func absentTerms() {
        for preset in DevicePreset.allCases {
            var d = preset.model
            d.driftNu = 0.03
            #expect(d.programmingSigma(at: 20) == d.programmingSigmaMicroSiemens)
            #expect(d.verifyTolerance(at: 20) == d.verifyToleranceLevels * d.levelSpacingMicroSiemens)
            var a = RandomGenerator(seed: 1), b = RandomGenerator(seed: 1)
            #expect(d.driftExponent(target: 20, rng: &a) == 0.03)
            #expect(d.conductance(programmed: 20, nu: 0.03, seconds: 100, readNoise: &a) == 20 * pow(100, -0.03))
            #expect(a.nextDouble() == b.nextDouble(), "no draw for absent terms")
        }
    }

    @Test("a per-level σ table, a relative acceptance range and bounds act as documented")
    func tableAcceptanceBounds() {
        var d = DevicePreset.brram2bit.model  // 4 levels over 8.2–32.9 µS
        d.programmingSigmaMicroSiemens = 0
        d.programmingSigmaPerLevelMicroSiemens = [0.5, 1, 2, 4]
        #expect(d.programmingSigma(at: 8.2) == 0.5 && d.programmingSigma(at: 32.9) == 4 && d.programmingSigma(at: 17) == 1)
        d.verifyAcceptanceRelative = 0.02
        #expect(d.verifyTolerance(at: 25) == 0.5)
        d.conductanceRangeMicroSiemens = [9, 30]
        #expect(d.bounded(5) == 9 && d.bounded(31) == 30 && d.bounded(20) == 20)
        var rng = RandomGenerator(seed: 1)
        #expect(d.conductance(programmed: 40, nu: 0, seconds: 0, readNoise: &rng) == 30)
        #expect((try? d.validate()) != nil)
    }

    /// One bad value per optional term, named by the field the error must name.
    static func breaking(_ field: String, _ d: inout DeviceModel) {
        switch field {
        case "programmingSigmaMicroSiemens": d.programmingSigmaPolynomialMicroSiemens = [1]; d.programmingSigmaMicroSiemens = 1
        case "programmingSigmaPolynomialMicroSiemens": d.programmingSigmaMicroSiemens = 0; d.programmingSigmaPolynomialMicroSiemens = []
        case "programmingSigmaPerLevelMicroSiemens": d.programmingSigmaMicroSiemens = 0; d.programmingSigmaPerLevelMicroSiemens = [1, 2]
        case "verifyAcceptanceRelative": d.verifyAcceptanceRelative = 0
        case "driftReferenceSeconds": d.driftReferenceSeconds = -1
        case "driftNuMeanRange": d.driftNuLogSlope = -0.01
        case "driftNuSigmaRange": d.driftNuSigmaRange = [0.1, 0.01]
        case "readNoise1fReadSeconds": d.readNoise1fCoefficient = 0.01
        case "readNoise1fExponent": d.readNoise1fExponent = 0.5
        case "conductanceRangeMicroSiemens": d.conductanceRangeMicroSiemens = [1]
        default: Issue.record("no bad value for \(field)")
        }
    }

    @Test("bad terms are refused with the field named", arguments: [
        "programmingSigmaMicroSiemens", "programmingSigmaPolynomialMicroSiemens", "programmingSigmaPerLevelMicroSiemens",
        "verifyAcceptanceRelative", "driftReferenceSeconds", "driftNuMeanRange", "driftNuSigmaRange", "readNoise1fReadSeconds",
        "readNoise1fExponent", "conductanceRangeMicroSiemens",
    ])
    func refused(field: String) {
        var d = DevicePreset.brram4bit.model
        Self.breaking(field, &d)
        #expect(throws: CIMError.self) { try d.validate() }
        do { try d.validate() } catch {
            guard case let .invalidConfig(f, _) = error else { Issue.record("\(error)"); return }
            #expect(f == "device brram-4bit.\(field)", "\(f)")
        }
    }
}
