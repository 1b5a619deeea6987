import Foundation

/// Summary of per-trial accuracies (fractions 0…1).
public struct TrialStatistics: Codable, Sendable, Equatable {
    public var trials: Int
    public var mean: Double
    /// Sample standard deviation (n − 1); 0 for one trial.
    public var std: Double
    public var min: Double
    /// 5th percentile and median (linear interpolation between order statistics, as NumPy).
    public var p5: Double
    public var median: Double
    /// 95 % confidence interval of the mean: mean ± t(0.975, n − 1) · std / √n.
    public var ci95Low: Double
    public var ci95High: Double
    /// Noiseless accuracy − mean.
    public var drop: Double

    public init(_ accuracies: [Double], noiseless: Double) {
        let n = accuracies.count
        let sorted = accuracies.sorted()
        trials = n
        mean = n > 0 ? accuracies.reduce(0, +) / Double(n) : 0
        let m = mean
        std = n > 1 ? (accuracies.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(n - 1)).squareRoot() : 0
        min = sorted.first ?? 0
        p5 = Self.percentile(sorted, 0.05)
        median = Self.percentile(sorted, 0.5)
        let half = n > 1 ? Self.t975(df: n - 1) * std / Double(n).squareRoot() : 0
        ci95Low = mean - half
        ci95High = mean + half
        drop = noiseless - mean
    }

    static func percentile(_ sorted: [Double], _ q: Double) -> Double {
        guard !sorted.isEmpty else { return 0 }
        let h = q * Double(sorted.count - 1)
        let lo = Int(h.rounded(.down)), hi = Swift.min(lo + 1, sorted.count - 1)
        return sorted[lo] + (h - Double(lo)) * (sorted[hi] - sorted[lo])
    }

    /// Student's t quantile 0.975 (table to 30 degrees of freedom, then the Cornish–Fisher
    /// expansion z + (z³ + z)/(4 df), error < 1e-3).
    static func t975(df: Int) -> Double {
        let table: [Double] = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131,
                               2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042]
        if df >= 1 && df <= 30 { return table[df - 1] }
        let z = 1.959964
        return z + (z * z * z + z) / (4 * Double(df))
    }
}
