import CIMCore
import CIMCrossbar
import Testing

/// ``CrossbarCalibration``: per-column scales, static input ranges and tile ADC full scales.
@Suite("crossbar calibration")
struct CrossbarCalibrationTests {
    static func inputs(rows: Int, inputs: Int, seed: UInt64, signed: Bool) -> [Float] {
        var rng = RandomGenerator(seed: seed)
        return (0..<(rows * inputs)).map { _ in Float(rng.nextDouble() * (signed ? 2 : 1) - (signed ? 0.7 : 0)) }
    }

    @Test("oracle: ideal device and periphery, static ranges covering the inputs: y = x · (s_o (G⁺ − G⁻))ᵀ, the float matmul of the per-column weights (relative 1e-5)")
    func idealEqualsMatmul() throws {
        let spec = ChipPreset.ideal.spec
        var xl = randomLayer(spec, inputs: 70, outputs: 6, seed: 2)
        let scales: [Float] = [0.01, 0.02, 0.005, 0.04, 0.013, 0.0071]
        let blocks = xl.rowBlocks
        try xl.calibrate(CrossbarCalibration(columnScales: scales, inputRanges: [Float](repeating: 1.5, count: blocks)))
        let x = Self.inputs(rows: 9, inputs: 70, seed: 3, signed: true)
        let y = product(&xl, x, rows: 9)
        var w = [Float](repeating: 0, count: 70 * 6)
        for i in 0..<70 { for o in 0..<6 { w[o * 70 + i] = scales[o] * (xl.gPlus[i * 6 + o] - xl.gMinus[i * 6 + o]) } }
        let ref = matmulT(x, rows: 9, w, inputs: 70, outputs: 6)
        let scale = ref.map(abs).max()!
        #expect(scale > 0 && zip(y, ref).allSatisfy { abs(Double($0) - $1) <= 1e-5 * scale })
    }

    @Test("a static range equal to the row's abs-max gives the abs-max DAC codes: with an ideal ADC the outputs agree to float32 rounding (1e-6), and inputs beyond the range clip to it")
    func staticMatchesAbsMax() throws {
        var spec = ChipPreset.wu2023Inference.spec
        spec.adc.bits = 0
        spec.adc.noiseSigmaMicroAmps = 0
        let plain = randomLayer(spec, inputs: 40, outputs: 5, seed: 4)
        for signed in [false, true] {
            let x = Self.inputs(rows: 1, inputs: 40, seed: 5, signed: signed)
            let m = x.map(abs).max()!
            var a = plain, b = plain
            try b.calibrate(CrossbarCalibration(columnScales: [Float](repeating: plain.weightPerMicroSiemens, count: 5), inputRanges: [m]))
            let ya = product(&a, x, rows: 1), yb = product(&b, x, rows: 1)
            let scale = ya.map(abs).max()!
            #expect(scale > 0 && zip(ya, yb).allSatisfy { abs($0 - $1) <= 1e-6 * scale }, "\(ya) vs \(yb)")
            // the largest input tripled clips at the range: the same codes, the same outputs
            var beyond = x
            let k = x.indices.max { abs(x[$0]) < abs(x[$1]) }!
            beyond[k] *= 3
            #expect(product(&b, beyond, rows: 1) == yb)
        }
    }

    @Test("column scales all equal to the layer's scale and the chip's ADC full scale compute bit-identically to the uncalibrated layer (8-bit DAC and ADC)")
    func trivialCalibrationIsIdentity() throws {
        let spec = ChipPreset.wu2023Inference.spec
        var plain = randomLayer(spec, inputs: 300, outputs: 7, seed: 6)  // two row blocks
        var calibrated = plain
        try calibrated.calibrate(CrossbarCalibration(columnScales: [Float](repeating: plain.weightPerMicroSiemens, count: 7),
                                                     adcFullScales: [Double](repeating: spec.adc.fullScaleMicroAmps, count: plain.rowBlocks)))
        let x = Self.inputs(rows: 20, inputs: 300, seed: 7, signed: true)
        #expect(product(&plain, x, rows: 20) == product(&calibrated, x, rows: 20))
    }

    @Test("a tile's calibrated ADC full scale clips its partial sums there: outputs are bounded by FS_b · (range or abs-max) · s_o / V per block and phase")
    func adcFullScaleClips() throws {
        var spec = ChipPreset.wu2023Inference.spec
        spec.adc.noiseSigmaMicroAmps = 0
        var xl = randomLayer(spec, inputs: 50, outputs: 4, seed: 8)
        let fs = 0.05  // µA: far below the currents, so everything clips
        try xl.calibrate(CrossbarCalibration(columnScales: [Float](repeating: xl.weightPerMicroSiemens, count: 4), inputRanges: [1],
                                             adcFullScales: [fs]))
        let x = [Float](repeating: 1, count: 50)  // all-positive inputs: one phase
        let y = product(&xl, x, rows: 1)
        let bound = Float(fs) * xl.weightPerMicroSiemens / Float(spec.device.readVoltage)
        #expect(y.allSatisfy { abs(abs($0) - bound) <= 1e-6 * bound }, "\(y) vs ±\(bound)")
    }

    @Test("calibrations that do not fit the layer are refused, naming the field")
    func validation() {
        let spec = ChipPreset.wu2023Inference.spec
        var xl = randomLayer(spec, inputs: 10, outputs: 3, seed: 9)
        let bad: [(CrossbarCalibration, String)] = [
            (CrossbarCalibration(columnScales: [1, 1]), "columnScales"),
            (CrossbarCalibration(columnScales: [1, 0, 1]), "columnScales"),
            (CrossbarCalibration(columnScales: [1, 1, .nan]), "columnScales"),
            (CrossbarCalibration(columnScales: [1, 1, 1], inputRanges: [1, 1]), "inputRanges"),
            (CrossbarCalibration(columnScales: [1, 1, 1], inputRanges: [-1]), "inputRanges"),
            (CrossbarCalibration(columnScales: [1, 1, 1], adcFullScales: [.infinity]), "adcFullScales"),
            (CrossbarCalibration(columnScales: [1, 1, 1], adcFullScales: [0]), "adcFullScales"),
        ]
        for (c, field) in bad {
            #expect(throws: CIMError.self) { try xl.calibrate(c) }
            do { try xl.calibrate(c) } catch { #expect(error.description.contains("calibration." + field), "\(error)") }
        }
        #expect(xl.calibration == nil)
    }
}
