import Foundation

/// Goodness of fit of ``DeviceFit``: the standardised residuals of the programmed values
/// (`(m(t₀) − T) / √(σ_prog(x)² + σ_r²/n)`) and of the drift exponents
/// (`(ν̂ − mean ν(x)) / √(σ_ν² + var ν̂)`) should be N(0, 1) in every conductance bin. Each bin
/// (five bins of equal device count by target) reports its count, the residuals' mean and
/// standard deviation, and the Kolmogorov–Smirnov distance to N(0, 1) with its asymptotic
/// p-value (Kolmogorov's distribution with Stephens' small-sample correction).
public struct DeviceFitGoodness: Codable, Equatable, Sendable {
    /// One conductance bin.
    public struct Bin: Codable, Equatable, Sendable {
        /// Target range of the bin, µS.
        public var lowMicroSiemens: Double
        public var highMicroSiemens: Double
        public var count: Int
        public var mean: Double
        public var standardDeviation: Double
        /// KS distance to N(0, 1) and its p-value.
        public var ks: Double
        public var ksP: Double
        /// Programming only: the measured σ_prog in the bin, √(mean e² − mean σ_r²/n), µS.
        public var measuredSigmaMicroSiemens: Double?
    }

    /// Bins of the programming residuals.
    public var programming: [Bin]
    /// Bins of the drift-exponent residuals (empty without drift).
    public var drift: [Bin]

    /// Number of bins.
    public static let binCount = 5

    init(residuals r: DeviceFitEstimator.Residuals, gMax: Double, readSigma: Double, hasDrift: Bool) {
        programming = Self.bins(x: r.x, z: r.programming, gMax: gMax, raw: r.programmingRaw, readVariance: r.readVariance)
        drift = hasDrift ? Self.bins(x: r.driftX, z: r.drift, gMax: gMax, raw: nil, readVariance: nil) : []
    }

    static func bins(x: [Double], z: [Double], gMax: Double, raw: [Double]?, readVariance: [Double]?) -> [Bin] {
        let order = x.indices.sorted { x[$0] < x[$1] }
        guard order.count >= binCount else { return [] }
        return (0..<binCount).map { b in
            let part = Array(order[(b * order.count / binCount)..<((b + 1) * order.count / binCount)])
            let zs = part.map { z[$0] }
            let n = Double(zs.count)
            let mean = zs.reduce(0, +) / n
            let sd = (zs.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / max(n - 1, 1)).squareRoot()
            let d = ksDistance(zs)
            var measured: Double?
            if let raw, let readVariance {
                let e2 = part.reduce(0) { $0 + raw[$1] * raw[$1] } / n, a = part.reduce(0) { $0 + readVariance[$1] } / n
                measured = max(e2 - a, 0).squareRoot()
            }
            return Bin(lowMicroSiemens: x[part.first!] * gMax, highMicroSiemens: x[part.last!] * gMax, count: zs.count, mean: mean,
                       standardDeviation: sd, ks: d, ksP: ksPValue(d, n: zs.count), measuredSigmaMicroSiemens: measured)
        }
    }

    /// Φ(z), the standard normal distribution function.
    static func normalCDF(_ z: Double) -> Double { 0.5 * erfc(-z / 2.0.squareRoot()) }

    /// sup |F_n − Φ| of the sample.
    static func ksDistance(_ values: [Double]) -> Double {
        let s = values.sorted(), n = Double(s.count)
        var d = 0.0
        for (i, v) in s.enumerated() {
            let f = normalCDF(v)
            d = max(d, f - Double(i) / n, Double(i + 1) / n - f)
        }
        return d
    }

    /// P(D ≥ d) under N(0, 1): Q_KS((√n + 0.12 + 0.11/√n) d) (Stephens 1970).
    static func ksPValue(_ d: Double, n: Int) -> Double {
        let sn = Double(n).squareRoot(), lambda = (sn + 0.12 + 0.11 / sn) * d
        guard lambda > 0.2 else { return 1 }
        var sum = 0.0
        for k in 1...100 {
            let term = 2 * (k % 2 == 1 ? 1.0 : -1.0) * Foundation.exp(-2 * Double(k * k) * lambda * lambda)
            sum += term
            if abs(term) < 1e-12 { break }
        }
        return min(max(sum, 0), 1)
    }
}
