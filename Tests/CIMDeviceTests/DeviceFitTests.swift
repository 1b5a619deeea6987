import CIMCore
import CIMDevice
import Foundation
import Testing

@Suite("Device fit")
struct DeviceFitTests {
    /// The known device: σ_prog = 0.3 + 1.2 x − 0.6 x² µS over 0–25 µS, σ_read = 0.3 µS, mean
    /// ν = 0.03 − 0.01 ln x with σ_ν = 0.01 from t₀ = 1 s, no 1/f noise, one write attempt.
    static var truth: DeviceModel {
        var d = DeviceModel(name: "oracle", levels: 0, gMinMicroSiemens: 0, gMaxMicroSiemens: 25, readVoltage: 0.2,
                            programmingSigmaMicroSiemens: 0, readSigmaMicroSiemens: 0.3, maxWriteTrials: 1)
        d.programmingSigmaPolynomialMicroSiemens = [0.3, 1.2, -0.6]
        d.driftNu = 0.03
        d.driftNuLogSlope = -0.01
        d.driftNuMeanRange = [0, 0.2]
        d.driftNuSigma = 0.01
        d.driftReferenceSeconds = 1
        return d
    }

    /// 10 000 devices with targets uniform in 2–25 µS, read 4 times at 1 s, 1 h and 1 day.
    static let fitted: (DeviceMeasurements, DeviceFitResult) = {
        let sampler = MeasurementSampler(device: truth, devices: 10_000, times: [1, 3600, 86400], reads: 4, targetRange: [2, 25], seed: 2026)
        let m = try! DeviceMeasurements.parse(Array(try! sampler.csv().utf8), label: "synthetic.csv")
        return (m, try! DeviceFit.fit(m, options: DeviceFitOptions(gMaxMicroSiemens: 25, bootstrap: 400, seed: 1)))
    }()

    @Test("10k synthetic devices: the true values lie in their 95 % intervals (at most 1 of 10 misses; all in Bonferroni intervals)")
    func coverage() {
        let (m, r) = Self.fitted
        #expect(m.deviceIDs.count == 10_000 && m.rows == 120_000 && r.hasDrift && r.driftDevices == 10_000)
        let truth: [String: Double] = ["sigmaProg.c0": 0.3, "sigmaProg.c1": 1.2, "sigmaProg.c2": -0.6, "readSigma": 0.3,
                                       "readSigma@1s": 0.3, "readSigma@3600s": 0.3, "readSigma@86400s": 0.3,
                                       "driftNu": 0.03, "driftNuLogSlope": -0.01, "driftNuSigma": 0.01]
        #expect(Set(r.parameters.map(\.name)) == Set(truth.keys))
        // Tolerance logic: ten 95 % intervals miss about 0.5 times on average by chance. Required:
        // at most one of the ten 95 % (bootstrap percentile) intervals misses its true value
        // (P(≥ 2 misses) ≈ 9 % for independent intervals), and every true value lies inside its
        // Bonferroni-adjusted interval, estimate ± 2.81 s.e. (family-wise 95 % over ten).
        // The seed was fixed before the first run (2026); with it, driftNuSigma's 95 % interval
        // misses 0.01 by 5·10⁻⁶ (its estimate is 0.01017, 2 s.e. high).
        var misses: [String] = []
        for p in r.parameters {
            let t = truth[p.name]!
            if !p.covers(t) { misses.append("\(p.name): \(p.estimate) [\(p.lower), \(p.upper)] misses \(t)") }
            #expect(abs(p.estimate - t) <= 2.81 * p.standardError, "\(p.name): \(p.estimate) ± 2.81 × \(p.standardError) misses \(t)")
        }
        #expect(misses.count <= 1, "\(misses)")
        print(r.summary + "\n95 % intervals missing the true value: \(misses.isEmpty ? "none" : misses.joined(separator: "; "))")
    }

    @Test("the intervals are as wide as theory says, not inflated")
    func widths() {
        let (_, r) = Self.fitted
        // read σ: pooled variance with 10 000 × 3 × 3 = 90 000 degrees of freedom: s.e.(σ) = σ / √(2 · 90 000)
        let read = r.parameter("readSigma")!
        let theory = 0.3 / (2.0 * 90_000).squareRoot()
        #expect(read.standardError > 0.75 * theory && read.standardError < 1.33 * theory, "\(read.standardError) vs \(theory)")
        #expect(abs((read.upper - read.lower) / (2 * 1.96 * theory) - 1) < 0.3)
        // σ_prog coefficients: bootstrap s.e. within ±30 % of the Fisher-information s.e.
        for p in r.parameters where p.name.hasPrefix("sigmaProg") {
            let f = p.fisherStandardError!
            #expect(p.standardError > 0.7 * f && p.standardError < 1.3 * f, "\(p.name): \(p.standardError) vs Fisher \(f)")
        }
        // mean ν intercept: at least as precise as σ_ν/√N would allow, at most 3× that
        let nu = r.parameter("driftNu")!
        #expect(nu.standardError > 0.01 / 100 && nu.standardError < 3 * 0.01 / 100 * 3, "\(nu.standardError)")
        // σ_ν to within ±10 % of its value at 95 %
        let s = r.parameter("driftNuSigma")!
        #expect(s.upper - s.lower < 0.2 * 0.01, "\(s.lower)…\(s.upper)")
    }

    @Test("the fitted device validates, round-trips through its JSON and reproduces the fitted statistics")
    func roundTrip() throws {
        let (_, r) = Self.fitted
        let base = DeviceModel(name: "base", levels: 0, gMinMicroSiemens: 0, gMaxMicroSiemens: 25, readVoltage: 0.2,
                               programmingSigmaMicroSiemens: 2, readSigmaMicroSiemens: 1)
        let d = r.device(base: base, name: "fitted")
        try d.validate()
        let again = try DeviceModel.parse(Array(d.jsonText.utf8), label: "device.json")
        #expect(again == d)
        #expect(d.maxWriteTrials == 1 && d.programmingSigmaMicroSiemens == 0 && d.driftReferenceSeconds == 1)
        #expect(abs(d.programmingSigma(at: 12.5) - Self.truth.programmingSigma(at: 12.5)) < 0.05)
        #expect(abs(d.driftNuMean(at: 12.5) - Self.truth.driftNuMean(at: 12.5)) < 0.002)
        // a base with other noise models (branches, relaxation, valid times): the fitted device drops them
        var rich = base
        rich.driftNu = 0.02; rich.driftNuMeanPolynomialAbove = 0.1; rich.driftNuMeanPolynomial = [0.05]
        rich.driftNuSigma = 0.01; rich.driftNuSigmaPolynomialAbove = 0.3; rich.driftNuSigmaPolynomial = [0.01]
        rich.readNoise1fCoefficient = 0.01; rich.readNoise1fReadSeconds = 1e-6; rich.readNoise1fPolynomialAbove = 0.2; rich.readNoise1fPolynomial = [0.02]
        rich.relaxationLogShiftMicroSiemens = -0.1; rich.relaxationSigmaMicroSiemens = [0.4, 0.04]
        rich.validReadSeconds = [1, 86400]; rich.timeSigmaPolynomialsMicroSiemens = [0.5, 0.6]
        try rich.validate()
        let fromRich = r.device(base: rich, name: "fitted")
        try fromRich.validate()
        #expect(fromRich == d)
        #expect { try DeviceModel.parse(Array("{\"name\":\"x\",\"bogus\":1}".utf8), label: "d.json") } throws: { e in
            "\(e)".hasPrefix("d.json: ")
        }
    }

    @Test("one read time: no drift terms; one read per time: read σ 0")
    func partial() throws {
        let sampler = MeasurementSampler(device: Self.truth, devices: 500, times: [1], reads: 1, targetRange: [2, 25], seed: 3)
        let m = try DeviceMeasurements.parse(Array(try sampler.csv().utf8), label: "one.csv")
        let r = try DeviceFit.fit(m, options: DeviceFitOptions(sigmaDegree: 0, gMaxMicroSiemens: 25, bootstrap: 100))
        #expect(!r.hasDrift && r.parameter("driftNu") == nil && r.parameter("readSigma")?.estimate == 0)
        let d = r.device(base: Self.truth, name: "f")
        try d.validate()
        #expect(d.driftNu == 0 && d.driftNuSigma == nil && d.programmingSigmaPolynomialMicroSiemens?.count == 1)
    }
}
