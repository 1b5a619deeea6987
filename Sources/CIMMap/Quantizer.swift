import CIMCrossbar
import CIMDevice

/// A layer's weights as device-pair targets.
public struct QuantizedLayer: Sendable {
    /// Rows (layer inputs) and columns (outputs).
    public let rows: Int, columns: Int
    /// Weight units per µS (with column scales: the largest of them; sliced: of the least
    /// significant slice).
    public let weightPerMicroSiemens: Double
    /// Weight units per µS of each column (`--calibrate`), or `nil` for one scale per layer.
    public var columnScales: [Double]? = nil
    /// Device pairs per weight (``BitSlicing``).
    public var slicing: BitSlicing = .single
    /// Device-pair columns: columns · slices (slice s of column c is column c·slices + s).
    public var pairColumns: Int { columns * slicing.count }
    /// Target conductances, µS, `[rows, pairColumns]`.
    public var targetPlus: [Float], targetMinus: [Float]
    /// Level indices (empty for a continuous device).
    public var levelPlus: [UInt8], levelMinus: [UInt8]
    /// RMS(w_q − w)/RMS(w), max |w_q − w|, fraction beyond range, histogram of l⁺ − l⁻ (over
    /// every slice's pair).
    public var relativeRMS: Double, maxAbsError: Double, clippedFraction: Double
    public var levelHistogram: [Int]

    /// The weight the targets hold, at `[row, column]` (sliced: the slices' differences combined
    /// by ``BitSlicing/combine(_:)``).
    public func weight(_ r: Int, _ c: Int) -> Float {
        let n = slicing.count, k = r * pairColumns + c * n
        let d = (0..<n).map { targetPlus[k + $0] - targetMinus[k + $0] }
        return Float(columnScales?[c] ?? weightPerMicroSiemens) * d.withUnsafeBufferPointer { slicing.combine($0.baseAddress!) }
    }
}

/// Quantises weights to a device's levels as differential pairs.
///
/// One scale per layer: `weightPerMicroSiemens = max|w| / (gMax − gMin)`, so the largest weight
/// uses the whole window and nothing clips. A weight w becomes the difference
/// `d = w / scale` µS, rounded to whole levels `k = round(d/Δ)` (devices with levels), and the
/// pair `G⁺ = gMin + max(k, 0)·Δ`, `G⁻ = gMin + max(−k, 0)·Δ` (one device stays at gMin).
///
/// With a clipping rule (`cim export --calibrate`), one scale per column instead:
/// `scale_c = a_c / (gMax − gMin)` with `a_c` the column's largest |w|, a percentile of its |w|
/// or k·σ of its weights (at most its largest |w|); weights beyond `a_c` clip to the extreme
/// level difference and are counted in ``QuantizedLayer/clippedFraction``.
///
/// With N slices (``BitSlicing``, devices of L levels) the range is `R = Σ_s L^s` times one
/// pair's: `scale = max|w| / (R·(gMax − gMin))` (per column likewise), `k = round(d/Δ)` clips to
/// `±(L^N − 1)`, and slice s holds the s-th base-L digit of |k| on G⁺ or G⁻.
public enum Quantizer {
    /// - Parameters:
    ///   - weights: `[columns, rows]` (the network's `[out, in]` layout).
    ///   - clip: per-column scales with this clipping rule; `nil` = one scale per layer (max |w|).
    public static func quantize(weights: [Float], rows: Int, columns: Int, device: DeviceModel,
                                clip: CalibrationConfig.WeightClip? = nil, slicing: BitSlicing = .single) -> QuantizedLayer {
        precondition(weights.count == rows * columns, "Quantizer: \(weights.count) weights for \(rows)×\(columns)")
        if slicing.count > 1 { return quantizeSliced(weights: weights, rows: rows, columns: columns, device: device, clip: clip, slicing: slicing) }
        let lo = device.gMinMicroSiemens, width = device.gMaxMicroSiemens - lo
        let maxAbs = Double(weights.map { abs($0) }.max() ?? 0)
        let layerScale = maxAbs > 0 ? maxAbs / width : 1 / width
        let columnScales = clip.map { rule in
            (0..<columns).map { c -> Double in
                let a = clipValue(weights[(c * rows)..<((c + 1) * rows)], rule: rule)
                return a > 0 ? a / width : layerScale
            }
        }
        let leveled = device.levels >= 2
        let top = leveled ? device.levels - 1 : 0
        let n = rows * columns
        var tp = [Float](repeating: Float(lo), count: n), tm = tp
        var lp = [UInt8](repeating: 0, count: leveled ? n : 0), lm = lp
        var hist = [Int](repeating: 0, count: leveled ? 2 * top + 1 : 0)
        var err2 = 0.0, w2 = 0.0, maxErr = 0.0, clipped = 0
        for c in 0..<columns {
            let scale = columnScales?[c] ?? layerScale
            for r in 0..<rows {
                let w = Double(weights[c * rows + r])
                let (plus, minus, k, beyond) = device.pair(holding: w / scale)
                if beyond { clipped += 1 }
                if leveled {
                    lp[r * columns + c] = UInt8(max(k, 0))
                    lm[r * columns + c] = UInt8(max(-k, 0))
                    hist[k + top] += 1
                }
                tp[r * columns + c] = Float(plus)
                tm[r * columns + c] = Float(minus)
                let wq = scale * (Double(Float(plus)) - Double(Float(minus)))
                err2 += (wq - w) * (wq - w)
                w2 += w * w
                maxErr = max(maxErr, abs(wq - w))
            }
        }
        return QuantizedLayer(rows: rows, columns: columns, weightPerMicroSiemens: columnScales?.max() ?? layerScale,
                              columnScales: columnScales, targetPlus: tp, targetMinus: tm,
                              levelPlus: lp, levelMinus: lm, relativeRMS: w2 > 0 ? (err2 / w2).squareRoot() : 0,
                              maxAbsError: maxErr, clippedFraction: Double(clipped) / Double(max(n, 1)), levelHistogram: hist)
    }

    /// ``quantize(weights:rows:columns:device:clip:slicing:)`` with N > 1 slices (a device with levels).
    static func quantizeSliced(weights: [Float], rows: Int, columns: Int, device: DeviceModel,
                               clip: CalibrationConfig.WeightClip?, slicing: BitSlicing) -> QuantizedLayer {
        let lo = device.gMinMicroSiemens
        let span = (device.gMaxMicroSiemens - lo) * Double(slicing.significanceSum)
        let maxAbs = Double(weights.map { abs($0) }.max() ?? 0)
        let layerScale = maxAbs > 0 ? maxAbs / span : 1 / span
        let columnScales = clip.map { rule in
            (0..<columns).map { c -> Double in
                let a = clipValue(weights[(c * rows)..<((c + 1) * rows)], rule: rule)
                return a > 0 ? a / span : layerScale
            }
        }
        let top = device.levels - 1, kMax = slicing.maxMagnitude(levels: device.levels)
        let delta = device.levelSpacingMicroSiemens, ns = slicing.count, sig = slicing.significance
        let pc = columns * ns, n = rows * pc
        var tp = [Float](repeating: Float(lo), count: n), tm = tp
        var lp = [UInt8](repeating: 0, count: n), lm = lp
        var hist = [Int](repeating: 0, count: 2 * top + 1)
        var err2 = 0.0, w2 = 0.0, maxErr = 0.0, clipped = 0
        for c in 0..<columns {
            let scale = columnScales?[c] ?? layerScale
            for r in 0..<rows {
                let w = Double(weights[c * rows + r])
                let raw = (w / scale / delta).rounded()
                if abs(raw) > Double(kMax) { clipped += 1 }
                let k = Int(min(max(raw, -Double(kMax)), Double(kMax)))
                var wq = 0.0
                for (s, digit) in slicing.digits(k).enumerated() {
                    let i = r * pc + c * ns + s
                    let plus = lo + Double(k > 0 ? digit : 0) * delta, minus = lo + Double(k < 0 ? digit : 0) * delta
                    tp[i] = Float(plus); tm[i] = Float(minus)
                    lp[i] = UInt8(k > 0 ? digit : 0); lm[i] = UInt8(k < 0 ? digit : 0)
                    hist[(k < 0 ? -digit : digit) + top] += 1
                    wq += Double(sig[s]) * (Double(tp[i]) - Double(tm[i]))
                }
                wq *= scale
                err2 += (wq - w) * (wq - w)
                w2 += w * w
                maxErr = max(maxErr, abs(wq - w))
            }
        }
        return QuantizedLayer(rows: rows, columns: columns, weightPerMicroSiemens: columnScales?.max() ?? layerScale,
                              columnScales: columnScales, slicing: slicing, targetPlus: tp, targetMinus: tm,
                              levelPlus: lp, levelMinus: lm, relativeRMS: w2 > 0 ? (err2 / w2).squareRoot() : 0,
                              maxAbsError: maxErr, clippedFraction: Double(rows * columns) > 0 ? Double(clipped) / Double(rows * columns) : 0,
                              levelHistogram: hist)
    }

    /// The |w| a column's extreme level difference stands for, under `rule`.
    static func clipValue(_ w: ArraySlice<Float>, rule: CalibrationConfig.WeightClip) -> Double {
        let mags = w.map { Double(abs($0)) }
        let largest = mags.max() ?? 0
        switch rule {
        case .max:
            return largest
        case .percentile(let p):  // nearest rank
            let sorted = mags.sorted()
            let rank = Int((p / 100 * Double(sorted.count)).rounded(.up))
            return sorted.isEmpty ? 0 : sorted[min(max(rank, 1), sorted.count) - 1]
        case .sigma(let k):
            let n = Double(w.count), mean = w.reduce(0.0) { $0 + Double($1) } / n
            let sd = (w.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / n).squareRoot()
            return min(k * sd, largest)
        }
    }
}
