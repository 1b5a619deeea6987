import CIMCore
import Foundation

/// A memristive device: its programmable conductance levels and its non-idealities.
///
/// Conductances are in µS; the read voltage is in V, so a read current is `G · V` in µA.
/// Programming error is drawn at every write; read noise is drawn at every read (both Gaussian,
/// σ in µS). Presets cite where their numbers come from (see ``DevicePreset``).
public struct DeviceModel: Codable, Equatable, Sendable {
    /// Preset name or a user's label.
    public var name: String
    /// Number of programmable levels, evenly spaced over the window; 0 = continuous (no levels).
    public var levels: Int
    /// Lowest programmable conductance, µS.
    public var gMinMicroSiemens: Double
    /// Highest programmable conductance, µS.
    public var gMaxMicroSiemens: Double
    /// Read voltage, V.
    public var readVoltage: Double
    /// Standard deviation of the programming error, µS (drawn at each write).
    public var programmingSigmaMicroSiemens: Double
    /// Standard deviation of the read noise, µS (drawn at each read).
    public var readSigmaMicroSiemens: Double
    /// Write-and-verify: maximum write attempts per programming operation (Wu et al. 2023: 2).
    public var maxWriteTrials: Int
    /// Write-and-verify: a write is retried when the read-back misses the target by more than
    /// this many level spacings.
    public var verifyToleranceLevels: Double
    /// Upper end of the window initial conductances are drawn from, µS (training starts with
    /// every device uniform in [gMin, this], then programmed; Wu et al. 2023: 8.2–20 µS).
    public var initialMaxMicroSiemens: Double
    /// Fraction of devices stuck at a fixed conductance (they ignore writes); 0 = none.
    public var stuckRate: Double = 0
    /// Of the stuck devices, the fraction stuck at gMax (the rest are stuck at gMin).
    public var stuckHighFraction: Double = 0.5
    /// Conductance drift exponent ν: `G(t) = G(t₀) · (t / t₀)^(−ν)` for t ≥ t₀ (default 1 s) after
    /// programming (negative ν drifts up; ``PowerLawDrift``); 0 = no drift. With
    /// ``driftNuLogSlope`` it is the intercept of a conductance-dependent mean.
    public var driftNu: Double = 0

    // Optional terms (absent = off; see DeviceModel+Terms.swift for the forms and sources).

    /// Programming σ as a polynomial in x = |G|/gMax, coefficients c₀, c₁, … in µS:
    /// σ(G) = Σ c_k x^k (Nandakumar et al., ICECS 2019). Replaces the constant σ (which must then be 0).
    public var programmingSigmaPolynomialMicroSiemens: [Double]? = nil
    /// Programming σ per level, µS (one per level, level 0 = gMin). Replaces the constant σ.
    public var programmingSigmaPerLevelMicroSiemens: [Double]? = nil
    /// Write-and-verify acceptance range as a fraction of the target conductance: a write is
    /// repeated while the read-back misses the target by more than this · |target| (instead of
    /// `verifyToleranceLevels` level spacings).
    public var verifyAcceptanceRelative: Double? = nil
    /// t₀ of the drift law, s after programming (default 1 s).
    public var driftReferenceSeconds: Double? = nil
    /// Conductance dependence of the mean ν: mean ν = driftNu + this · ln x.
    public var driftNuLogSlope: Double? = nil
    /// [low, high] clip of the mean ν.
    public var driftNuMeanRange: [Double]? = nil
    /// Device-to-device σ of ν (intercept); with it each device draws its own ν = |mean + σ ξ|.
    public var driftNuSigma: Double? = nil
    /// Conductance dependence of σ_ν: σ_ν = driftNuSigma + this · ln x.
    public var driftNuSigmaLogSlope: Double? = nil
    /// [low, high] clip of σ_ν.
    public var driftNuSigmaRange: [Double]? = nil
    /// Q of the accumulated 1/f read noise (relative σ at x = 1 per √ln of time); nil = no 1/f noise.
    public var readNoise1fCoefficient: Double? = nil
    /// Exponent e of the 1/f coefficient's conductance dependence Q / x^e.
    public var readNoise1fExponent: Double? = nil
    /// Largest relative 1/f coefficient.
    public var readNoise1fMaxRelative: Double? = nil
    /// t_r: the read duration of the 1/f model, s.
    public var readNoise1fReadSeconds: Double? = nil
    /// [low, high] µS every conductance is clamped to after programming, drift and noise.
    public var conductanceRangeMicroSiemens: [Double]? = nil

    // Branches, relaxation and valid times (DeviceModel+Branches.swift, DeviceModel+Relaxation.swift).

    /// x from which the mean ν is ``driftNuMeanPolynomial`` (Le Gallo et al. 2023's high branch).
    public var driftNuMeanPolynomialAbove: Double? = nil
    /// Mean ν for x ≥ ``driftNuMeanPolynomialAbove``: Σ c_k x^k.
    public var driftNuMeanPolynomial: [Double]? = nil
    /// x from which σ_ν is ``driftNuSigmaPolynomial``.
    public var driftNuSigmaPolynomialAbove: Double? = nil
    /// σ_ν for x ≥ ``driftNuSigmaPolynomialAbove``: Σ c_k x^k.
    public var driftNuSigmaPolynomial: [Double]? = nil
    /// 1/f coefficient as clamp(Q + this · ln x, ``readNoise1fRange``) instead of Q / x^e.
    public var readNoise1fLogSlope: Double? = nil
    /// [low, high] clip of the ln-x form of the 1/f coefficient.
    public var readNoise1fRange: [Double]? = nil
    /// x from which the 1/f coefficient is ``readNoise1fPolynomial``.
    public var readNoise1fPolynomialAbove: Double? = nil
    /// 1/f coefficient for x ≥ ``readNoise1fPolynomialAbove``: Σ c_k x^k.
    public var readNoise1fPolynomial: [Double]? = nil
    /// Absolute 1/f read noise K, µS: σ = K · log10(G / 1 µS) · √ln((t + t_r)/(2 t_r)) µS (CMO/HfOx).
    public var readNoise1fLog10MicroSiemens: Double? = nil
    /// Relaxation: mean conductance shift per unit ln(t / t₀), µS, for t > t₀ (CMO/HfOx).
    public var relaxationLogShiftMicroSiemens: Double? = nil
    /// Relaxation: σ = s₀ + s₁ ln(t / t₀) µS of a fresh draw added for t > t₀, as [s₀, s₁] (CMO/HfOx).
    public var relaxationSigmaMicroSiemens: [Double]? = nil
    /// The only times (s after programming) the device's statistics hold at; others are refused
    /// by ``checkEvaluationTime(_:)`` (0 = as programmed is always allowed).
    public var validReadSeconds: [Double]? = nil
    /// Total σ of G − target at each of ``validReadSeconds``, one polynomial in x per time, all of
    /// one length, concatenated, µS (Wan et al. 2022 as fitted by aihwkit).
    public var timeSigmaPolynomialsMicroSiemens: [Double]? = nil

    public init(name: String, levels: Int, gMinMicroSiemens: Double, gMaxMicroSiemens: Double,
                readVoltage: Double, programmingSigmaMicroSiemens: Double, readSigmaMicroSiemens: Double,
                maxWriteTrials: Int = 2, verifyToleranceLevels: Double = 0.5, initialMaxMicroSiemens: Double? = nil) {
        self.name = name
        self.levels = levels
        self.gMinMicroSiemens = gMinMicroSiemens
        self.gMaxMicroSiemens = gMaxMicroSiemens
        self.readVoltage = readVoltage
        self.programmingSigmaMicroSiemens = programmingSigmaMicroSiemens
        self.readSigmaMicroSiemens = readSigmaMicroSiemens
        self.maxWriteTrials = maxWriteTrials
        self.verifyToleranceLevels = verifyToleranceLevels
        self.initialMaxMicroSiemens = initialMaxMicroSiemens ?? (gMinMicroSiemens + 0.478 * (gMaxMicroSiemens - gMinMicroSiemens))
    }

    enum CodingKeys: String, CodingKey {
        case name, levels, gMinMicroSiemens, gMaxMicroSiemens, readVoltage, programmingSigmaMicroSiemens
        case readSigmaMicroSiemens, maxWriteTrials, verifyToleranceLevels, initialMaxMicroSiemens
        case stuckRate, stuckHighFraction, driftNu
        case programmingSigmaPolynomialMicroSiemens, programmingSigmaPerLevelMicroSiemens, verifyAcceptanceRelative
        case driftReferenceSeconds, driftNuLogSlope, driftNuMeanRange, driftNuSigma, driftNuSigmaLogSlope, driftNuSigmaRange
        case readNoise1fCoefficient, readNoise1fExponent, readNoise1fMaxRelative, readNoise1fReadSeconds
        case conductanceRangeMicroSiemens
        case driftNuMeanPolynomialAbove, driftNuMeanPolynomial, driftNuSigmaPolynomialAbove, driftNuSigmaPolynomial
        case readNoise1fLogSlope, readNoise1fRange, readNoise1fPolynomialAbove, readNoise1fPolynomial, readNoise1fLog10MicroSiemens
        case relaxationLogShiftMicroSiemens, relaxationSigmaMicroSiemens, validReadSeconds, timeSigmaPolynomialsMicroSiemens
    }

    /// Decodes a device; the optional non-idealities (stuck cells, drift) default to none.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(name: try c.decode(String.self, forKey: .name), levels: try c.decode(Int.self, forKey: .levels),
                  gMinMicroSiemens: try c.decode(Double.self, forKey: .gMinMicroSiemens),
                  gMaxMicroSiemens: try c.decode(Double.self, forKey: .gMaxMicroSiemens),
                  readVoltage: try c.decode(Double.self, forKey: .readVoltage),
                  programmingSigmaMicroSiemens: try c.decode(Double.self, forKey: .programmingSigmaMicroSiemens),
                  readSigmaMicroSiemens: try c.decode(Double.self, forKey: .readSigmaMicroSiemens),
                  maxWriteTrials: try c.decode(Int.self, forKey: .maxWriteTrials),
                  verifyToleranceLevels: try c.decode(Double.self, forKey: .verifyToleranceLevels),
                  initialMaxMicroSiemens: try c.decode(Double.self, forKey: .initialMaxMicroSiemens))
        stuckRate = try c.decodeIfPresent(Double.self, forKey: .stuckRate) ?? 0
        stuckHighFraction = try c.decodeIfPresent(Double.self, forKey: .stuckHighFraction) ?? 0.5
        driftNu = try c.decodeIfPresent(Double.self, forKey: .driftNu) ?? 0
        programmingSigmaPolynomialMicroSiemens = try c.decodeIfPresent([Double].self, forKey: .programmingSigmaPolynomialMicroSiemens)
        programmingSigmaPerLevelMicroSiemens = try c.decodeIfPresent([Double].self, forKey: .programmingSigmaPerLevelMicroSiemens)
        verifyAcceptanceRelative = try c.decodeIfPresent(Double.self, forKey: .verifyAcceptanceRelative)
        driftReferenceSeconds = try c.decodeIfPresent(Double.self, forKey: .driftReferenceSeconds)
        driftNuLogSlope = try c.decodeIfPresent(Double.self, forKey: .driftNuLogSlope)
        driftNuMeanRange = try c.decodeIfPresent([Double].self, forKey: .driftNuMeanRange)
        driftNuSigma = try c.decodeIfPresent(Double.self, forKey: .driftNuSigma)
        driftNuSigmaLogSlope = try c.decodeIfPresent(Double.self, forKey: .driftNuSigmaLogSlope)
        driftNuSigmaRange = try c.decodeIfPresent([Double].self, forKey: .driftNuSigmaRange)
        readNoise1fCoefficient = try c.decodeIfPresent(Double.self, forKey: .readNoise1fCoefficient)
        readNoise1fExponent = try c.decodeIfPresent(Double.self, forKey: .readNoise1fExponent)
        readNoise1fMaxRelative = try c.decodeIfPresent(Double.self, forKey: .readNoise1fMaxRelative)
        readNoise1fReadSeconds = try c.decodeIfPresent(Double.self, forKey: .readNoise1fReadSeconds)
        conductanceRangeMicroSiemens = try c.decodeIfPresent([Double].self, forKey: .conductanceRangeMicroSiemens)
        driftNuMeanPolynomialAbove = try c.decodeIfPresent(Double.self, forKey: .driftNuMeanPolynomialAbove)
        driftNuMeanPolynomial = try c.decodeIfPresent([Double].self, forKey: .driftNuMeanPolynomial)
        driftNuSigmaPolynomialAbove = try c.decodeIfPresent(Double.self, forKey: .driftNuSigmaPolynomialAbove)
        driftNuSigmaPolynomial = try c.decodeIfPresent([Double].self, forKey: .driftNuSigmaPolynomial)
        readNoise1fLogSlope = try c.decodeIfPresent(Double.self, forKey: .readNoise1fLogSlope)
        readNoise1fRange = try c.decodeIfPresent([Double].self, forKey: .readNoise1fRange)
        readNoise1fPolynomialAbove = try c.decodeIfPresent(Double.self, forKey: .readNoise1fPolynomialAbove)
        readNoise1fPolynomial = try c.decodeIfPresent([Double].self, forKey: .readNoise1fPolynomial)
        readNoise1fLog10MicroSiemens = try c.decodeIfPresent(Double.self, forKey: .readNoise1fLog10MicroSiemens)
        relaxationLogShiftMicroSiemens = try c.decodeIfPresent(Double.self, forKey: .relaxationLogShiftMicroSiemens)
        relaxationSigmaMicroSiemens = try c.decodeIfPresent([Double].self, forKey: .relaxationSigmaMicroSiemens)
        validReadSeconds = try c.decodeIfPresent([Double].self, forKey: .validReadSeconds)
        timeSigmaPolynomialsMicroSiemens = try c.decodeIfPresent([Double].self, forKey: .timeSigmaPolynomialsMicroSiemens)
    }

    /// Largest conductance or conductance σ a device may have, µS (1 S): keeps every current
    /// and its float32 copy finite on the largest tile.
    public static let maxMicroSiemens = 1e6
    /// Largest read voltage, V.
    public static let maxReadVoltage = 100.0
    /// Most levels a device may have (16 bit).
    public static let maxLevels = 1 << 16
    /// Most write attempts per programming operation.
    public static let maxWriteTrialsLimit = 1000

    /// Checks every field; errors name the field and the device (`device brram-2bit.levels`).
    public func validate() throws(CIMError) { try validate(fieldPrefix: "device \(name).") }

    /// Checks every field; an error's field is `fieldPrefix` + the field's key (`device.levels`
    /// with the prefix `device.`).
    public func validate(fieldPrefix: String) throws(CIMError) {
        func bad(_ field: String, _ why: String) -> CIMError { .invalidConfig(field: fieldPrefix + field, reason: why) }
        let maxG = Self.maxMicroSiemens
        if let c = name.unicodeScalars.first(where: { $0.properties.generalCategory == .control }) {
            throw bad("name", "contains the control character U+\(String(c.value, radix: 16, uppercase: true))")
        }
        guard levels == 0 || (2...Self.maxLevels).contains(levels) else { throw bad("levels", "\(levels) must be 0 (continuous) or in 2…\(Self.maxLevels)") }
        guard gMinMicroSiemens.isFinite, gMinMicroSiemens >= 0 else { throw bad("gMinMicroSiemens", "\(gMinMicroSiemens) must be ≥ 0") }
        guard gMaxMicroSiemens.isFinite, gMaxMicroSiemens > gMinMicroSiemens else {
            throw bad("gMaxMicroSiemens", "\(gMaxMicroSiemens) must exceed gMin \(gMinMicroSiemens)")
        }
        guard gMaxMicroSiemens <= maxG else { throw bad("gMaxMicroSiemens", "\(gMaxMicroSiemens) µS must be ≤ \(maxG) µS (1 S)") }
        guard readVoltage.isFinite, readVoltage > 0, readVoltage <= Self.maxReadVoltage else {
            throw bad("readVoltage", "\(readVoltage) V must be in (0, \(Self.maxReadVoltage)] V")
        }
        guard programmingSigmaMicroSiemens.isFinite, programmingSigmaMicroSiemens >= 0, programmingSigmaMicroSiemens <= maxG else {
            throw bad("programmingSigmaMicroSiemens", "\(programmingSigmaMicroSiemens) must be in [0, \(maxG)] µS")
        }
        guard readSigmaMicroSiemens.isFinite, readSigmaMicroSiemens >= 0, readSigmaMicroSiemens <= maxG else {
            throw bad("readSigmaMicroSiemens", "\(readSigmaMicroSiemens) must be in [0, \(maxG)] µS")
        }
        guard (1...Self.maxWriteTrialsLimit).contains(maxWriteTrials) else {
            throw bad("maxWriteTrials", "\(maxWriteTrials) must be in 1…\(Self.maxWriteTrialsLimit)")
        }
        guard verifyToleranceLevels.isFinite, verifyToleranceLevels > 0 else {
            throw bad("verifyToleranceLevels", "\(verifyToleranceLevels) must be > 0")
        }
        guard initialMaxMicroSiemens.isFinite, initialMaxMicroSiemens > gMinMicroSiemens,
              initialMaxMicroSiemens <= gMaxMicroSiemens else {
            throw bad("initialMaxMicroSiemens", "\(initialMaxMicroSiemens) must be in (gMin, gMax]")
        }
        guard stuckRate.isFinite, (0...1).contains(stuckRate) else { throw bad("stuckRate", "\(stuckRate) must be in [0, 1]") }
        guard stuckHighFraction.isFinite, (0...1).contains(stuckHighFraction) else {
            throw bad("stuckHighFraction", "\(stuckHighFraction) must be in [0, 1]")
        }
        guard driftNu.isFinite, abs(driftNu) < 1 else { throw bad("driftNu", "\(driftNu) must be in (−1, 1)") }
        try validateTerms(fieldPrefix: fieldPrefix)
    }

    /// The smallest programmable change, µS: Δ for a device with levels, 0 for a continuous one
    /// (the mixed-precision rule's granularity is a multiple of this).
    public var granularityMicroSiemens: Double { levels >= 2 ? levelSpacingMicroSiemens : 0 }

    /// Conductance step between adjacent levels Δ, µS (the whole window when continuous).
    public var levelSpacingMicroSiemens: Double {
        levels >= 2 ? (gMaxMicroSiemens - gMinMicroSiemens) / Double(levels - 1) : gMaxMicroSiemens - gMinMicroSiemens
    }

    /// Conductance of level `index` (0 = gMin), µS.
    public func conductance(level index: Int) -> Double {
        precondition(levels >= 2 && (0..<levels).contains(index), "level \(index) outside 0..<\(levels)")
        return gMinMicroSiemens + Double(index) * levelSpacingMicroSiemens
    }

    /// The level nearest to `g` µS (clamped to the window).
    public func nearestLevel(to g: Double) -> Int {
        precondition(levels >= 2, "nearestLevel needs a device with levels")
        let x = ((g - gMinMicroSiemens) / levelSpacingMicroSiemens).rounded()
        return Int(min(max(x, 0), Double(levels - 1)))
    }

    /// The programmable target nearest to `g` µS: the nearest level, or `g` clamped to the window
    /// for a continuous device.
    public func quantize(_ g: Double) -> Double {
        levels >= 2 ? conductance(level: nearestLevel(to: g)) : min(max(g, gMinMicroSiemens), gMaxMicroSiemens)
    }

    /// The differential pair that holds the conductance difference `d` = G⁺ − G⁻ µS, as the
    /// mapper programs it: with levels, `k = round(d/Δ)` clamped to ±(levels − 1) and
    /// `G⁺ = gMin + max(k, 0)·Δ`, `G⁻ = gMin + max(−k, 0)·Δ`; a continuous device clamps `d` to
    /// ±(gMax − gMin) and puts it on one side. One device of the pair stays at gMin.
    /// - Returns: the targets (µS), the signed level difference `k` (0 for a continuous device),
    ///   and whether `d` lay beyond the range (and was clipped).
    public func pair(holding d: Double) -> (plus: Double, minus: Double, level: Int, clipped: Bool) {
        let lo = gMinMicroSiemens
        if levels >= 2 {
            let top = levels - 1, raw = (d / levelSpacingMicroSiemens).rounded()
            let k = Int(min(max(raw, -Double(top)), Double(top)))
            return (lo + Double(max(k, 0)) * levelSpacingMicroSiemens, lo + Double(max(-k, 0)) * levelSpacingMicroSiemens,
                    k, abs(raw) > Double(top))
        }
        let width = gMaxMicroSiemens - lo, dq = min(max(d, -width), width)
        return (lo + max(dq, 0), lo + max(-dq, 0), 0, abs(d) > width)
    }

    /// One read of a device at conductance `g` µS: `g + N(0, σ_read)`, µS.
    public func read(_ g: Double, rng: inout RandomGenerator) -> Double {
        readSigmaMicroSiemens > 0 ? g + readSigmaMicroSiemens * rng.nextNormal() : g
    }

    /// Write-and-verify to `target` µS (which should be a level, see ``quantize(_:)``).
    ///
    /// Each attempt lands at `target + N(0, σ_prog(target))` (clamped at 0 µS;
    /// ``programmingSigma(at:)``); the device is read back (with read noise) and the write is
    /// repeated while the read-back misses the target by more than ``verifyTolerance(at:)``
    /// (`verifyToleranceLevels · Δ`, or the relative acceptance range), up to `maxWriteTrials`
    /// attempts in all (Wu et al. 2023).
    /// - Returns: the conductance the device ends at (µS) and the number of write attempts.
    public func writeVerify(target: Double, rng: inout RandomGenerator) -> (conductance: Double, trials: Int) {
        let tolerance = verifyTolerance(at: target)
        let sigma = programmingSigma(at: target)
        var trials = 0
        var g = target
        repeat {
            trials += 1
            g = sigma > 0 ? max(0, target + sigma * rng.nextNormal()) : target
        } while trials < maxWriteTrials && abs(read(g, rng: &rng) - target) > tolerance
        return (g, trials)
    }
}
