import CIMCore
import CIMCrossbar
import CIMDevice
import Foundation
import Testing

/// The chip samples read noise as one Gaussian per output; these tests compare it with a
/// simulation that reads every device afresh in every bit cycle.
@Suite("Crossbar layer: read noise")
struct ReadNoiseTests {
    /// The same product, device by device and bit cycle by bit cycle (no ADC), in weight units.
    func perDevice(_ xl: CrossbarLayer, _ x: [Float], bits: Int, rng: inout RandomGenerator) -> [Double] {
        let d = xl.spec.device, v = d.readVoltage
        let levels = Double((1 << bits) - 1)
        let s = Double(x.map { abs($0) }.max()!)
        let q = x.map { Int((Double($0) / s * levels).rounded()) }  // inputs ≥ 0 here
        var y = [Double](repeating: 0, count: xl.outputs)
        for k in 0..<bits {
            for o in 0..<xl.outputs {
                var current = 0.0
                for i in 0..<xl.inputs where (q[i] >> k) & 1 == 1 {
                    let idx = i * xl.outputs + o
                    current += v * (d.read(Double(xl.gPlus[idx]), rng: &rng) - d.read(Double(xl.gMinus[idx]), rng: &rng))
                }
                y[o] += Double(1 << k) / levels * current
            }
        }
        return y.map { $0 * s * Double(xl.weightPerMicroSiemens) / v }
    }

    @Test("bit-serial read noise: mean and σ equal a per-device, per-bit-cycle simulation and the formula (3,000 reads)")
    func bitSerialNoise() {
        var spec = ChipPreset.wu2023Inference.spec
        spec.dac = DACConfig(bits: 4, bitSerial: true)
        spec.adc = ADCConfig(bits: 0, fullScaleMicroAmps: 1e30, noiseSigmaMicroAmps: 0)
        var xl = randomLayer(spec, inputs: 30, outputs: 3, scale: 1, seed: 7)
        var rng = RandomGenerator(seed: 8)
        let x = (0..<30).map { _ in rng.nextFloat() }
        let clean = product(&xl, x, rows: 1)
        let n = 3000
        var noise: NormalStream? = NormalStream(seed: 9, stream: "test")
        var sim = RandomGenerator(seed: 10)
        var fast = [[Double]](repeating: [], count: 3), slow = fast
        for _ in 0..<n {
            var y = [Float](repeating: 0, count: 3)
            x.withUnsafeBufferPointer { xp in
                y.withUnsafeMutableBufferPointer { yp in xl.accumulateProduct(input: xp.baseAddress!, rows: 1, into: yp.baseAddress!, noise: &noise) }
            }
            let p = perDevice(xl, x, bits: 4, rng: &sim)
            for o in 0..<3 {
                fast[o].append(Double(y[o] - clean[o]))
                slow[o].append(p[o] - Double(clean[o]))
            }
        }
        // The formula: σ² = 2σ_r²V² Σ_i Σ_k (2^k/L)² b_k(q_i) µA², then × s · scale / V.
        let s = Double(x.max()!)
        let dev = spec.device
        var w = 0.0
        for xi in x {
            let q = Int((Double(xi) / s * 15).rounded())
            for k in 0..<4 where (q >> k) & 1 == 1 { w += pow(Double(1 << k) / 15, 2) }
        }
        let sigma = (2 * w).squareRoot() * dev.readSigmaMicroSiemens * s
        let tol = 5 / (2 * Double(n)).squareRoot()  // 5 standard errors of σ̂
        for o in 0..<3 {
            let sf = std(fast[o]), ss = std(slow[o])
            #expect(abs(sf / sigma - 1) < tol, "output \(o): sampled σ \(sf) vs formula \(sigma)")
            #expect(abs(ss / sigma - 1) < tol, "output \(o): per-device σ \(ss) vs formula \(sigma)")
            #expect(abs(mean(fast[o])) < 5 * sigma / Double(n).squareRoot())
            #expect(abs(mean(slow[o])) < 5 * sigma / Double(n).squareRoot())
        }
    }

    @Test("ADC noise alone has σ = σ_ADC µA at the output (in weight units: σ · s · scale / V)")
    func adcNoise() {
        var spec = ChipPreset.ideal.spec
        spec.adc = ADCConfig(bits: 0, fullScaleMicroAmps: 1e30, noiseSigmaMicroAmps: 0.5)
        var xl = randomLayer(spec, inputs: 10, outputs: 4, scale: 1, seed: 11)
        let x = [Float](repeating: 0.5, count: 10)
        let clean = product(&xl, x, rows: 1)
        var noise: NormalStream? = NormalStream(seed: 12, stream: "adc")
        var e: [Double] = []
        for _ in 0..<4000 {
            var y = [Float](repeating: 0, count: 4)
            x.withUnsafeBufferPointer { xp in
                y.withUnsafeMutableBufferPointer { yp in xl.accumulateProduct(input: xp.baseAddress!, rows: 1, into: yp.baseAddress!, noise: &noise) }
            }
            for o in 0..<4 { e.append(Double(y[o] - clean[o])) }
        }
        let expected = 0.5 * 0.5 / 0.1  // σ_ADC · s (abs-max 0.5) · scale / V
        #expect(abs(std(e) / expected - 1) < 5 / (2 * 16000.0).squareRoot(), "σ \(std(e)) vs \(expected)")
    }

    @Test("the negative phase (and its ADC noise) applies only to rows with negative inputs, whatever the batch holds")
    func negativePhasePerRow() {
        var spec = ChipPreset.ideal.spec
        spec.adc = ADCConfig(bits: 0, fullScaleMicroAmps: 1e30, noiseSigmaMicroAmps: 0.5)
        var xl = randomLayer(spec, inputs: 10, outputs: 4, scale: 1, seed: 13)
        var x = [Float](repeating: 0.5, count: 20)   // row 0 non-negative, row 1 signed
        x[15] = -0.5
        let clean = product(&xl, x, rows: 2)
        var noise: NormalStream? = NormalStream(seed: 14, stream: "phases")
        var e0: [Double] = [], e1: [Double] = []
        for _ in 0..<4000 {
            var y = [Float](repeating: 0, count: 8)
            x.withUnsafeBufferPointer { xp in
                y.withUnsafeMutableBufferPointer { yp in xl.accumulateProduct(input: xp.baseAddress!, rows: 2, into: yp.baseAddress!, noise: &noise) }
            }
            for o in 0..<4 { e0.append(Double(y[o] - clean[o])); e1.append(Double(y[4 + o] - clean[4 + o])) }
        }
        let one = 0.5 * 0.5 / 0.1  // σ_ADC · abs-max · scale / V
        let tol = 5 / (2 * 16000.0).squareRoot()
        #expect(abs(std(e0) / one - 1) < tol, "row 0: one conversion, σ \(std(e0)) vs \(one)")
        #expect(abs(std(e1) / (one * 2.0.squareRoot()) - 1) < tol, "row 1: two conversions, σ \(std(e1)) vs \(one * 2.0.squareRoot())")
    }

    func mean(_ a: [Double]) -> Double { a.reduce(0, +) / Double(a.count) }
    func std(_ a: [Double]) -> Double {
        let m = mean(a)
        return (a.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(a.count - 1)).squareRoot()
    }
}
