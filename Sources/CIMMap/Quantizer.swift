import CIMDevice

/// A layer's weights as device-pair targets.
public struct QuantizedLayer: Sendable {
    /// Rows (layer inputs) and columns (outputs).
    public let rows: Int, columns: Int
    /// Weight units per µS.
    public let weightPerMicroSiemens: Double
    /// Target conductances, µS, `[rows, columns]`.
    public var targetPlus: [Float], targetMinus: [Float]
    /// Level indices (empty for a continuous device).
    public var levelPlus: [UInt8], levelMinus: [UInt8]
    /// RMS(w_q − w)/RMS(w), max |w_q − w|, fraction beyond range, histogram of l⁺ − l⁻.
    public var relativeRMS: Double, maxAbsError: Double, clippedFraction: Double
    public var levelHistogram: [Int]

    /// The weight the targets hold, at `[row, column]`.
    public func weight(_ r: Int, _ c: Int) -> Float {
        Float(weightPerMicroSiemens) * (targetPlus[r * columns + c] - targetMinus[r * columns + c])
    }
}

/// Quantises weights to a device's levels as differential pairs.
///
/// One scale per layer: `weightPerMicroSiemens = max|w| / (gMax − gMin)`, so the largest weight
/// uses the whole window and nothing clips. A weight w becomes the difference
/// `d = w / scale` µS, rounded to whole levels `k = round(d/Δ)` (devices with levels), and the
/// pair `G⁺ = gMin + max(k, 0)·Δ`, `G⁻ = gMin + max(−k, 0)·Δ` (one device stays at gMin).
public enum Quantizer {
    /// - Parameter weights: `[columns, rows]` (the network's `[out, in]` layout).
    public static func quantize(weights: [Float], rows: Int, columns: Int, device: DeviceModel) -> QuantizedLayer {
        precondition(weights.count == rows * columns, "Quantizer: \(weights.count) weights for \(rows)×\(columns)")
        let lo = device.gMinMicroSiemens, width = device.gMaxMicroSiemens - lo
        let maxAbs = Double(weights.map { abs($0) }.max() ?? 0)
        let scale = maxAbs > 0 ? maxAbs / width : 1 / width
        let leveled = device.levels >= 2
        let top = leveled ? device.levels - 1 : 0
        let delta = device.levelSpacingMicroSiemens
        let n = rows * columns
        var tp = [Float](repeating: Float(lo), count: n), tm = tp
        var lp = [UInt8](repeating: 0, count: leveled ? n : 0), lm = lp
        var hist = [Int](repeating: 0, count: leveled ? 2 * top + 1 : 0)
        var err2 = 0.0, w2 = 0.0, maxErr = 0.0, clipped = 0
        for c in 0..<columns {
            for r in 0..<rows {
                let w = Double(weights[c * rows + r])
                let d = w / scale
                var plus = lo, minus = lo
                if leveled {
                    let raw = (d / delta).rounded()
                    if abs(raw) > Double(top) { clipped += 1 }
                    let k = Int(min(max(raw, -Double(top)), Double(top)))
                    plus = lo + Double(max(k, 0)) * delta
                    minus = lo + Double(max(-k, 0)) * delta
                    lp[r * columns + c] = UInt8(max(k, 0))
                    lm[r * columns + c] = UInt8(max(-k, 0))
                    hist[k + top] += 1
                } else {
                    if abs(d) > width { clipped += 1 }
                    let dq = min(max(d, -width), width)
                    plus = lo + max(dq, 0)
                    minus = lo + max(-dq, 0)
                }
                tp[r * columns + c] = Float(plus)
                tm[r * columns + c] = Float(minus)
                let wq = scale * (Double(Float(plus)) - Double(Float(minus)))
                err2 += (wq - w) * (wq - w)
                w2 += w * w
                maxErr = max(maxErr, abs(wq - w))
            }
        }
        return QuantizedLayer(rows: rows, columns: columns, weightPerMicroSiemens: scale, targetPlus: tp, targetMinus: tm,
                              levelPlus: lp, levelMinus: lm, relativeRMS: w2 > 0 ? (err2 / w2).squareRoot() : 0,
                              maxAbsError: maxErr, clippedFraction: Double(clipped) / Double(max(n, 1)), levelHistogram: hist)
    }
}
