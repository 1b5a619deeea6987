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

/// Where one crossbar's weights sit: group `j` of weighted layer `pos` (an ungrouped layer is
/// its own group 0). The group's weights are rows `j·outputs ..< (j+1)·outputs` of the layer's
/// `[OC, fanIn]` matrix, so they are contiguous in the parameters, ΔW and the write counters;
/// on the crossbar (`[inputs, outputs]`) weight `(o, i)` is device pair `i·outputs + o`.
struct CrossbarSlice {
    /// Position of the layer in ``ChipTrainingState/weightedLayers``.
    let pos: Int
    /// Index of the group's first weight in the layer's `[OC, fanIn]` state (ΔW, writes).
    let first: Int
    /// Index of that weight in the network's parameters.
    let weights: Int
    /// The group's first column in the layer's `[fanIn, OC]` device layout (pulse factors).
    let column: Int
    /// Output channels of the whole layer (OC).
    let layerOutputs: Int

    /// Group `group` (crossbar `inputs × outputs`) of the layer at `pos`, whose weights start at
    /// parameter `w0`.
    init(pos: Int, weights w0: Int, group: Int, inputs: Int, outputs: Int, layerOutputs: Int) {
        self.pos = pos
        first = group * outputs * inputs
        weights = w0 + first
        column = group * outputs
        self.layerOutputs = layerOutputs
    }
}

extension ChipTrainingState {
    /// Wu et al. 2023: accumulate; write the pair when |ΔW| ≥ threshold · granularity (one
    /// crossbar: a layer, or one group of a grouped layer).
    mutating func applyMixedPrecision(_ s: CrossbarSlice, _ xl: inout CrossbarLayer, update: [Float], parameters: inout [Float]) {
        let (nin, nout) = (xl.inputs, xl.outputs)
        let scale = Double(xl.weightPerMicroSiemens)
        let pair = PairTargets(device: xl.spec.device)
        let gate = Float(config.threshold * xl.spec.device.granularityMicroSiemens * scale)
        let wMax = Float(scale * (xl.spec.device.gMaxMicroSiemens - xl.spec.device.gMinMicroSiemens))
        for o in 0..<nout {
            for i in 0..<nin {
                let idx = o * nin + i, a = s.first + idx, w = s.weights + idx
                accumulators[s.pos][a] += update[w]
                let acc = accumulators[s.pos][a]
                guard abs(acc) >= gate else { continue }
                let target = parameters[w] + acc
                let k = i * nout + o
                let t = pair.targets(plus: xl.targetPlus[k], minus: xl.targetMinus[k], difference: Double(target) / scale)
                let r = xl.program(k, plus: t.plus != xl.targetPlus[k] ? t.plus : nil,
                                   minus: t.minus != xl.targetMinus[k] ? t.minus : nil, rng: &programRNG)
                writes[s.pos][a] += UInt32(r.writes)
                attempts += r.trials
                parameters[w] = min(max(target, -wMax), wMax)
                accumulators[s.pos][a] = 0
            }
        }
    }

    /// Without accumulation: read back, add the update, write every pair to the nearest levels.
    mutating func applyNaive(_ s: CrossbarSlice, _ xl: inout CrossbarLayer, update: [Float], parameters: inout [Float]) {
        let (nin, nout) = (xl.inputs, xl.outputs)
        let device = xl.spec.device
        let scale = Double(xl.weightPerMicroSiemens)
        let pair = PairTargets(device: device)
        let wMax = Float(scale * (device.gMaxMicroSiemens - device.gMinMicroSiemens))
        for o in 0..<nout {
            for i in 0..<nin {
                let idx = o * nin + i, k = i * nout + o, w = s.weights + idx
                let read = device.read(Double(xl.gPlus[k]), rng: &programRNG) - device.read(Double(xl.gMinus[k]), rng: &programRNG)
                let u = update[w]
                let target = Float(scale * read) + u
                let t = pair.targets(plus: xl.targetPlus[k], minus: xl.targetMinus[k], difference: Double(target) / scale)
                var plus: Float? = t.plus != xl.targetPlus[k] ? t.plus : nil
                var minus: Float? = t.minus != xl.targetMinus[k] ? t.minus : nil
                if plus == nil, minus == nil {
                    if u >= 0 { plus = t.plus } else { minus = t.minus }
                }
                let r = xl.program(k, plus: plus, minus: minus, rng: &programRNG)
                writes[s.pos][s.first + idx] += UInt32(r.writes)
                attempts += r.trials
                parameters[w] = min(max(target, -wMax), wMax)
            }
        }
    }
}
