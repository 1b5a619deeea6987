import CIMCore
import Foundation

/// Fits a ``DeviceModel`` to measurements (``DeviceMeasurements``): the programming-σ
/// polynomial in G/gMax, the read σ (pooled, and at each read time), the drift exponent's mean
/// (intercept and ln-x slope) and its device-to-device σ, each with a 95 % confidence interval.
///
/// Estimates: ``DeviceFitEstimator`` (maximum likelihood for σ_prog and σ_read, least squares
/// and moments for drift). Confidence intervals: a seeded nonparametric bootstrap over devices
/// (``DeviceFitOptions/bootstrap`` resamples of the devices with replacement, the estimate
/// refitted on each, the 2.5 % and 97.5 % percentiles), so that every parameter, including the
/// moment estimate of σ_ν, gets an interval by the same rule. The Fisher-information standard
/// errors of the σ_prog coefficients are reported too, as a check on the bootstrap's widths.
/// t₀ is not fitted: it is the file's first read time (where the programmed value is read).
public enum DeviceFit {
    /// Fits `m`; see ``DeviceFitResult``.
    public static func fit(_ m: DeviceMeasurements, options: DeviceFitOptions = DeviceFitOptions()) throws(CIMError) -> DeviceFitResult {
        try options.validate()
        let gMax = options.gMaxMicroSiemens ?? (m.targets.max() ?? 1)
        guard m.deviceIDs.count >= 2 * (options.sigmaDegree + 1) + 3 else {
            throw .invalidConfig(field: "measurements", reason: "\(m.deviceIDs.count) devices are too few to fit (need at least \(2 * (options.sigmaDegree + 1) + 3))")
        }
        let est = DeviceFitEstimator(m: m, gMax: gMax, sigmaDegree: options.sigmaDegree, driftLogSlope: options.driftLogSlope)
        let all = Array(m.deviceIDs.indices)
        var residuals = DeviceFitEstimator.Residuals()
        let point = withUnsafeMutablePointer(to: &residuals) { est.estimate(all, residuals: $0) }
        var rng = RandomGenerator(seed: options.seed, stream: "device-fit-bootstrap")
        var replicates: [[Double]] = []
        let grid = (0...40).map { Double($0) / 40 }
        var curves: [[Double]] = []
        for _ in 0..<options.bootstrap {
            let sample = all.map { _ in all[rng.nextInt(below: all.count)] }
            let e = est.estimate(sample)
            replicates.append(e.vector)
            curves.append(grid.map { max(0, est.poly(e.sigmaPolynomial, $0)) })
        }
        let names = parameterNames(degree: options.sigmaDegree, times: m.times)
        let values = point.vector
        var parameters: [FittedParameter] = []
        for (j, n) in names.enumerated() {
            let column = replicates.map { $0[j] }.sorted()
            let mean = column.reduce(0, +) / Double(max(column.count, 1))
            let se = (column.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(max(column.count - 1, 1))).squareRoot()
            parameters.append(FittedParameter(name: n.name, key: n.key, unit: n.unit, estimate: values[j],
                                              lower: quantile(column, 0.025), upper: quantile(column, 0.975), standardError: se,
                                              fisherStandardError: j < point.fisherStandardErrors.count && point.fisherStandardErrors[j].isFinite ? point.fisherStandardErrors[j] : nil))
        }
        let hasDrift = m.times.count >= 2 && point.driftDevices >= 3
        if !hasDrift { parameters.removeAll { $0.name.hasPrefix("drift") } }
        let curve = grid.indices.map { i -> [Double] in
            let col = curves.map { $0[i] }.sorted()
            return [grid[i] * gMax, max(0, est.poly(point.sigmaPolynomial, grid[i])), quantile(col, 0.025), quantile(col, 0.975)]
        }
        let gof = DeviceFitGoodness(residuals: residuals, gMax: gMax, readSigma: point.readSigma, hasDrift: hasDrift)
        return DeviceFitResult(gMaxMicroSiemens: gMax, t0Seconds: m.times[0], times: m.times, devices: m.deviceIDs.count,
                               rows: m.rows, driftDevices: point.driftDevices, hasDrift: hasDrift, options: options,
                               parameters: parameters, sigmaCurve: curve, goodness: gof,
                               driftPoints: zip(residuals.driftX, residuals.nu).map { [$0.0 * gMax, $0.1] })
    }

    /// Names, device keys and units of the estimate vector (``DeviceFitEstimator/Estimates/vector``).
    static func parameterNames(degree: Int, times: [Double]) -> [(name: String, key: String?, unit: String)] {
        var out: [(String, String?, String)] = (0...degree).map { ("sigmaProg.c\($0)", "programmingSigmaPolynomialMicroSiemens[\($0)]", "µS") }
        out.append(("readSigma", "readSigmaMicroSiemens", "µS"))
        for t in times { out.append(("readSigma@\(seconds(t))", nil, "µS")) }
        out.append(("driftNu", "driftNu", ""))
        out.append(("driftNuLogSlope", "driftNuLogSlope", "per ln x"))
        out.append(("driftNuSigma", "driftNuSigma", ""))
        return out
    }

    /// `t` s as short text (`1s`, `3600s`, `0.5s`).
    static func seconds(_ t: Double) -> String {
        t == t.rounded() && abs(t) < 1e15 ? "\(Int(t))s" : "\(t)s"
    }

    /// The `p` quantile of sorted values (linear interpolation); NaN when empty.
    static func quantile(_ sorted: [Double], _ p: Double) -> Double {
        guard !sorted.isEmpty else { return .nan }
        let h = p * Double(sorted.count - 1), lo = Int(h.rounded(.down)), hi = min(lo + 1, sorted.count - 1)
        return sorted[lo] + (h - Double(lo)) * (sorted[hi] - sorted[lo])
    }
}

/// Options of ``DeviceFit``.
public struct DeviceFitOptions: Codable, Equatable, Sendable {
    /// Degree of the programming-σ polynomial in G/gMax (0 = constant σ), 0…3.
    public var sigmaDegree = 2
    /// gMax of x = G/gMax, µS; nil = the largest target.
    public var gMaxMicroSiemens: Double? = nil
    /// Whether the mean ν depends on ln x (else a constant mean).
    public var driftLogSlope = true
    /// Bootstrap resamples for the confidence intervals (100…100 000).
    public var bootstrap = 400
    /// Seed of the bootstrap.
    public var seed: UInt64 = 1

    public init(sigmaDegree: Int = 2, gMaxMicroSiemens: Double? = nil, driftLogSlope: Bool = true, bootstrap: Int = 400, seed: UInt64 = 1) {
        self.sigmaDegree = sigmaDegree
        self.gMaxMicroSiemens = gMaxMicroSiemens
        self.driftLogSlope = driftLogSlope
        self.bootstrap = bootstrap
        self.seed = seed
    }

    public func validate() throws(CIMError) {
        guard (0...3).contains(sigmaDegree) else { throw .invalidConfig(field: "sigma-degree", reason: "\(sigmaDegree) must be in 0…3") }
        if let g = gMaxMicroSiemens, !(g.isFinite && g > 0 && g <= DeviceModel.maxMicroSiemens) {
            throw .invalidConfig(field: "g-max", reason: "\(g) µS must be in (0, \(DeviceModel.maxMicroSiemens)] µS")
        }
        guard (100...100_000).contains(bootstrap) else { throw .invalidConfig(field: "bootstrap", reason: "\(bootstrap) must be in 100…100000") }
    }
}

/// One fitted parameter with its 95 % bootstrap interval.
public struct FittedParameter: Codable, Equatable, Sendable {
    /// Short name (`sigmaProg.c0`, `readSigma`, `readSigma@3600s`, `driftNu`, …).
    public var name: String
    /// The ``DeviceModel`` JSON key it sets (nil: a diagnostic, e.g. read σ at one time).
    public var key: String?
    /// Unit (µS, or empty for exponents).
    public var unit: String
    /// Point estimate.
    public var estimate: Double
    /// 95 % interval: 2.5 % and 97.5 % bootstrap percentiles.
    public var lower: Double
    public var upper: Double
    /// Bootstrap standard error.
    public var standardError: Double
    /// Standard error from the Fisher information (σ_prog coefficients only).
    public var fisherStandardError: Double?

    /// Whether `value` lies in the interval.
    public func covers(_ value: Double) -> Bool { lower <= value && value <= upper }
}
