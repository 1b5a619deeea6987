import CIMCore
import Foundation

/// The optional device terms of an inference audit: conductance-dependent programming error,
/// a relative write-and-verify acceptance range, conductance-dependent drift exponents with a
/// device-to-device spread, accumulated 1/f read noise, and bounded conductance. Each is absent
/// unless its key is set, and a device without any of them behaves exactly as before they
/// existed (same random draws, same results).
///
/// The forms follow the published statistical PCM model of Nandakumar et al., *Phase-change
/// memory models for deep learning training and inference*, ICECS 2019, and Joshi et al.,
/// *Accurate deep neural network inference using computational phase-change memory*,
/// Nat. Commun. 11, 2473 (2020) (also IBM aihwkit's `PCMLikeNoiseModel`); `x = |G|/gMax`
/// (at least 10⁻⁷) is the relative conductance throughout.
extension DeviceModel {
    /// Smallest relative conductance `x` used in logarithms and powers (the published models'
    /// clip, so that G = 0 has finite statistics).
    public static let relativeConductanceFloor = 1e-7
    /// Floor of `x^e` in the 1/f read-noise coefficient (Nandakumar et al. 2019's model).
    public static let readNoise1fPowerFloor = 1e-3

    /// `x = max(|g|/gMax, 10⁻⁷)`.
    func relative(_ g: Double) -> Double { max(abs(g) / gMaxMicroSiemens, Self.relativeConductanceFloor) }

    /// σ of the programming error of a write aimed at `target` µS: the polynomial
    /// `Σ_k c_k x^k` (µS, at least 0) of ``programmingSigmaPolynomialMicroSiemens``, the entry of
    /// the level nearest `target` in ``programmingSigmaPerLevelMicroSiemens``, or the constant
    /// ``programmingSigmaMicroSiemens``.
    public func programmingSigma(at target: Double) -> Double {
        if let c = programmingSigmaPolynomialMicroSiemens, !c.isEmpty {
            let x = abs(target) / gMaxMicroSiemens
            var s = 0.0
            for k in c.indices.reversed() { s = s * x + c[k] }  // Horner
            return max(0, s)
        }
        if let table = programmingSigmaPerLevelMicroSiemens, levels >= 2, table.count == levels {
            return table[nearestLevel(to: target)]
        }
        return programmingSigmaMicroSiemens
    }

    /// Write-and-verify's acceptance: a write is repeated while the read-back misses `target` by
    /// more than this, µS (``verifyAcceptanceRelative`` · |target| when set, else
    /// ``verifyToleranceLevels`` level spacings).
    public func verifyTolerance(at target: Double) -> Double {
        verifyAcceptanceRelative.map { $0 * abs(target) } ?? verifyToleranceLevels * levelSpacingMicroSiemens
    }

    /// t₀: seconds after programming at which drift starts (``driftReferenceSeconds``, default 1 s).
    public var driftT0Seconds: Double { driftReferenceSeconds ?? 1 }

    /// Whether drift exponents vary from device to device (a ν spread is set).
    public var hasDriftSpread: Bool { driftNuSigma != nil || driftNuSigmaLogSlope != nil || driftNuSigmaPolynomial != nil }

    /// Mean drift exponent of a device programmed to `target` µS:
    /// `clamp(driftNu + driftNuLogSlope · ln x, driftNuMeanRange)` (each part only when set).
    /// PCM (Nandakumar et al. 2019): `clamp(0.0244 − 0.0155 ln x, 0.049, 0.1)`.
    public func driftNuMean(at target: Double) -> Double {
        if let high = driftNuMeanHighBranch(at: target) { return high }
        var nu = driftNu
        if let s = driftNuLogSlope { nu += s * Foundation.log(relative(target)) }
        if let r = driftNuMeanRange, r.count == 2 { nu = min(max(nu, r[0]), r[1]) }
        return nu
    }

    /// Device-to-device σ of the drift exponent at `target` µS:
    /// `clamp(driftNuSigma + driftNuSigmaLogSlope · ln x, driftNuSigmaRange)`, at least 0.
    /// PCM (Nandakumar et al. 2019): `clamp(−0.0059 − 0.0125 ln x, 0.008, 0.045)`.
    public func driftNuSpread(at target: Double) -> Double {
        if let high = driftNuSigmaHighBranch(at: target) { return max(0, high) }
        var s = driftNuSigma ?? 0
        if let k = driftNuSigmaLogSlope { s += k * Foundation.log(relative(target)) }
        if let r = driftNuSigmaRange, r.count == 2 { s = min(max(s, r[0]), r[1]) }
        return max(0, s)
    }

    /// The drift exponent of one device programmed to `target` µS: the mean
    /// ``driftNuMean(at:)`` without a spread (no draw), else `|mean + σ ξ|` with one normal draw
    /// (the published PCM model folds negative exponents, Nandakumar et al. 2019).
    public func driftExponent(target: Double, rng: inout RandomGenerator) -> Double {
        let mean = driftNuMean(at: target)
        guard hasDriftSpread else { return mean }
        return abs(mean + driftNuSpread(at: target) * rng.nextNormal())
    }

    /// `g` µS programmed at t₀ (``driftT0Seconds``), after drifting until `seconds` with exponent
    /// `nu` (``PowerLawDrift``).
    public func drifted(_ g: Double, nu: Double, seconds: Double) -> Double {
        PowerLawDrift.conductance(g, nu: nu, referenceSeconds: driftT0Seconds, seconds: seconds)
    }

    /// Whether the device has accumulated 1/f read noise.
    public var hasReadNoise1f: Bool { readNoise1fCoefficient != nil || readNoise1fLog10MicroSiemens != nil }

    /// Relative σ of the 1/f read noise accumulated `seconds` after programming by a device
    /// programmed to `g` µS (Nandakumar et al. 2019; Joshi et al. 2020):
    ///
    ///     q(x) = min(Q / max(x^e, 10⁻³), q_max),   σ/G = q(x) · √ln((t + t_r) / (2 t_r))
    ///
    /// with `Q` = ``readNoise1fCoefficient``, `e` = ``readNoise1fExponent``, `q_max` =
    /// ``readNoise1fMaxRelative``, `t_r` = ``readNoise1fReadSeconds`` (the read duration). The
    /// integral of a 1/f spectrum from 1/t to 1/(2 t_r): 0 until `t > t_r`.
    public func readNoise1fRelativeSigma(at g: Double, seconds: Double) -> Double {
        guard let q0 = readNoise1fCoefficient, let tr = readNoise1fReadSeconds else { return 0 }
        let ratio = (seconds + tr) / (2 * tr)
        guard ratio > 1 else { return 0 }
        var q: Double
        if let high = readNoise1fHighBranch(at: g) {
            q = max(0, high)
        } else if let b = readNoise1fLogSlope, let r = readNoise1fRange, r.count == 2 {
            q = min(max(q0 + b * Foundation.log(relative(g)), r[0]), r[1])
        } else {
            q = q0 / max(Foundation.pow(relative(g), readNoise1fExponent ?? 0), Self.readNoise1fPowerFloor)
        }
        if let m = readNoise1fMaxRelative { q = min(q, m) }
        return q * Foundation.log(ratio).squareRoot()
    }

    /// `g` µS clamped to ``conductanceRangeMicroSiemens`` when set.
    public func bounded(_ g: Double) -> Double {
        guard let r = conductanceRangeMicroSiemens, r.count == 2 else { return g }
        return min(max(g, r[0]), r[1])
    }

    /// One device's conductance `seconds` after programming, µS: programmed to `programmed` µS
    /// (aimed at `target`), bounded, drifted with exponent `nu` (``driftExponent(target:rng:)``),
    /// then the accumulated 1/f read noise `|G(t)| · σ/G · ξ` (one draw from `readNoise` when the
    /// device has it and its σ is positive; the result at least 0), bounded again.
    /// Devices with relaxation terms (``relaxed(_:programmed:seconds:readNoise:)``) draw them
    /// between drift and 1/f noise; the absolute 1/f form adds `σ ξ` (``readNoise1fLog10Sigma(at:seconds:)``).
    public func conductance(programmed: Double, nu: Double, seconds: Double, readNoise: inout RandomGenerator) -> Double {
        var g = drifted(bounded(programmed), nu: nu, seconds: seconds)
        if hasRelaxation { g = max(0, relaxed(g, programmed: programmed, seconds: seconds, readNoise: &readNoise)) }  // no negative conductance
        if readNoise1fCoefficient != nil {
            let s = readNoise1fRelativeSigma(at: programmed, seconds: seconds)
            if s > 0 { g = max(0, g + abs(g) * s * readNoise.nextNormal()) }
        }
        if readNoise1fLog10MicroSiemens != nil {
            let s = readNoise1fLog10Sigma(at: g, seconds: seconds)
            if s > 0 { g = max(0, g + s * readNoise.nextNormal()) }
        }
        return bounded(g)
    }

    /// Checks the optional terms; errors name the field (`prefix` + key).
    func validateTerms(fieldPrefix: String) throws(CIMError) {
        func bad(_ field: String, _ why: String) -> CIMError { .invalidConfig(field: fieldPrefix + field, reason: why) }
        func finite(_ v: Double?, _ field: String) throws(CIMError) {
            if let v, !v.isFinite { throw bad(field, "\(v) must be finite") }
        }
        func range(_ r: [Double]?, _ field: String, within: ClosedRange<Double>) throws(CIMError) {
            guard let r else { return }
            guard r.count == 2, r.allSatisfy({ $0.isFinite && within.contains($0) }), r[0] <= r[1] else {
                throw bad(field, "\(r) must be [low, high] with \(within.lowerBound) ≤ low ≤ high ≤ \(within.upperBound)")
            }
        }
        let maxG = Self.maxMicroSiemens
        if let c = programmingSigmaPolynomialMicroSiemens {
            guard (1...8).contains(c.count), c.allSatisfy({ $0.isFinite && abs($0) <= maxG }) else {
                throw bad("programmingSigmaPolynomialMicroSiemens", "must hold 1…8 finite coefficients, each within ±\(maxG) µS")
            }
        }
        if let t = programmingSigmaPerLevelMicroSiemens {
            guard levels >= 2, t.count == levels else {
                throw bad("programmingSigmaPerLevelMicroSiemens", "has \(t.count) entries; the device has \(levels) levels (needs levels ≥ 2 and one σ per level)")
            }
            if let v = t.first(where: { !($0.isFinite && $0 >= 0 && $0 <= maxG) }) {
                throw bad("programmingSigmaPerLevelMicroSiemens", "\(v) must be in [0, \(maxG)] µS")
            }
        }
        if programmingSigmaPolynomialMicroSiemens != nil || programmingSigmaPerLevelMicroSiemens != nil {
            guard programmingSigmaPolynomialMicroSiemens == nil || programmingSigmaPerLevelMicroSiemens == nil else {
                throw bad("programmingSigmaPerLevelMicroSiemens", "give either a polynomial or a per-level table, not both")
            }
            guard programmingSigmaMicroSiemens == 0 else {
                throw bad("programmingSigmaMicroSiemens", "\(programmingSigmaMicroSiemens) must be 0 when a conductance-dependent σ is given")
            }
        }
        if let a = verifyAcceptanceRelative, !(a.isFinite && a > 0 && a <= 1) {
            throw bad("verifyAcceptanceRelative", "\(a) must be in (0, 1]")
        }
        if let t = driftReferenceSeconds, !(t.isFinite && t > 0 && t <= 1e9) {
            throw bad("driftReferenceSeconds", "\(t) s must be in (0, 10⁹] s")
        }
        try finite(driftNuLogSlope, "driftNuLogSlope")
        try finite(driftNuSigma, "driftNuSigma")
        try finite(driftNuSigmaLogSlope, "driftNuSigmaLogSlope")
        for (v, f) in [(driftNuLogSlope, "driftNuLogSlope"), (driftNuSigma, "driftNuSigma"), (driftNuSigmaLogSlope, "driftNuSigmaLogSlope")] {
            if let v, abs(v) >= 1 { throw bad(f, "\(v) must be in (−1, 1)") }
        }
        try range(driftNuMeanRange, "driftNuMeanRange", within: -1...1)
        try range(driftNuSigmaRange, "driftNuSigmaRange", within: 0...1)
        if driftNuLogSlope != nil && driftNuMeanRange == nil {
            throw bad("driftNuMeanRange", "is required with driftNuLogSlope (ln x is unbounded at small conductances)")
        }
        if driftNuSigmaLogSlope != nil && driftNuSigmaRange == nil {
            throw bad("driftNuSigmaRange", "is required with driftNuSigmaLogSlope (ln x is unbounded at small conductances)")
        }
        if let q = readNoise1fCoefficient {
            guard q.isFinite, q >= 0, q <= 1 else { throw bad("readNoise1fCoefficient", "\(q) must be in [0, 1]") }
            guard readNoise1fReadSeconds != nil else { throw bad("readNoise1fReadSeconds", "is required with readNoise1fCoefficient") }
        } else if readNoise1fLog10MicroSiemens != nil {
            guard readNoise1fReadSeconds != nil else { throw bad("readNoise1fReadSeconds", "is required with readNoise1fLog10MicroSiemens") }
            for (v, f) in [(readNoise1fExponent, "readNoise1fExponent"), (readNoise1fMaxRelative, "readNoise1fMaxRelative")] where v != nil {
                throw bad(f, "needs readNoise1fCoefficient (the relative 1/f term is off without it)")
            }
        } else {
            for (v, f) in [(readNoise1fExponent, "readNoise1fExponent"), (readNoise1fMaxRelative, "readNoise1fMaxRelative"),
                           (readNoise1fReadSeconds, "readNoise1fReadSeconds")] where v != nil {
                throw bad(f, "needs readNoise1fCoefficient (the 1/f term is off without it)")
            }
        }
        if let e = readNoise1fExponent, !(e.isFinite && e >= 0 && e <= 10) { throw bad("readNoise1fExponent", "\(e) must be in [0, 10]") }
        if let m = readNoise1fMaxRelative, !(m.isFinite && m > 0 && m <= 10) { throw bad("readNoise1fMaxRelative", "\(m) must be in (0, 10]") }
        if let t = readNoise1fReadSeconds, !(t.isFinite && t > 0 && t <= 1) { throw bad("readNoise1fReadSeconds", "\(t) s must be in (0, 1] s") }
        try range(conductanceRangeMicroSiemens, "conductanceRangeMicroSiemens", within: 0...maxG)
        try validateBranches(fieldPrefix: fieldPrefix)
        try validateRelaxation(fieldPrefix: fieldPrefix)
    }

    /// The device with every optional term set to a placeholder (the keys a chip may have, for
    /// key listings and the schema test; not a physical device).
    public func withEveryOptionalTerm() -> DeviceModel {
        var d = self
        d.programmingSigmaPolynomialMicroSiemens = [0]
        d.programmingSigmaPerLevelMicroSiemens = [0]
        d.verifyAcceptanceRelative = 1
        d.driftReferenceSeconds = 1
        d.driftNuLogSlope = 0
        d.driftNuMeanRange = [0, 0]
        d.driftNuSigma = 0
        d.driftNuSigmaLogSlope = 0
        d.driftNuSigmaRange = [0, 0]
        d.readNoise1fCoefficient = 0
        d.readNoise1fExponent = 0
        d.readNoise1fMaxRelative = 1
        d.readNoise1fReadSeconds = 1
        d.conductanceRangeMicroSiemens = [0, 0]
        d.driftNuMeanPolynomialAbove = 1
        d.driftNuMeanPolynomial = [0]
        d.driftNuSigmaPolynomialAbove = 1
        d.driftNuSigmaPolynomial = [0]
        d.readNoise1fLogSlope = 0
        d.readNoise1fRange = [0, 0]
        d.readNoise1fPolynomialAbove = 1
        d.readNoise1fPolynomial = [0]
        d.readNoise1fLog10MicroSiemens = 0
        d.relaxationLogShiftMicroSiemens = 0
        d.relaxationSigmaMicroSiemens = [0, 0]
        d.validReadSeconds = [1]
        d.timeSigmaPolynomialsMicroSiemens = [0]
        return d
    }
}
