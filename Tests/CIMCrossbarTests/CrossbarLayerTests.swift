import CIMCore
import CIMCrossbar
import CIMDevice
import Testing

@Suite("Crossbar layer: oracle products")
struct CrossbarLayerTests {
    @Test("ideal device and periphery: the chip's product equals the float matmul, across 3×3 tiles and signed inputs")
    func idealOracle() {
        let spec = ChipPreset.ideal.spec
        var xl = randomLayer(spec, inputs: 150, outputs: 70, seed: 1)
        #expect(xl.rowBlocks == 3 && xl.columnBlocks == 3 && xl.tileCount == 9)
        var rng = RandomGenerator(seed: 2)
        let rows = 7
        let x = (0..<(rows * 150)).map { _ in rng.uniform(-1, 1) }
        var none: RandomGenerator? = nil
        let w = xl.readWeights(rng: &none)
        let expected = matmulT(x, rows: rows, w, inputs: 150, outputs: 70)
        let y = product(&xl, x, rows: rows)
        let worst = zip(y, expected).map { abs(Double($0) - $1) }.max()!
        let size = expected.map { abs($0) }.max()!
        #expect(worst < 1e-5 * size, "max error \(worst) on outputs up to \(size)")
    }

    @Test("8-bit DAC: equals the matmul of abs-max-scaled inputs rounded to 255 steps (ADC ideal)")
    func dacQuantisation() {
        var spec = ChipPreset.ideal.spec
        spec.dac = DACConfig(bits: 8, bitSerial: true)
        var xl = randomLayer(spec, inputs: 40, outputs: 5, seed: 3)
        var rng = RandomGenerator(seed: 4)
        let rows = 4
        let x = (0..<(rows * 40)).map { _ in rng.uniform(-2, 3) }
        var xq = x
        for r in 0..<rows {
            let s = x[(r * 40)..<((r + 1) * 40)].map { abs($0) }.max()!
            for i in 0..<40 { xq[r * 40 + i] = s * (x[r * 40 + i] / s * 255).rounded() / 255 }
        }
        var none: RandomGenerator? = nil
        let w = xl.readWeights(rng: &none)
        let expected = matmulT(xq, rows: rows, w, inputs: 40, outputs: 5)
        let unquantised = matmulT(x, rows: rows, w, inputs: 40, outputs: 5)
        let y = product(&xl, x, rows: rows)
        for i in y.indices {
            let e = expected[i], got = Double(y[i])
            #expect(abs(got - e) < 1e-4 * max(1, abs(e)), "\(i): \(got) vs \(e)")
        }
        let differs = zip(expected, unquantised).contains { abs($0 - $1) > 1e-3 }
        #expect(differs, "the test inputs must exercise the rounding")
    }

    @Test("ADC: each tile's partial sum is rounded to codes k·FS/(2^(b−1) − 1) and clipped at ±FS µA (hand example)")
    func adcByHand() {
        var spec = ChipPreset.ideal.spec
        spec.tileRows = 2
        spec.adc = ADCConfig(bits: 3, fullScaleMicroAmps: 1.2, noiseSigmaMicroAmps: 0)  // codes −3…3 × 0.4 µA
        // 4 inputs over 2 row blocks, 1 output; V = 0.1 V; 1 weight unit per µS.
        var xl = CrossbarLayer(inputs: 4, outputs: 1, spec: spec, weightPerMicroSiemens: 1)
        xl.setConductances(0, plus: 6, minus: 0)
        xl.setConductances(1, plus: 0, minus: 2)
        xl.setConductances(2, plus: 30, minus: 0)
        xl.setConductances(3, plus: 0, minus: 0)
        let x: [Float] = [1, 0.5, 1, 1]  // abs-max 1: no input scaling
        // tile 1: 0.1 V · (6 − 0.5·2) µS = 0.5 µA → 1.25 steps → 1 step = 0.4 µA;
        // tile 2: 0.1 V · 30 µS = 3 µA → clipped to 1.2 µA. Sum 1.6 µA → ÷ V = 16 weight units.
        let y = product(&xl, x, rows: 1)
        #expect(abs(y[0] - 16) < 1e-4, "\(y[0]) vs 16")
        #expect(abs(spec.adc.stepMicroAmps - 0.4) < 1e-12)
    }

    @Test("programming: initial targets are levels in the initial window; stuck devices ignore writes")
    func programmingAndStuck() {
        var spec = ChipPreset.wu2023SoC.spec
        spec.device.stuckRate = 0.2
        spec.device.stuckHighFraction = 0.5
        var xl = CrossbarLayer(inputs: 50, outputs: 40, spec: spec, weightPerMicroSiemens: 0.01)
        var rng = RandomGenerator(seed: 5)
        xl.initialize(rng: &rng)
        let d = spec.device
        let stuck = xl.stuckPlus.filter { $0 != 0 }.count
        #expect(abs(Double(stuck) / 2000 - 0.2) < 0.05, "stuck fraction \(stuck)/2000")
        for k in 0..<2000 {
            let t = Double(xl.targetPlus[k])
            #expect(t >= d.gMinMicroSiemens - 1e-4 && t <= d.initialMaxMicroSiemens, "initial target \(t)")
            let level = d.conductance(level: d.nearestLevel(to: t))
            #expect(abs(level - t) < 1e-4, "target \(t) is a level")
            if xl.stuckPlus[k] == 1 { #expect(xl.gPlus[k] == Float(d.gMinMicroSiemens)) }
            if xl.stuckPlus[k] == 2 { #expect(xl.gPlus[k] == Float(d.gMaxMicroSiemens)) }
        }
        let k = xl.stuckPlus.firstIndex(of: 2)!
        xl.program(k, plus: Float(d.gMinMicroSiemens), minus: nil, rng: &rng)
        #expect(xl.gPlus[k] == Float(d.gMaxMicroSiemens))
    }

    @Test("presets validate; unknown names and bad fields give errors")
    func presets() throws {
        for p in ChipPreset.allCases { try p.spec.validate() }
        #expect(ChipPreset.wu2023SoC.spec.tileRows == 64)
        #expect(ChipPreset.wu2023Inference.spec.tileRows == 256)
        #expect(throws: CIMError.self) { try ChipPreset.named("nope") }
        var bad = ChipPreset.wu2023SoC.spec
        bad.tileColumns = 63
        #expect(throws: CIMError.self) { try bad.validate() }
        bad = ChipPreset.wu2023SoC.spec
        bad.adc.bits = 40
        #expect(throws: CIMError.self) { try bad.validate() }
    }
}
