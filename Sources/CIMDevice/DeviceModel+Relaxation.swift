import CIMCore
import Foundation

/// Conductance relaxation of ReRAM (optional terms) and devices valid only at measured times.
///
/// - CMO/HfOx ReRAM (Falcone et al., *All-in-one analog AI hardware: on-chip training and
///   inference with conductive-metal-oxide/HfOx ReRAM devices*, arXiv:2502.04524 (2025), as
///   fitted by IBM aihwkit's `ReRamCMONoiseModel`): the conductance relaxes independently of its
///   level, its mean by ``relaxationLogShiftMicroSiemens`` · ln(t/t₀) µS and its spread by a fresh
///   draw of σ = s₀ + s₁ ln(t/t₀) µS (``relaxationSigmaMicroSiemens``), for t > t₀.
/// - NeuRRAM RRAM (Wan et al., *A compute-in-memory chip based on resistive random-access
///   memory*, Nature 608, 504 (2022), as fitted by aihwkit's `ReRamWan2022NoiseModel`): the
///   spread of G − target was measured at 1 s, 1 day and 2 days only, each fitted by a
///   polynomial in x (``timeSigmaPolynomialsMicroSiemens``). The model holds only at those times
///   (``validReadSeconds``; ``checkEvaluationTime(_:)`` refuses others). At a valid time t_j the
///   programmed conductance gets a fresh draw of σ = √max(0, σ_j(x)² − σ_prog(x)²), so that
///   G − target has the published σ_j(x) there (σ_j ≥ σ_prog for every x of the published fits);
///   x is the programmed conductance's (aihwkit uses the target's: a second-order difference).
///   As in aihwkit, the result is clamped at 0 µS (``conductance(programmed:nu:seconds:readNoise:)``).
extension DeviceModel {
    /// Whether the device has relaxation terms (a shift, a spread, or per-time σ).
    public var hasRelaxation: Bool {
        relaxationLogShiftMicroSiemens != nil || relaxationSigmaMicroSiemens != nil || timeSigmaPolynomialsMicroSiemens != nil
    }

    /// The per-time σ polynomial of valid time `index`, µS coefficients.
    public func timeSigmaPolynomial(_ index: Int) -> [Double]? {
        guard let all = timeSigmaPolynomialsMicroSiemens, let times = validReadSeconds, !times.isEmpty,
              all.count % times.count == 0, times.indices.contains(index) else { return nil }
        let n = all.count / times.count
        return Array(all[(index * n)..<((index + 1) * n)])
    }

    /// Total σ of G − target at valid time `seconds` for a device at `g` µS, µS (nil at other times).
    public func timeSigma(at g: Double, seconds: Double) -> Double? {
        guard let j = validReadSeconds?.firstIndex(of: seconds), let c = timeSigmaPolynomial(j) else { return nil }
        return max(0, Self.polynomial(c, abs(g) / gMaxMicroSiemens))
    }

    /// `g` µS (drifted) of a device programmed to `programmed` µS, after relaxing until `seconds`.
    public func relaxed(_ g: Double, programmed: Double, seconds: Double, readNoise: inout RandomGenerator) -> Double {
        var out = g
        let t0 = driftT0Seconds
        if seconds > t0 {
            let l = Foundation.log(seconds / t0)
            if let a = relaxationLogShiftMicroSiemens { out += a * l }
            if let s = relaxationSigmaMicroSiemens, s.count == 2 {
                let sigma = max(0, s[0] + s[1] * l)
                if sigma > 0 { out += sigma * readNoise.nextNormal() }
            }
        }
        if let total = timeSigma(at: programmed, seconds: seconds) {
            let p = programmingSigma(at: programmed)
            let extra = max(0, total * total - p * p).squareRoot()
            if extra > 0 { out += extra * readNoise.nextNormal() }
        }
        return out
    }

    /// σ of the absolute 1/f read noise at `g` µS, `seconds` after programming, µS:
    /// `|K log10(G / 1 µS)| · √ln((t + t_r)/(2 t_r))` (0 until t > t_r).
    public func readNoise1fLog10Sigma(at g: Double, seconds: Double) -> Double {
        guard let k = readNoise1fLog10MicroSiemens, let tr = readNoise1fReadSeconds else { return 0 }
        let ratio = (seconds + tr) / (2 * tr)
        guard ratio > 1 else { return 0 }
        return abs(k * Foundation.log10(max(abs(g), 1e-6))) * Foundation.log(ratio).squareRoot()
    }

    /// Refuses an evaluation time the device is not valid at: with ``validReadSeconds``, only
    /// those times (and 0, the device as programmed) are allowed.
    public func checkEvaluationTime(_ seconds: Double) throws(CIMError) {
        guard let v = validReadSeconds, seconds != 0, !v.contains(seconds) else { return }
        throw .invalidConfig(field: "--time", reason: "\(seconds) s: device \(name) is valid only at "
            + v.map { $0 == $0.rounded() ? "\(Int($0))" : "\($0)" }.joined(separator: ", ")
            + " s after programming (the times its statistics were measured at) or 0 (as programmed)")
    }

    /// Checks the relaxation and valid-time terms; errors name the field (`prefix` + key).
    func validateRelaxation(fieldPrefix: String) throws(CIMError) {
        func bad(_ field: String, _ why: String) -> CIMError { .invalidConfig(field: fieldPrefix + field, reason: why) }
        let maxG = Self.maxMicroSiemens
        if let a = relaxationLogShiftMicroSiemens, !(a.isFinite && abs(a) <= maxG) {
            throw bad("relaxationLogShiftMicroSiemens", "\(a) must be within ±\(maxG) µS")
        }
        if let s = relaxationSigmaMicroSiemens, !(s.count == 2 && s.allSatisfy({ $0.isFinite && abs($0) <= maxG })) {
            throw bad("relaxationSigmaMicroSiemens", "\(s) must be [s₀, s₁] µS, each within ±\(maxG)")
        }
        if let k = readNoise1fLog10MicroSiemens, !(k.isFinite && k >= 0 && k <= maxG) {
            throw bad("readNoise1fLog10MicroSiemens", "\(k) must be in [0, \(maxG)] µS")
        }
        if readNoise1fLog10MicroSiemens != nil && readNoise1fCoefficient != nil {
            throw bad("readNoise1fLog10MicroSiemens", "give either the relative (readNoise1fCoefficient) or the absolute 1/f form, not both")
        }
        if let v = validReadSeconds {
            guard (1...16).contains(v.count), v.allSatisfy({ $0.isFinite && $0 > 0 && $0 <= 1e10 }),
                  zip(v, v.dropFirst()).allSatisfy({ $0 < $1 }) else {
                throw bad("validReadSeconds", "\(v) must be 1…16 ascending times in (0, 1e10] s")
            }
        }
        if let c = timeSigmaPolynomialsMicroSiemens {
            guard let v = validReadSeconds else { throw bad("timeSigmaPolynomialsMicroSiemens", "needs validReadSeconds (one polynomial per valid time)") }
            guard !c.isEmpty, c.count % v.count == 0, (1...8).contains(c.count / v.count) else {
                throw bad("timeSigmaPolynomialsMicroSiemens", "has \(c.count) coefficients: one polynomial of 1…8 coefficients per valid time (\(v.count) times)")
            }
            guard c.allSatisfy({ $0.isFinite && abs($0) <= maxG }) else {
                throw bad("timeSigmaPolynomialsMicroSiemens", "coefficients must be finite, each within ±\(maxG) µS")
            }
        }
    }
}
