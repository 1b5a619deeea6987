import Foundation

/// Conductance drift as a power law in time: the one drift law of CIMKit, used by
/// ``DeviceModel`` (inference audits) and ``PulseDeviceModel`` (on-chip training).
///
///     G(t) = G(t₀) · (t / t₀)^(−ν)    for t > t₀,   G(t) = G(t₀) otherwise,
///
/// with t the time since programming (s) and t₀ the time of the first read after programming (s).
/// The law is the structural-relaxation drift of amorphous phase-change material (Ielmini et al.,
/// IEEE Trans. Electron Devices 54, 308 (2007)); Nandakumar et al., ICECS 2019 and Joshi et al.,
/// Nat. Commun. 11, 2473 (2020) fit ν per device with a conductance-dependent mean and spread
/// (``DeviceModel/driftExponent(target:rng:)``). A negative ν drifts up.
public enum PowerLawDrift {
    /// `g` (any unit) programmed at `t₀ = referenceSeconds` s, after drifting until `seconds` s
    /// with exponent `nu`; unchanged when ν = 0 or `seconds ≤ referenceSeconds`.
    public static func conductance(_ g: Double, nu: Double, referenceSeconds: Double, seconds: Double) -> Double {
        nu == 0 || seconds <= referenceSeconds ? g : g * Foundation.pow(seconds / referenceSeconds, -nu)
    }
}
