import CIMCore
import CIMCrossbar
import CIMDevice

extension ChipTrainingState {
    /// Nandakumar et al. 2020: `n = trunc(ΔW/ε)` (ε = ``PulseDeviceModel/averageStepMicroSiemens``
    /// in weight units × threshold) blind SET pulses on G⁺ (n > 0) or G⁻ (n < 0),
    /// remainder kept in ΔW; W_FP follows the devices' noiseless state; a pair that reaches the
    /// device's refresh level is refreshed (two RESETs and verified pulses, counted as 2 writes).
    mutating func applyPulses(_ pos: Int, _ layer: Int, update: [Float], parameters: inout [Float], at w0: Int) {
        guard let device = config.pulseDevice() else { preconditionFailure("pulse rule without a pulse device") }
        var xl = engine.layers[layer]!
        engine.layers[layer] = nil
        defer { engine.layers[layer] = xl }
        let (nin, nout) = (xl.inputs, xl.outputs)
        let scale = xl.weightPerMicroSiemens
        let epsilon = Float(config.threshold * device.averageStepMicroSiemens) * scale
        for o in 0..<nout {
            for i in 0..<nin {
                let idx = o * nin + i
                accumulators[pos][idx] += update[w0 + idx]
                let n = Int(accumulators[pos][idx] / epsilon)
                guard n != 0 else { continue }
                let k = i * nout + o
                var gp = xl.gPlus[k], gm = xl.gMinus[k]
                if n > 0 {
                    gp = device.applyPulses(n, to: gp, factor: factorsPlus[pos][k], rng: &programRNG)
                } else {
                    gm = device.applyPulses(-n, to: gm, factor: factorsMinus[pos][k], rng: &programRNG)
                }
                accumulators[pos][idx] -= Float(n) * epsilon
                writes[pos][idx] += 1
                pulses += abs(n)
                if device.needsRefresh(gPlus: gp, gMinus: gm) {
                    let r = device.refresh(gPlus: gp, gMinus: gm, factorPlus: factorsPlus[pos][k],
                                           factorMinus: factorsMinus[pos][k], rng: &programRNG)
                    gp = r.gPlus; gm = r.gMinus
                    writes[pos][idx] += 2
                    pulses += r.pulses
                }
                xl.setConductances(k, plus: gp, minus: gm)
                parameters[w0 + idx] = scale * (gp - gm)
            }
        }
    }
}
