import CIMCore
import Foundation

/// What ``DeviceFit/fit(_:options:)`` found: every parameter with its 95 % interval, the
/// goodness of fit, the σ_prog curve with its band (for the plot), and the fitted device.
public struct DeviceFitResult: Codable, Equatable, Sendable {
    /// gMax of x = G/gMax, µS.
    public var gMaxMicroSiemens: Double
    /// t₀, s: the first read time (not fitted).
    public var t0Seconds: Double
    /// The read times, s.
    public var times: [Double]
    /// Devices and rows (reads) in the file; devices in the drift fit.
    public var devices: Int
    public var rows: Int
    public var driftDevices: Int
    /// Whether drift was fitted (≥ 2 read times).
    public var hasDrift: Bool
    public var options: DeviceFitOptions
    /// The parameters, in order: σ_prog coefficients, read σ, read σ at each time, drift.
    public var parameters: [FittedParameter]
    /// σ_prog along G: `[G µS, estimate, 2.5 %, 97.5 %]` at 41 points over 0…gMax, µS.
    public var sigmaCurve: [[Double]]
    public var goodness: DeviceFitGoodness
    /// `[target µS, ν̂]` of each device in the drift fit (for the plot).
    public var driftPoints: [[Double]]

    /// The parameter called `name`.
    public func parameter(_ name: String) -> FittedParameter? { parameters.first { $0.name == name } }

    /// The σ_prog coefficients c₀, c₁, … (µS).
    public var sigmaPolynomial: [Double] { parameters.filter { $0.name.hasPrefix("sigmaProg.c") }.map(\.estimate) }

    /// `base` with the fitted terms: σ_prog polynomial (constant σ and per-level table off),
    /// read σ, drift (ν intercept, ln-x slope with its range over the measured targets, σ_ν,
    /// t₀ = the first read time) or no drift, one write attempt (the measured σ_prog already
    /// includes whatever verify loop programmed the devices), and no 1/f noise, relaxation,
    /// branches or valid times (not fitted; the base's are dropped). Window, levels, read voltage,
    /// stuck cells and the conductance bounds stay the base's.
    public func device(base: DeviceModel, name: String) -> DeviceModel {
        var d = base
        d.name = name
        d.programmingSigmaMicroSiemens = 0
        d.programmingSigmaPolynomialMicroSiemens = sigmaPolynomial
        d.programmingSigmaPerLevelMicroSiemens = nil
        d.verifyAcceptanceRelative = nil
        d.maxWriteTrials = 1
        d.readSigmaMicroSiemens = max(0, parameter("readSigma")?.estimate ?? 0)
        d.readNoise1fCoefficient = nil; d.readNoise1fExponent = nil; d.readNoise1fMaxRelative = nil; d.readNoise1fReadSeconds = nil
        d.driftNuSigmaLogSlope = nil; d.driftNuSigmaRange = nil
        // the base's other noise and drift models are replaced by the fitted ones
        d.driftNuMeanPolynomialAbove = nil; d.driftNuMeanPolynomial = nil; d.driftNuSigmaPolynomialAbove = nil; d.driftNuSigmaPolynomial = nil
        d.readNoise1fLogSlope = nil; d.readNoise1fRange = nil; d.readNoise1fPolynomialAbove = nil; d.readNoise1fPolynomial = nil
        d.readNoise1fLog10MicroSiemens = nil
        d.relaxationLogShiftMicroSiemens = nil; d.relaxationSigmaMicroSiemens = nil
        d.validReadSeconds = nil; d.timeSigmaPolynomialsMicroSiemens = nil
        d.driftNuLogSlope = nil; d.driftNuMeanRange = nil; d.driftNuSigma = nil
        d.driftNu = 0
        d.driftReferenceSeconds = nil
        if hasDrift, let a = parameter("driftNu")?.estimate, let b = parameter("driftNuLogSlope")?.estimate,
           let s = parameter("driftNuSigma")?.estimate {
            d.driftNu = min(max(a, -0.999), 0.999)
            d.driftReferenceSeconds = t0Seconds
            if options.driftLogSlope {
                d.driftNuLogSlope = min(max(b, -0.999), 0.999)
                let xs = driftPoints.map { max($0[0] / gMaxMicroSiemens, DeviceModel.relativeConductanceFloor) }
                let ends = [xs.min() ?? 1, xs.max() ?? 1].map { min(max(a + b * Foundation.log($0), -0.999), 0.999) }
                d.driftNuMeanRange = [ends.min()!, ends.max()!]
            }
            if s > 0 { d.driftNuSigma = min(s, 0.999) }
        }
        return d
    }

    /// The summary `cim device fit` prints: parameters with intervals, then goodness of fit.
    public var summary: String {
        func f(_ v: Double) -> String { String(format: "%.5g", v) }
        var lines = ["\(devices) devices, \(rows) reads at \(times.count) read time(s) (\(times.map(DeviceFit.seconds).joined(separator: ", "))); "
                     + "x = G / \(f(gMaxMicroSiemens)) µS; t₀ = \(DeviceFit.seconds(t0Seconds)) (the first read time)",
                     "parameter            estimate    95 % interval (bootstrap, \(options.bootstrap) resamples)   s.e.       Fisher s.e."]
        for p in parameters {
            let u = p.unit.isEmpty ? "" : " " + p.unit
            lines.append(p.name.padding(toLength: 20, withPad: " ", startingAt: 0) + " " + f(p.estimate).padding(toLength: 11, withPad: " ", startingAt: 0)
                         + " [\(f(p.lower)), \(f(p.upper))]\(u)".padding(toLength: 49, withPad: " ", startingAt: 0)
                         + " " + f(p.standardError).padding(toLength: 10, withPad: " ", startingAt: 0)
                         + (p.fisherStandardError.map { " " + f($0) } ?? ""))
        }
        if !hasDrift { lines.append("drift: not fitted (needs at least 2 read times and 3 devices with positive reads)") }
        func table(_ title: String, _ bins: [DeviceFitGoodness.Bin], sigma: Bool) {
            lines.append(title)
            for b in bins {
                var s = "  \(f(b.lowMicroSiemens))–\(f(b.highMicroSiemens)) µS: n \(b.count), mean \(String(format: "%+.3f", b.mean)), "
                    + "sd \(String(format: "%.3f", b.standardDeviation)), KS D \(String(format: "%.4f", b.ks)) p \(String(format: "%.3f", b.ksP))"
                if sigma, let m = b.measuredSigmaMicroSiemens { s += ", σ_prog measured \(f(m)) µS" }
                lines.append(s)
            }
        }
        table("goodness of fit, programmed values (standardised residuals, want mean 0, sd 1, KS p not small):", goodness.programming, sigma: true)
        if hasDrift { table("goodness of fit, drift exponents (standardised residuals):", goodness.drift, sigma: false) }
        return lines.joined(separator: "\n")
    }
}
