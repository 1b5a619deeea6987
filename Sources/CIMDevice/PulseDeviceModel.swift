import CIMCore
import Foundation

/// A pulse-programmed, potentiation-only device (phase-change memory), for the mixed-precision
/// pulse-count rule of Nandakumar et al., *Mixed-precision deep learning based on computational
/// memory*, Front. Neurosci. 14:406 (2020).
///
/// In that scheme a weight is a differential pair `G⁺ − G⁻` and both devices only ever receive
/// identical SET pulses: a positive update applies `n` pulses to `G⁺`, a negative one `n` pulses
/// to `G⁻`, with `n = trunc(χ/ε)` from the high-precision accumulator χ and the nominal step ε
/// (``nominalStepMicroSiemens``). When a device nears saturation the pair is refreshed (both
/// RESET, the difference re-programmed onto one device; see ``refresh(gPlus:gMinus:factorPlus:factorMinus:rng:)``).
///
/// Conductances are in µS, the read voltage in V. With `x = (G − gMin)/(gMax − gMin)` the
/// fraction of the window a device has used, one SET pulse on a device with step factor `f`
/// (device-to-device, drawn once per device by ``makeDeviceFactors(count:rng:)``) does
///
///     μ(G)   = Δ∞ + (ε − Δ∞) · exp(−β x)                       mean step of a nominal device, µS
///     σ(G)   = s_rel · f μ(G) + σ_min + (σ_max − σ_min) · x     cycle-to-cycle σ of the step, µS
///     G_next = clamp(G + f μ(G) + σ(G) ξ,  gMin, gMax),   ξ ~ N(0, 1) drawn per pulse.
///
/// **Why this step law.** It is the exponential-step law of IBM aihwkit's `PCMPresetDevice`, its
/// `ExpStepDevice` parameterisation of the GST PCM of Nandakumar et al. 2020 (aihwkit
/// `src/aihwkit/simulator/presets/devices.py`): there the up-step in weight units `w ∈ [0, 2]` is
/// `dw_min · (1 − A_up e^{γ_up z})` with `z = 2 a w/(w_max − w_min) + b = −w`, so with
/// `w = 2x` it is `dw_min · (1 + 27.235 e^{−5x})` — a large step from the RESET state that decays
/// to a small floor near saturation (≈ 50 distinguishable states, aihwkit issue #236). A
/// soft-bounds power law `Δ₀(1 − x)^γ` fitted to the same curve misses the first pulse by a factor
/// of two (least-squares fit to its first 60 noiseless pulses: Δ₀ = 7 % of the window, γ = 1.7,
/// against a first step of 14 %), so we keep the exponential form. We map aihwkit's unit-free `w ∈ [0, 2]` linearly onto `[gMin, gMax]`, so
/// one weight unit is `(gMax − gMin)/2`; every µS number derived that way says so.
///
/// The step noise is aihwkit's "complex" cycle-to-cycle noise of the same preset,
/// `dw_min_std · (|dw| + dw_min_std_add + dw_min_std_slope · |w|)`: a part proportional to the
/// actual mean step plus a part that grows linearly with the state. Near saturation the noise
/// (σ ≈ 1.6 µS per pulse at gMax for the preset) is an order of magnitude larger than the mean
/// step (≈ 0.12 µS): the device random-walks up there — the "extremely large variability" the
/// aihwkit maintainers describe for this preset (issue #236); refreshing keeps pairs out of it.
///
/// Randomness: every draw comes from the caller's ``RandomGenerator`` in a fixed order, so results
/// are bit-identical for a given generator state; a model whose σ is 0 draws nothing for it.
public struct PulseDeviceModel: Codable, Equatable, Sendable {
    /// Preset name or a user's label.
    public var name: String
    /// Lowest conductance (the RESET state), µS.
    public var gMinMicroSiemens: Double
    /// Highest conductance (saturation), µS. Pulses never take a device above it.
    public var gMaxMicroSiemens: Double
    /// Read voltage, V.
    public var readVoltage: Double
    /// ε: mean step of one SET pulse at gMin on a nominal device (`f = 1`), µS — the largest
    /// mean step; ``nominalStepMicroSiemens``.
    public var stepAtGMinMicroSiemens: Double
    /// Δ∞: the floor the mean step decays to (reached only asymptotically), µS; `0 ≤ Δ∞ ≤ ε`.
    /// `Δ∞ = ε` gives a constant step (a linear device).
    public var stepFloorMicroSiemens: Double
    /// β: decay rate of the mean step per unit of window fraction `x` (dimensionless).
    public var stepDecay: Double
    /// Device-to-device relative σ of the step: each device's factor is `f = max(0, 1 + σ ξ)`,
    /// multiplying its whole mean step law.
    public var d2dRelativeSigma: Double
    /// Cycle-to-cycle σ proportional to the device's mean step `f μ(G)` (dimensionless fraction).
    public var c2cRelativeSigma: Double
    /// Cycle-to-cycle additive σ of a step at gMin, µS.
    public var c2cSigmaAtGMinMicroSiemens: Double
    /// Cycle-to-cycle additive σ of a step at gMax, µS (linear in `x` in between).
    public var c2cSigmaAtGMaxMicroSiemens: Double
    /// Standard deviation of the read noise, µS (drawn at each read, state-independent).
    public var readSigmaMicroSiemens: Double
    /// RESET lands at `gMin + |N(0, σ)|`, µS (the programming noise of a RESET; a SET's
    /// programming noise is the cycle-to-cycle step noise above).
    public var resetSigmaMicroSiemens: Double
    /// A pair needs a refresh once either device reaches `gMin + threshold · (gMax − gMin)`
    /// (fraction of the window, in (0, 1]).
    public var refreshThreshold: Double
    /// Most SET pulses one refresh may spend re-programming the difference.
    public var maxRefreshPulses: Int
    /// Drift exponent ν: `G(t) = G(t₀) · (t/t₀)^(−ν)`; 0 = no drift (see ``drift(_:from:to:)``).
    public var driftNu: Double

    public init(name: String, gMinMicroSiemens: Double, gMaxMicroSiemens: Double, readVoltage: Double,
                stepAtGMinMicroSiemens: Double, stepFloorMicroSiemens: Double, stepDecay: Double,
                d2dRelativeSigma: Double, c2cRelativeSigma: Double,
                c2cSigmaAtGMinMicroSiemens: Double, c2cSigmaAtGMaxMicroSiemens: Double,
                readSigmaMicroSiemens: Double, resetSigmaMicroSiemens: Double,
                refreshThreshold: Double = 0.75, maxRefreshPulses: Int = 100, driftNu: Double = 0) {
        self.name = name
        self.gMinMicroSiemens = gMinMicroSiemens
        self.gMaxMicroSiemens = gMaxMicroSiemens
        self.readVoltage = readVoltage
        self.stepAtGMinMicroSiemens = stepAtGMinMicroSiemens
        self.stepFloorMicroSiemens = stepFloorMicroSiemens
        self.stepDecay = stepDecay
        self.d2dRelativeSigma = d2dRelativeSigma
        self.c2cRelativeSigma = c2cRelativeSigma
        self.c2cSigmaAtGMinMicroSiemens = c2cSigmaAtGMinMicroSiemens
        self.c2cSigmaAtGMaxMicroSiemens = c2cSigmaAtGMaxMicroSiemens
        self.readSigmaMicroSiemens = readSigmaMicroSiemens
        self.resetSigmaMicroSiemens = resetSigmaMicroSiemens
        self.refreshThreshold = refreshThreshold
        self.maxRefreshPulses = maxRefreshPulses
        self.driftNu = driftNu
    }

    /// Checks every field; errors name the field and the device.
    public func validate() throws(CIMError) {
        func bad(_ field: String, _ why: String) -> CIMError { .invalidConfig(field: "device \(name).\(field)", reason: why) }
        func nonNegative(_ v: Double, _ field: String) throws(CIMError) {
            guard v.isFinite, v >= 0 else { throw bad(field, "\(v) must be ≥ 0") }
        }
        try nonNegative(gMinMicroSiemens, "gMinMicroSiemens")
        guard gMaxMicroSiemens.isFinite, gMaxMicroSiemens > gMinMicroSiemens else {
            throw bad("gMaxMicroSiemens", "\(gMaxMicroSiemens) must exceed gMin \(gMinMicroSiemens)")
        }
        guard readVoltage.isFinite, readVoltage > 0 else { throw bad("readVoltage", "\(readVoltage) V must be > 0") }
        guard stepAtGMinMicroSiemens.isFinite, stepAtGMinMicroSiemens > 0 else {
            throw bad("stepAtGMinMicroSiemens", "\(stepAtGMinMicroSiemens) must be > 0")
        }
        guard stepFloorMicroSiemens.isFinite, stepFloorMicroSiemens >= 0, stepFloorMicroSiemens <= stepAtGMinMicroSiemens else {
            throw bad("stepFloorMicroSiemens", "\(stepFloorMicroSiemens) must be in [0, stepAtGMin \(stepAtGMinMicroSiemens)]")
        }
        try nonNegative(stepDecay, "stepDecay")
        try nonNegative(d2dRelativeSigma, "d2dRelativeSigma")
        try nonNegative(c2cRelativeSigma, "c2cRelativeSigma")
        try nonNegative(c2cSigmaAtGMinMicroSiemens, "c2cSigmaAtGMinMicroSiemens")
        try nonNegative(c2cSigmaAtGMaxMicroSiemens, "c2cSigmaAtGMaxMicroSiemens")
        try nonNegative(readSigmaMicroSiemens, "readSigmaMicroSiemens")
        try nonNegative(resetSigmaMicroSiemens, "resetSigmaMicroSiemens")
        guard refreshThreshold.isFinite, refreshThreshold > 0, refreshThreshold <= 1 else {
            throw bad("refreshThreshold", "\(refreshThreshold) must be in (0, 1]")
        }
        guard maxRefreshPulses >= 1 else { throw bad("maxRefreshPulses", "\(maxRefreshPulses) must be ≥ 1") }
        try nonNegative(driftNu, "driftNu")
    }

    // MARK: - Step law

    /// `gMax − gMin`, µS.
    public var windowMicroSiemens: Double { gMaxMicroSiemens - gMinMicroSiemens }

    /// ε, the nominal step of the pulse-count rule `n = trunc(ΔW/ε)`, µS: the mean step of one
    /// pulse on a nominal device (`f = 1`) at the RESET state gMin.
    ///
    /// It is the largest mean step of the law, so it bounds the gaps of the noiseless pulse
    /// ladder (which is why a noiseless refresh lands within ε/2, see
    /// ``refresh(gPlus:gMinus:factorPlus:factorMinus:rng:)``). Further up the window the mean step
    /// is smaller (``meanStepMicroSiemens(at:)``): for the PCM preset the noiseless ladder needs 35
    /// pulses from gMin to the refresh threshold, an average of 0.43 µS ≈ ε/6.6 per pulse, so
    /// `n ε` overstates what n pulses add there (``nominalPulseCount(toFraction:)``).
    public var nominalStepMicroSiemens: Double { stepAtGMinMicroSiemens }

    /// The window fraction `x = (G − gMin)/(gMax − gMin)` of `g` µS, clamped to [0, 1].
    @inlinable
    public func windowFraction(_ g: Double) -> Double {
        min(max((g - gMinMicroSiemens) / (gMaxMicroSiemens - gMinMicroSiemens), 0), 1)
    }

    /// μ(G): mean step of one pulse at `g` µS on a nominal device (`f = 1`), µS.
    @inlinable
    public func meanStepMicroSiemens(at g: Double) -> Double {
        meanStep(fraction: windowFraction(g))
    }

    /// σ(G): cycle-to-cycle σ of one step at `g` µS on a device with step factor `factor`, µS.
    @inlinable
    public func stepSigmaMicroSiemens(at g: Double, factor: Double = 1) -> Double {
        let x = windowFraction(g)
        return stepSigma(fraction: x, mean: factor * meanStep(fraction: x))
    }

    @inlinable
    func meanStep(fraction x: Double) -> Double {
        stepFloorMicroSiemens + (stepAtGMinMicroSiemens - stepFloorMicroSiemens) * exp(-stepDecay * x)
    }

    @inlinable
    func stepSigma(fraction x: Double, mean: Double) -> Double {
        c2cRelativeSigma * abs(mean) + c2cSigmaAtGMinMicroSiemens
            + (c2cSigmaAtGMaxMicroSiemens - c2cSigmaAtGMinMicroSiemens) * x
    }

    /// One SET pulse from `g` µS on a device with step factor `factor`.
    @inlinable
    func pulse(_ g: Float, factor: Double, rng: inout RandomGenerator) -> Float {
        let gd = Double(g)
        let x = windowFraction(gd)
        let mean = factor * meanStep(fraction: x)
        var next = gd + mean
        let sigma = stepSigma(fraction: x, mean: mean)
        if sigma > 0 { next += sigma * rng.nextNormal() }
        return Float(min(max(next, gMinMicroSiemens), gMaxMicroSiemens))
    }

    // MARK: - Devices, pulses, reads

    /// Per-device step factors `f = max(0, 1 + σ_d2d ξ)` for `count` devices, drawn once when a
    /// chip is made (all 1 without drawing when σ_d2d = 0). A factor of 0 (probability ≈ 3·10⁻⁷
    /// at σ_d2d = 0.2) is a device that never moves.
    public func makeDeviceFactors(count: Int, rng: inout RandomGenerator) -> [Float] {
        precondition(count >= 0, "makeDeviceFactors: count \(count) < 0")
        guard d2dRelativeSigma > 0 else { return [Float](repeating: 1, count: count) }
        var f = [Float](repeating: 1, count: count)
        for i in 0..<count { f[i] = Float(max(0, 1 + d2dRelativeSigma * rng.nextNormal())) }
        return f
    }

    /// The conductance after `n ≥ 0` SET pulses from `g` µS on a device with step factor `factor`.
    ///
    /// Each pulse moves the state by `f μ(G) + σ(G) ξ` from the current state and clamps to
    /// [gMin, gMax] (the state is kept in `Float` between pulses), one normal draw per pulse when
    /// σ > 0. Applying `a` then `b` pulses equals applying `a + b`.
    public func applyPulses(_ n: Int, to g: Float, factor: Float, rng: inout RandomGenerator) -> Float {
        precondition(n >= 0, "applyPulses: pulse count \(n) < 0")
        let f = Double(factor)
        var state = g
        for _ in 0..<n { state = pulse(state, factor: f, rng: &rng) }
        return state
    }

    /// One read of a device at conductance `g` µS: `g + N(0, σ_read)`, µS.
    public func read(_ g: Float, rng: inout RandomGenerator) -> Float {
        readSigmaMicroSiemens > 0 ? Float(Double(g) + readSigmaMicroSiemens * rng.nextNormal()) : g
    }

    /// A RESET: the conductance lands at `gMin + |N(0, σ_reset)|` (at most gMax), µS.
    public func reset(rng: inout RandomGenerator) -> Float {
        guard resetSigmaMicroSiemens > 0 else { return Float(gMinMicroSiemens) }
        return Float(min(gMinMicroSiemens + abs(resetSigmaMicroSiemens * rng.nextNormal()), gMaxMicroSiemens))
    }

    /// Conductance drift of an amorphous-phase device (``PowerLawDrift``, the law ``DeviceModel``
    /// uses too): `G(t) = G(t₀) · (t/t₀)^(−ν)` for
    /// `t > t₀ > 0` (seconds since programming), kept ≥ gMin; unchanged when ν = 0 or `t ≤ t₀`.
    public func drift(_ g: Float, from t0: Double, to t: Double) -> Float {
        precondition(t0 > 0, "drift: reference time \(t0) s must be > 0")
        guard driftNu > 0, t > t0 else { return g }
        return Float(max(gMinMicroSiemens, PowerLawDrift.conductance(Double(g), nu: driftNu, referenceSeconds: t0, seconds: t)))
    }

    /// The number of pulses a noiseless nominal device (`f = 1`) needs from gMin to reach
    /// `gMin + fraction · (gMax − gMin)`, or nil if it does not within 10⁶ pulses.
    public func nominalPulseCount(toFraction fraction: Double) -> Int? {
        precondition(fraction >= 0 && fraction <= 1, "nominalPulseCount: fraction \(fraction) outside [0, 1]")
        let level = Float(gMinMicroSiemens + fraction * windowMicroSiemens)
        var noiseless = self
        noiseless.c2cRelativeSigma = 0
        noiseless.c2cSigmaAtGMinMicroSiemens = 0
        noiseless.c2cSigmaAtGMaxMicroSiemens = 0
        var unused = RandomGenerator(seed: 0)  // a noiseless pulse draws nothing
        var g = Float(gMinMicroSiemens)
        for n in 0...1_000_000 {
            if g >= level { return n }
            let next = noiseless.pulse(g, factor: 1, rng: &unused)
            if next == g { return nil }  // stuck below the level
            g = next
        }
        return nil
    }

    // MARK: - Refresh of a differential pair

    /// The conductance at which a device triggers a refresh: `gMin + threshold · (gMax − gMin)`, µS.
    public var refreshLevelMicroSiemens: Double { gMinMicroSiemens + refreshThreshold * windowMicroSiemens }

    /// Whether the pair `(G⁺, G⁻)` needs a refresh: either device has reached the refresh level
    /// (compared in `Float`, the precision states are kept in).
    public func needsRefresh(gPlus: Float, gMinus: Float) -> Bool {
        max(gPlus, gMinus) >= Float(refreshLevelMicroSiemens)
    }

    /// Refreshes a differential pair: both devices are RESET and the old difference is
    /// re-programmed onto one of them with verified SET pulses.
    ///
    /// Procedure (all reads carry read noise, all draws in this order):
    /// 1. read both devices: the target difference is `D = read(G⁺) − read(G⁻)`;
    /// 2. RESET `G⁺`, then `G⁻` (each lands at `gMin + |N(0, σ_reset)|`);
    /// 3. the device on the side of D (`G⁺` if D ≥ 0) becomes active; read the other once as the
    ///    reference `R`;
    /// 4. repeat: read the active device (`r`); stop if `r − R + μ(r)/2 ≥ |D|` (the next pulse's
    ///    expected landing would be no nearer the target than where it is; the controller knows
    ///    only the nominal law μ, not the device's factor) or `r ≥ gMax`, or after
    ///    `maxRefreshPulses` pulses; otherwise apply one SET pulse.
    ///
    /// Without any noise and with factor 1 the new difference is within ε/2 of the old one (the
    /// ladder's gaps are at most ε), as long as |D| is reachable from gMin.
    /// - Returns: the new conductances (µS) and the number of SET pulses applied (the two RESETs
    ///   and the reads are not counted).
    public func refresh(gPlus: Float, gMinus: Float, factorPlus: Float, factorMinus: Float,
                        rng: inout RandomGenerator) -> (gPlus: Float, gMinus: Float, pulses: Int) {
        let readPlus = read(gPlus, rng: &rng)
        let readMinus = read(gMinus, rng: &rng)
        let target = Double(readPlus) - Double(readMinus)
        var newPlus = reset(rng: &rng)
        var newMinus = reset(rng: &rng)
        let onPlus = target >= 0
        let magnitude = abs(target)
        var active = onPlus ? newPlus : newMinus
        let factor = Double(onPlus ? factorPlus : factorMinus)
        let reference = Double(read(onPlus ? newMinus : newPlus, rng: &rng))
        var pulses = 0
        while pulses < maxRefreshPulses {
            let seen = Double(read(active, rng: &rng))
            if seen >= gMaxMicroSiemens || seen - reference + 0.5 * meanStepMicroSiemens(at: seen) >= magnitude { break }
            active = pulse(active, factor: factor, rng: &rng)
            pulses += 1
        }
        if onPlus { newPlus = active } else { newMinus = active }
        return (newPlus, newMinus, pulses)
    }
}

/// Named pulse-programmed devices.
public enum PulseDevicePreset: String, CaseIterable, Codable, Sendable, NamedPreset {
    /// GST phase-change memory of Nandakumar et al., Front. Neurosci. 14:406 (2020), through
    /// IBM aihwkit's `PCMPresetDevice` (an `ExpStepDevice` fit to that paper; weight range
    /// `w ∈ [0, 2]` mapped onto 0.1–20 µS, so one weight unit is 9.95 µS):
    /// - gMin = 0.1 µS: our assumption (RESET state; aihwkit resets to `w = 0.01` ≈ 0.1 µS).
    /// - gMax = 20 µS: our assumption within the 20–25 µS of IBM's PCM (aihwkit's inference
    ///   `PCMLikeNoiseModel` maps the largest weight to 25 µS).
    /// - read at 0.2 V: our assumption.
    /// - ε = μ(gMin) = 2.809 µS and Δ∞ = 0.0995 µS: aihwkit `dw_min = 0.01`, `A_up = −27.235`
    ///   (ε = 0.01 · 28.235 · 9.95 µS, Δ∞ = 0.01 · 9.95 µS); β = 5: `γ_up = 2.5`, `a = −1`, `b = 0`
    ///   with `w = 2x`.
    /// - d2d σ = 0.2: aihwkit `dw_min_dtod`.
    /// - c2c: `s_rel = 0.6` (`dw_min_std`); σ_min = 0.6 · 0.042 · 9.95 = 0.251 µS
    ///   (`dw_min_std_add`), σ_max = σ_min + 0.6 · 0.108 · 2 · 9.95 = 1.540 µS (`dw_min_std_slope`).
    /// - σ_read = 0.5 µS: aihwkit `PCMLikeNoiseModel` 1/f read noise
    ///   `G · 0.0088/(G/25 µS)^0.65 · √ln((t + t_r)/(2 t_r))`, `t_r` = 250 ns, evaluated at
    ///   G = 10 µS between t = 1 ms (0.44 µS) and 1 s (0.61 µS); made state-independent (our
    ///   simplification).
    /// - σ_reset = 0.2 µS: aihwkit `reset_dtod = 0.02` · 9.95 µS, drawn per RESET here.
    /// - refresh at 75 % of the window: aihwkit `OneSidedUnitCell.refresh_upper_thres` (aihwkit
    ///   also requires the smaller device above 25 %; we refresh on the larger alone).
    /// - at most 100 pulses per refresh: our assumption (the noiseless device crosses the whole
    ///   window in 72).
    /// - ν = 0.05: aihwkit `PCMLikeNoiseModel` drift mean `−0.0155 ln(G/Gmax) + 0.0244` clipped to
    ///   [0.049, 0.1] (0.049 above G ≈ Gmax/4).
    case pcmNandakumar2020 = "pcm-nandakumar2020"
    /// The same mean step law with every noise, variation and drift set to 0, for oracle tests.
    case pcmNoiseless = "pcm-noiseless"
    /// A linear, noiseless device: constant 0.125 µS steps over 0–20 µS (160 pulses), for oracle
    /// tests (0.125 is exact in binary, so pulse sums are exact).
    case idealPulse = "ideal-pulse"

    /// The device model of the preset.
    public var model: PulseDeviceModel {
        switch self {
        case .pcmNandakumar2020:
            return PulseDeviceModel(name: rawValue, gMinMicroSiemens: 0.1, gMaxMicroSiemens: 20, readVoltage: 0.2,
                                    stepAtGMinMicroSiemens: 2.809, stepFloorMicroSiemens: 0.0995, stepDecay: 5,
                                    d2dRelativeSigma: 0.2, c2cRelativeSigma: 0.6,
                                    c2cSigmaAtGMinMicroSiemens: 0.251, c2cSigmaAtGMaxMicroSiemens: 1.540,
                                    readSigmaMicroSiemens: 0.5, resetSigmaMicroSiemens: 0.2,
                                    refreshThreshold: 0.75, maxRefreshPulses: 100, driftNu: 0.05)
        case .pcmNoiseless:
            return PulseDeviceModel(name: rawValue, gMinMicroSiemens: 0.1, gMaxMicroSiemens: 20, readVoltage: 0.2,
                                    stepAtGMinMicroSiemens: 2.809, stepFloorMicroSiemens: 0.0995, stepDecay: 5,
                                    d2dRelativeSigma: 0, c2cRelativeSigma: 0,
                                    c2cSigmaAtGMinMicroSiemens: 0, c2cSigmaAtGMaxMicroSiemens: 0,
                                    readSigmaMicroSiemens: 0, resetSigmaMicroSiemens: 0,
                                    refreshThreshold: 0.75, maxRefreshPulses: 100, driftNu: 0)
        case .idealPulse:
            return PulseDeviceModel(name: rawValue, gMinMicroSiemens: 0, gMaxMicroSiemens: 20, readVoltage: 0.2,
                                    stepAtGMinMicroSiemens: 0.125, stepFloorMicroSiemens: 0.125, stepDecay: 0,
                                    d2dRelativeSigma: 0, c2cRelativeSigma: 0,
                                    c2cSigmaAtGMinMicroSiemens: 0, c2cSigmaAtGMaxMicroSiemens: 0,
                                    readSigmaMicroSiemens: 0, resetSigmaMicroSiemens: 0,
                                    refreshThreshold: 0.75, maxRefreshPulses: 200, driftNu: 0)
        }
    }

    public static let presetKind = "pulse-device preset"
    public static let presetField = "device"
}
