import CIMCore
import CIMCrossbar
import CIMDevice

extension ChipTrainingState {
    /// Nandakumar et al. 2020: `n = trunc(ΔW/ε)` (ε = ``PulseDeviceModel/averageStepMicroSiemens``
    /// in weight units × threshold) blind SET pulses on G⁺ (n > 0) or G⁻ (n < 0),
    /// remainder kept in ΔW; W_FP follows the devices' noiseless state; a pair that reaches the
    /// device's refresh level is refreshed (two RESETs and verified pulses, counted as 2 writes).
    /// One crossbar: a layer, or one group of a grouped layer.
    mutating func applyPulses(_ s: CrossbarSlice, _ xl: inout CrossbarLayer, update: [Float], parameters: inout [Float]) {
        guard let device = config.pulseDevice() else { preconditionFailure("pulse rule without a pulse device") }
        let pos = s.pos
        let (nin, nout) = (xl.inputs, xl.outputs)
        let scale = xl.weightPerMicroSiemens
        let epsilon = Float(config.threshold * device.averageStepMicroSiemens) * scale
        for o in 0..<nout {
            for i in 0..<nin {
                let idx = s.first + o * nin + i, w = s.weights + o * nin + i
                accumulators[pos][idx] += update[w]
                let n = Int(accumulators[pos][idx] / epsilon)
                guard n != 0 else { continue }
                let k = i * nout + o, f = i * s.layerOutputs + s.column + o  // crossbar pair, device factor
                var gp = xl.gPlus[k], gm = xl.gMinus[k]
                if n > 0 {
                    gp = device.applyPulses(n, to: gp, factor: factorsPlus[pos][f], rng: &programRNG)
                } else {
                    gm = device.applyPulses(-n, to: gm, factor: factorsMinus[pos][f], rng: &programRNG)
                }
                accumulators[pos][idx] -= Float(n) * epsilon
                writes[pos][idx] += 1
                pulses += abs(n)
                if device.needsRefresh(gPlus: gp, gMinus: gm) {
                    let r = device.refresh(gPlus: gp, gMinus: gm, factorPlus: factorsPlus[pos][f],
                                           factorMinus: factorsMinus[pos][f], rng: &programRNG)
                    gp = r.gPlus; gm = r.gMinus
                    writes[pos][idx] += 2
                    pulses += r.pulses
                }
                xl.setConductances(k, plus: gp, minus: gm)
                parameters[w] = scale * (gp - gm)
            }
        }
    }
}
