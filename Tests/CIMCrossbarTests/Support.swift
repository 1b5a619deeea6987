import CIMCore
import CIMCrossbar
import CIMDevice

/// A layer with random conductances (µS) drawn uniformly in the device window, quantised to
/// its levels.
func randomLayer(_ spec: ChipSpec, inputs: Int, outputs: Int, scale: Float = 0.01, seed: UInt64) -> CrossbarLayer {
    var xl = CrossbarLayer(inputs: inputs, outputs: outputs, spec: spec, weightPerMicroSiemens: scale)
    var rng = RandomGenerator(seed: seed)
    let d = spec.device
    for k in 0..<(inputs * outputs) {
        let p = d.quantize(d.gMinMicroSiemens + rng.nextDouble() * (d.gMaxMicroSiemens - d.gMinMicroSiemens))
        let m = d.quantize(d.gMinMicroSiemens + rng.nextDouble() * (d.gMaxMicroSiemens - d.gMinMicroSiemens))
        xl.setConductances(k, plus: Float(p), minus: Float(m))
    }
    return xl
}

/// `y[r, o] = Σ_i x[r, i] w[o, i]` in Double.
func matmulT(_ x: [Float], rows: Int, _ w: [Float], inputs: Int, outputs: Int) -> [Double] {
    var y = [Double](repeating: 0, count: rows * outputs)
    for r in 0..<rows {
        for o in 0..<outputs {
            var s = 0.0
            for i in 0..<inputs { s += Double(x[r * inputs + i]) * Double(w[o * inputs + i]) }
            y[r * outputs + o] = s
        }
    }
    return y
}

/// One product through the layer (output starts at 0); noiseless unless `noise` is given.
func product(_ xl: inout CrossbarLayer, _ x: [Float], rows: Int, noise: NormalStream? = nil) -> [Float] {
    var y = [Float](repeating: 0, count: rows * xl.outputs)
    var n = noise
    x.withUnsafeBufferPointer { xp in
        y.withUnsafeMutableBufferPointer { yp in xl.accumulateProduct(input: xp.baseAddress!, rows: rows, into: yp.baseAddress!, noise: &n) }
    }
    return y
}
