import CIMCore
import CIMCrossbar
import CIMDevice

/// The device-pair arithmetic shared by the write-and-verify rules.
struct PairTargets {
    let device: DeviceModel

    /// New targets (µS) for a pair at targets `(plus, minus)` that should hold the difference
    /// `d` µS: `d` is rounded to whole levels (devices with levels) and clipped to the window
    /// width; one device moves when that suffices, preferring the move that *lowers* a
    /// conductance (so pairs drift toward one device at gMin); both move otherwise.
    func targets(plus: Float, minus: Float, difference d: Double) -> (plus: Float, minus: Float) {
        let lo = device.gMinMicroSiemens, hi = device.gMaxMicroSiemens
        if device.levels >= 2 {
            let top = device.levels - 1
            let lp = device.nearestLevel(to: Double(plus)), lm = device.nearestLevel(to: Double(minus))
            let k = min(max(Int((d / device.levelSpacingMicroSiemens).rounded()), -top), top)
            let cur = lp - lm
            if k == cur { return (plus, minus) }
            var np = lp, nm = lm
            if k > cur {
                if lp - k >= 0 { nm = lp - k } else if lm + k <= top { np = lm + k } else { np = max(k, 0); nm = max(-k, 0) }
            } else {
                if lm + k >= 0 { np = lm + k } else if lp - k <= top { nm = lp - k } else { np = max(k, 0); nm = max(-k, 0) }
            }
            return (Float(device.conductance(level: np)), Float(device.conductance(level: nm)))
        }
        let width = hi - lo
        let dq = min(max(d, -width), width)
        let p = Double(plus), m = Double(minus), cur = p - m
        if dq == cur { return (plus, minus) }
        if dq > cur {
            if p - dq >= lo { return (plus, Float(p - dq)) }
            if m + dq <= hi { return (Float(m + dq), minus) }
        } else {
            if m + dq >= lo { return (Float(m + dq), minus) }
            if p - dq <= hi { return (plus, Float(p - dq)) }
        }
        return (Float(lo + max(dq, 0)), Float(lo + max(-dq, 0)))
    }
}

extension ChipTrainingState {
    /// Wu et al. 2023: accumulate; write the pair when |ΔW| ≥ threshold · granularity.
    mutating func applyMixedPrecision(_ pos: Int, _ layer: Int, update: [Float], parameters: inout [Float], at w0: Int) {
        var xl = engine.layers[layer]!
        engine.layers[layer] = nil  // keep the crossbar uniquely referenced while writing
        defer { engine.layers[layer] = xl }
        let (nin, nout) = (xl.inputs, xl.outputs)
        let scale = Double(xl.weightPerMicroSiemens)
        let pair = PairTargets(device: xl.spec.device)
        let gate = Float(config.threshold * xl.spec.device.granularityMicroSiemens * scale)
        let wMax = Float(scale * (xl.spec.device.gMaxMicroSiemens - xl.spec.device.gMinMicroSiemens))
        for o in 0..<nout {
            for i in 0..<nin {
                let idx = o * nin + i
                accumulators[pos][idx] += update[w0 + idx]
                let acc = accumulators[pos][idx]
                guard abs(acc) >= gate else { continue }
                let target = parameters[w0 + idx] + acc
                let k = i * nout + o
                let t = pair.targets(plus: xl.targetPlus[k], minus: xl.targetMinus[k], difference: Double(target) / scale)
                let r = xl.program(k, plus: t.plus != xl.targetPlus[k] ? t.plus : nil,
                                   minus: t.minus != xl.targetMinus[k] ? t.minus : nil, rng: &programRNG)
                writes[pos][idx] += UInt32(r.writes)
                attempts += r.trials
                parameters[w0 + idx] = min(max(target, -wMax), wMax)
                accumulators[pos][idx] = 0
            }
        }
    }

    /// Without accumulation: read back, add the update, write every pair to the nearest levels.
    mutating func applyNaive(_ pos: Int, _ layer: Int, update: [Float], parameters: inout [Float], at w0: Int) {
        var xl = engine.layers[layer]!
        engine.layers[layer] = nil
        defer { engine.layers[layer] = xl }
        let (nin, nout) = (xl.inputs, xl.outputs)
        let device = xl.spec.device
        let scale = Double(xl.weightPerMicroSiemens)
        let pair = PairTargets(device: device)
        let wMax = Float(scale * (device.gMaxMicroSiemens - device.gMinMicroSiemens))
        for o in 0..<nout {
            for i in 0..<nin {
                let idx = o * nin + i, k = i * nout + o
                let read = device.read(Double(xl.gPlus[k]), rng: &programRNG) - device.read(Double(xl.gMinus[k]), rng: &programRNG)
                let u = update[w0 + idx]
                let target = Float(scale * read) + u
                let t = pair.targets(plus: xl.targetPlus[k], minus: xl.targetMinus[k], difference: Double(target) / scale)
                var plus: Float? = t.plus != xl.targetPlus[k] ? t.plus : nil
                var minus: Float? = t.minus != xl.targetMinus[k] ? t.minus : nil
                if plus == nil, minus == nil {
                    if u >= 0 { plus = t.plus } else { minus = t.minus }
                }
                let r = xl.program(k, plus: plus, minus: minus, rng: &programRNG)
                writes[pos][idx] += UInt32(r.writes)
                attempts += r.trials
                parameters[w0 + idx] = min(max(target, -wMax), wMax)
            }
        }
    }
}
