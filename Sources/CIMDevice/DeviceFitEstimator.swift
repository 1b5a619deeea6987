import CIMCore
import Foundation

/// The point estimates of ``DeviceFit`` on one set of devices (the measured ones, or one
/// bootstrap resample of them). The model is ``DeviceModel``'s, without 1/f noise:
///
///     read k of device i at time t:  r = G_i(t) + σ_r ε,          ε ~ N(0, 1) per read
///     G_i(t) = g_i (t / t₀)^(−ν_i),   t₀ = the first read time
///     g_i = T_i + σ_p(x_i) ξ,          σ_p(x) = Σ_j c_j x^j,  x = T_i / gMax
///     ν_i = a + b ln x_i + σ_ν ζ
///
/// - σ_r²: the pooled within-(device, time) variance of repeated reads (its maximum-likelihood
///   estimate with each cell's own mean, i.e. the unbiased pooled variance).
/// - c: maximum likelihood of the first-time residuals e_i = m_i(t₀) − T_i, each
///   N(0, σ_p(x_i)² + σ_r²/n_i), by Fisher scoring from a constant start.
/// - ν_i: the least-squares slope of ln m_i(t) + σ_r²/(2 n_t m_t²) (the second-order bias of the
///   log of a noisy mean removed) against ln(t / t₀) (devices with ≥ 2 read times and positive
///   means); a, b by least squares on ln x; σ_ν² by moments: the mean squared residual minus each
///   slope's read-noise variance σ_r² Σ_t w_t² / (n_t m_t²).
struct DeviceFitEstimator {
    let m: DeviceMeasurements
    let gMax: Double
    let sigmaDegree: Int
    let driftLogSlope: Bool

    /// One set of estimates.
    struct Estimates {
        var readSigma = 0.0
        var readSigmaPerTime: [Double] = []
        var sigmaPolynomial: [Double] = []
        var fisherStandardErrors: [Double] = []
        var driftNu = 0.0
        var driftNuLogSlope = 0.0
        var driftNuSigma = 0.0
        var driftDevices = 0
        /// The vector every bootstrap replicate is summarised by (see ``DeviceFit/parameterNames``).
        var vector: [Double] { sigmaPolynomial + [readSigma] + readSigmaPerTime + [driftNu, driftNuLogSlope, driftNuSigma] }
    }

    /// Residuals for goodness of fit (devices in the order given).
    struct Residuals {
        var x: [Double] = []
        var programming: [Double] = []      // e_i / √v_i
        var programmingRaw: [Double] = []   // e_i, µS
        var readVariance: [Double] = []     // σ_r² / n_i, µS²
        var driftX: [Double] = []
        var nu: [Double] = []               // ν̂_i
        var drift: [Double] = []            // (ν̂_i − mean) / √(σ_ν² + v_i)
    }

    func x(_ d: Int) -> Double { max(m.targets[d] / gMax, DeviceModel.relativeConductanceFloor) }

    /// The estimates on the devices `devices` (indices into `m`, repeats allowed).
    func estimate(_ devices: [Int], residuals: UnsafeMutablePointer<Residuals>? = nil) -> Estimates {
        var e = Estimates()
        let K = m.times.count
        var ss = 0.0, dof = 0, ssT = [Double](repeating: 0, count: K), dofT = [Int](repeating: 0, count: K)
        for d in devices {
            for k in 0..<K where m.cells[d][k].count >= 2 {
                ss += m.cells[d][k].sumSquares; dof += m.cells[d][k].count - 1
                ssT[k] += m.cells[d][k].sumSquares; dofT[k] += m.cells[d][k].count - 1
            }
        }
        let readVar = dof > 0 ? ss / Double(dof) : 0
        e.readSigma = readVar.squareRoot()
        e.readSigmaPerTime = (0..<K).map { dofT[$0] > 0 ? (ssT[$0] / Double(dofT[$0])).squareRoot() : 0 }

        // programming σ polynomial: ML by Fisher scoring
        let p = sigmaDegree + 1
        let xs = devices.map(x)
        let res = devices.map { m.cells[$0][0].mean - m.targets[$0] }
        let add = devices.map { readVar / Double(m.cells[$0][0].count) }
        var c = [Double](repeating: 0, count: p)
        let meanSq = zip(res, add).reduce(0) { $0 + $1.0 * $1.0 - $1.1 } / Double(max(devices.count, 1))
        c[0] = max(meanSq, 1e-12).squareRoot()
        func loglik(_ c: [Double]) -> Double {
            var l = 0.0
            for i in xs.indices {
                let s = poly(c, xs[i]), v = s * s + add[i] + 1e-18
                l -= 0.5 * Foundation.log(v) + res[i] * res[i] / (2 * v)
            }
            return l
        }
        var info = [[Double]](repeating: [Double](repeating: 0, count: p), count: p)
        var current = loglik(c)
        for _ in 0..<100 {
            var g = [Double](repeating: 0, count: p)
            info = [[Double]](repeating: [Double](repeating: 0, count: p), count: p)
            for i in xs.indices {
                let s = poly(c, xs[i]), v = s * s + add[i] + 1e-18
                var phi = [Double](repeating: 1, count: p)
                for j in 1..<max(p, 1) { phi[j] = phi[j - 1] * xs[i] }
                let gi = (res[i] * res[i] - v) * s / (v * v), w = 2 * s * s / (v * v)
                for a in 0..<p {
                    g[a] += gi * phi[a]
                    for b in 0..<p { info[a][b] += w * phi[a] * phi[b] }
                }
            }
            guard let step = Self.solve(info, g) else { break }
            var scale = 1.0, accepted = false
            for _ in 0..<30 {
                let trial = zip(c, step).map { $0 + scale * $1 }
                let l = loglik(trial)
                if l >= current - 1e-12 { c = trial; accepted = abs(l - current) > 1e-10 * max(1, abs(current)); current = l; break }
                scale /= 2
            }
            if !accepted { break }
        }
        e.sigmaPolynomial = c
        e.fisherStandardErrors = Self.inverseDiagonal(info).map { $0 > 0 ? $0.squareRoot() : .nan }

        // drift: per-device slopes, then mean and spread
        var nuX: [Double] = [], nus: [Double] = [], noise: [Double] = []
        if K >= 2 {
            let t0 = m.times[0]
            for d in devices {
                var ls: [Double] = [], ys: [Double] = [], vs: [Double] = []
                for k in 0..<K where m.cells[d][k].count > 0 {
                    let cell = m.cells[d][k]
                    guard cell.mean > 0 else { ls = []; break }
                    // ln of a noisy mean is biased low by σ²/(2 n G²) (second order); corrected, else the
                    // bias grows as G drifts down and tilts the slopes of low-conductance devices
                    let rel = readVar / (Double(cell.count) * cell.mean * cell.mean)
                    ls.append(Foundation.log(m.times[k] / t0)); ys.append(Foundation.log(cell.mean) + rel / 2)
                    vs.append(rel)
                }
                guard ls.count >= 2 else { continue }
                let lbar = ls.reduce(0, +) / Double(ls.count)
                let sll = ls.reduce(0) { $0 + ($1 - lbar) * ($1 - lbar) }
                guard sll > 0 else { continue }
                var slope = 0.0, v = 0.0
                for j in ls.indices {
                    let w = (ls[j] - lbar) / sll
                    slope += w * ys[j]; v += w * w * vs[j]
                }
                nuX.append(Foundation.log(x(d))); nus.append(-slope); noise.append(v)
            }
        }
        e.driftDevices = nus.count
        var nuResiduals: [Double] = []
        if nus.count >= 3 {
            let n = Double(nus.count)
            let mx = nuX.reduce(0, +) / n, my = nus.reduce(0, +) / n
            let sxx = nuX.reduce(0) { $0 + ($1 - mx) * ($1 - mx) }
            if driftLogSlope && sxx > 1e-12 * n {
                let sxy = zip(nuX, nus).reduce(0) { $0 + ($1.0 - mx) * ($1.1 - my) }
                e.driftNuLogSlope = sxy / sxx
            }
            e.driftNu = my - e.driftNuLogSlope * mx
            nuResiduals = zip(nuX, nus).map { $0.1 - e.driftNu - e.driftNuLogSlope * $0.0 }
            let params = driftLogSlope && sxx > 1e-12 * n ? 2.0 : 1.0
            let excess = (nuResiduals.reduce(0) { $0 + $1 * $1 } - noise.reduce(0, +)) / (n - params)
            e.driftNuSigma = max(excess, 0).squareRoot()
        }
        if let r = residuals {
            r.pointee.x = xs
            r.pointee.programmingRaw = res
            r.pointee.readVariance = add
            r.pointee.programming = xs.indices.map { res[$0] / (poly(c, xs[$0]) * poly(c, xs[$0]) + add[$0] + 1e-18).squareRoot() }
            r.pointee.driftX = nuX.map { Foundation.exp($0) }
            r.pointee.nu = nus
            r.pointee.drift = nuResiduals.indices.map { nuResiduals[$0] / (e.driftNuSigma * e.driftNuSigma + noise[$0] + 1e-30).squareRoot() }
        }
        return e
    }

    /// `Σ c_j x^j`.
    func poly(_ c: [Double], _ x: Double) -> Double {
        var s = 0.0
        for j in c.indices.reversed() { s = s * x + c[j] }
        return s
    }

    /// Solves `A z = b` by Gaussian elimination with partial pivoting; nil when singular.
    static func solve(_ a: [[Double]], _ b: [Double]) -> [Double]? {
        let n = b.count
        var m = a, y = b
        for col in 0..<n {
            guard let piv = (col..<n).max(by: { abs(m[$0][col]) < abs(m[$1][col]) }), abs(m[piv][col]) > 1e-300 else { return nil }
            m.swapAt(col, piv); y.swapAt(col, piv)
            for r in (col + 1)..<max(n, col + 1) {
                let f = m[r][col] / m[col][col]
                for k in col..<n { m[r][k] -= f * m[col][k] }
                y[r] -= f * y[col]
            }
        }
        var z = [Double](repeating: 0, count: n)
        for r in stride(from: n - 1, through: 0, by: -1) {
            var s = y[r]
            for k in (r + 1)..<max(n, r + 1) { s -= m[r][k] * z[k] }
            z[r] = s / m[r][r]
        }
        return z.allSatisfy(\.isFinite) ? z : nil
    }

    /// The diagonal of `A⁻¹` (NaN when singular).
    static func inverseDiagonal(_ a: [[Double]]) -> [Double] {
        (0..<a.count).map { j in
            var unit = [Double](repeating: 0, count: a.count)
            unit[j] = 1
            return solve(a, unit)?[j] ?? .nan
        }
    }
}
