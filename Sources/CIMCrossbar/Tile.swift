import CIMCore
import CIMDevice

/// One crossbar array holding a block of signed weights as differential device pairs.
///
/// Weight `w[o, i]` (output o, input i) sits on row i in the column pair (2o, 2o+1): `G⁺` on the
/// even column, `G⁻` on the odd one. Driving row i with `V_read · x_i` (x in [0, 1]) gives
/// column currents `I_j = Σ_i V x_i G_ij` (µS · V = µA), and the differential output
/// `y_o = I_2o − I_2o+1 = V Σ_i x_i (G⁺_io − G⁻_io)`.
///
/// **Read noise as output noise.** If every device read adds an independent `N(0, σ_r)` µS,
/// the noise of `y_o` is `V Σ_i x_i (n⁺_io − n⁻_io)`, a sum of independent Gaussians with
/// variance `V² · 2σ_r² · Σ_i x_i²`. So it is exactly `N(0, √2 · σ_r · V · ‖x‖₂)` per output,
/// independent across outputs (different devices) and across reads. The VMM samples that one
/// Gaussian per output instead of one per device (tested against a per-device simulation).
public struct Tile: Sendable {
    /// Rows used (inputs) and weight columns (outputs; 2 devices each).
    public let inputs: Int, outputs: Int
    /// Programmed conductances, µS, `[inputs, outputs]` row-major.
    public let gPlus: [Float], gMinus: [Float]
    /// `G⁺ − G⁻`, µS, the matrix the noiseless product uses.
    private let gDiff: [Float]
    /// The device whose read noise applies.
    public let device: DeviceModel

    /// A tile programmed with the given conductances (µS).
    public init(inputs: Int, outputs: Int, gPlus: [Float], gMinus: [Float], device: DeviceModel) {
        precondition(gPlus.count == inputs * outputs && gMinus.count == inputs * outputs, "Tile: conductance count mismatch")
        self.inputs = inputs
        self.outputs = outputs
        self.gPlus = gPlus
        self.gMinus = gMinus
        self.gDiff = zip(gPlus, gMinus).map { $0 - $1 }
        self.device = device
    }

    /// Differential outputs in µA for a batch of inputs.
    ///
    /// - Parameters:
    ///   - x: `[batch, inputs]` input activations in [0, 1] (scaled by the read voltage).
    ///   - rng: source of read noise; `nil` = a noiseless read.
    /// - Returns: `[batch, outputs]` currents `I⁺ − I⁻`, µA.
    public func multiply(_ x: [Float], batch: Int, rng: inout RandomGenerator?) -> [Float] {
        precondition(x.count == batch * inputs, "Tile.multiply: input size mismatch")
        var y = [Float](repeating: 0, count: batch * outputs)
        let v = Float(device.readVoltage)
        x.withUnsafeBufferPointer { xp in
            gDiff.withUnsafeBufferPointer { dp in
                y.withUnsafeMutableBufferPointer { yp in
                    BLAS.sgemm(m: batch, n: outputs, k: inputs, alpha: v, a: xp.baseAddress!, lda: inputs,
                               b: dp.baseAddress!, ldb: outputs, c: yp.baseAddress!, ldc: outputs)
                }
            }
        }
        if rng != nil, device.readSigmaMicroSiemens > 0 {
            let scale = 2.0.squareRoot() * device.readSigmaMicroSiemens * device.readVoltage
            for b in 0..<batch {
                var norm2 = 0.0
                for i in 0..<inputs { norm2 += Double(x[b * inputs + i]) * Double(x[b * inputs + i]) }
                let sigma = scale * norm2.squareRoot()
                for o in 0..<outputs { y[b * outputs + o] += Float(sigma * rng!.nextNormal()) }
            }
        }
        return y
    }

    /// The same product simulated device by device: every device read draws its own noise.
    /// Slow; the reference for testing ``multiply(_:batch:rng:)``.
    public func multiplyPerDevice(_ x: [Float], batch: Int, rng: inout RandomGenerator) -> [Float] {
        var y = [Float](repeating: 0, count: batch * outputs)
        let v = device.readVoltage
        for b in 0..<batch {
            for o in 0..<outputs {
                var s = 0.0
                for i in 0..<inputs {
                    let gp = device.read(Double(gPlus[i * outputs + o]), rng: &rng)
                    let gm = device.read(Double(gMinus[i * outputs + o]), rng: &rng)
                    s += v * Double(x[b * inputs + i]) * (gp - gm)
                }
                y[b * outputs + o] = Float(s)
            }
        }
        return y
    }
}
