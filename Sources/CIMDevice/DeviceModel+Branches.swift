import CIMCore
import Foundation

/// Two-branch conductance dependences (optional terms): the HERMES PCM statistics of Le Gallo et
/// al., *A 64-core mixed-signal in-memory compute chip based on phase-change memory for deep
/// neural network inference*, Nat. Electron. 6, 680 (2023), as fitted by IBM aihwkit's
/// `HermesNoiseModel` (after the method of Nandakumar et al., ICECS 2019), describe the mean ν,
/// σ_ν and the 1/f coefficient by a clipped `a + b ln x` below a relative conductance x_b and a
/// polynomial in x from x_b on:
///
///     f(x) = clamp(a + b ln x, low, high)   for x < x_b
///     f(x) = Σ_k c_k x^k                    for x ≥ x_b
///
/// The low branch is the existing term (``driftNu`` + ``driftNuLogSlope`` with
/// ``driftNuMeanRange``; ``driftNuSigma`` + ``driftNuSigmaLogSlope`` with ``driftNuSigmaRange``;
/// ``readNoise1fCoefficient`` + ``readNoise1fLogSlope`` with ``readNoise1fRange``), the high branch
/// is `…PolynomialAbove` (x_b) with `…Polynomial` (c₀, c₁, …). x = |G|/gMax (at least 10⁻⁷).
extension DeviceModel {
    /// `Σ c_k x^k` by Horner's rule.
    static func polynomial(_ c: [Double], _ x: Double) -> Double {
        var s = 0.0
        for k in c.indices.reversed() { s = s * x + c[k] }
        return s
    }

    /// The high branch of the mean ν at `target` µS, or nil below x_b (or without the term).
    func driftNuMeanHighBranch(at target: Double) -> Double? {
        guard let xb = driftNuMeanPolynomialAbove, let c = driftNuMeanPolynomial, relative(target) >= xb else { return nil }
        return Self.polynomial(c, relative(target))
    }

    /// The high branch of σ_ν at `target` µS, or nil below x_b (or without the term).
    func driftNuSigmaHighBranch(at target: Double) -> Double? {
        guard let xb = driftNuSigmaPolynomialAbove, let c = driftNuSigmaPolynomial, relative(target) >= xb else { return nil }
        return Self.polynomial(c, relative(target))
    }

    /// The high branch of the relative 1/f coefficient q at `g` µS, or nil below x_b.
    func readNoise1fHighBranch(at g: Double) -> Double? {
        guard let xb = readNoise1fPolynomialAbove, let c = readNoise1fPolynomial, relative(g) >= xb else { return nil }
        return Self.polynomial(c, relative(g))
    }

    /// Checks the branch terms; errors name the field (`prefix` + key).
    func validateBranches(fieldPrefix: String) throws(CIMError) {
        func bad(_ field: String, _ why: String) -> CIMError { .invalidConfig(field: fieldPrefix + field, reason: why) }
        let pairs: [(Double?, [Double]?, String, String, Double)] = [
            (driftNuMeanPolynomialAbove, driftNuMeanPolynomial, "driftNuMeanPolynomialAbove", "driftNuMeanPolynomial", 1),
            (driftNuSigmaPolynomialAbove, driftNuSigmaPolynomial, "driftNuSigmaPolynomialAbove", "driftNuSigmaPolynomial", 1),
            (readNoise1fPolynomialAbove, readNoise1fPolynomial, "readNoise1fPolynomialAbove", "readNoise1fPolynomial", 10),
        ]
        for (above, c, aboveKey, cKey, bound) in pairs {
            guard (above == nil) == (c == nil) else {
                throw bad(above == nil ? aboveKey : cKey, "is required with \(above == nil ? cKey : aboveKey) (a branch needs both)")
            }
            if let above, !(above.isFinite && above > 0 && above <= 10) { throw bad(aboveKey, "\(above) must be in (0, 10]") }
            if let c, !((1...8).contains(c.count) && c.allSatisfy({ $0.isFinite && abs($0) <= bound })) {
                throw bad(cKey, "must hold 1…8 finite coefficients, each within ±\(bound)")
            }
        }
        if driftNuSigmaPolynomial != nil && driftNuSigma == nil && driftNuSigmaLogSlope == nil {
            throw bad("driftNuSigma", "is required with driftNuSigmaPolynomial (the branch below x_b)")
        }
        if let b = readNoise1fLogSlope {
            guard b.isFinite, abs(b) <= 1 else { throw bad("readNoise1fLogSlope", "\(b) must be in [−1, 1]") }
            guard readNoise1fCoefficient != nil else { throw bad("readNoise1fLogSlope", "needs readNoise1fCoefficient (its intercept)") }
            guard readNoise1fRange != nil else {
                throw bad("readNoise1fRange", "is required with readNoise1fLogSlope (ln x is unbounded at small conductances)")
            }
        }
        if let r = readNoise1fRange {
            guard readNoise1fLogSlope != nil else { throw bad("readNoise1fRange", "needs readNoise1fLogSlope (it clips that form)") }
            guard r.count == 2, r.allSatisfy({ $0.isFinite && (0...10).contains($0) }), r[0] <= r[1] else {
                throw bad("readNoise1fRange", "\(r) must be [low, high] with 0 ≤ low ≤ high ≤ 10")
            }
        }
        if readNoise1fPolynomial != nil && readNoise1fCoefficient == nil {
            throw bad("readNoise1fPolynomial", "needs readNoise1fCoefficient (the 1/f term is off without it)")
        }
    }
}
