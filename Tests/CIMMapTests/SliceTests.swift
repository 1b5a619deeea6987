import CIMCore
import CIMCrossbar
import CIMDevice
import CIMMap
import CIMNetwork
import Testing

/// Bit slices (``BitSlicing``): several device pairs per weight, combined digitally.
@Suite("bit slices")
struct SliceTests {
    /// A noiseless device of `levels` levels over 0…(levels−1) µS (Δ = 1 µS), read at 0.5 V.
    static func device(levels: Int) -> DeviceModel {
        DeviceModel(name: "oracle-\(levels)", levels: levels, gMinMicroSiemens: 0, gMaxMicroSiemens: Double(levels - 1), readVoltage: 0.5,
                    programmingSigmaMicroSiemens: 0, readSigmaMicroSiemens: 0, initialMaxMicroSiemens: 1)
    }

    /// Ideal periphery (analog DAC, no ADC quantisation), small tiles: 8 rows, 3 pairs, so a
    /// weight's 4 slices straddle tiles.
    static func spec(levels: Int) -> ChipSpec {
        ChipSpec(name: "oracle", tileRows: 8, tileColumns: 6, tileCount: nil, device: device(levels: levels),
                 dac: DACConfig(bits: 0), adc: ADCConfig(bits: 0, fullScaleMicroAmps: 1, columnsPerADC: 1))
    }

    /// Dense 20 → 5 with integer weights in ±255 (|w| = 255 occurs) and zero biases, then a
    /// ReLU: every float sum below is an exact small integer (times a power of two). (One
    /// weighted layer: a second one would see abs-max-scaled inputs x·(1/max|x|), inexact.)
    static func model() throws -> TrainedModel {
        let arch = Architecture(name: "oracle", inputShape: [20], layers: [.dense(inFeatures: 20, outFeatures: 5), .relu])
        var bits = UInt64(12345)
        func next() -> Int {
            bits = bits &* 6364136223846793005 &+ 1442695040888963407
            return Int((bits >> 33) % 511) - 255
        }
        var w1 = (0..<100).map { _ in Float(next()) }
        w1[7] = 255
        w1[42] = -255
        let params = w1 + [Float](repeating: 0, count: 5)
        return TrainedModel(network: try Network(architecture: arch, parameters: params))
    }

    /// 6 input rows of integers in −4…4, each row's largest |x| = 4 (abs-max scaling is exact).
    static let inputs: Tensor = {
        var x = (0..<120).map { Float(($0 * 7 + 3) % 9) - 4 }
        for r in 0..<6 { x[r * 20 + r] = r % 2 == 0 ? 4 : -4 }
        return Tensor(shape: [6, 20], data: x)
    }()

    static func map(_ model: TrainedModel, levels: Int, slices: Int) throws -> ChipImage {
        var c = MappingConfig(spec: spec(levels: levels))
        c.slices = slices
        c.monteCarloDraws = 2
        return try Mapper(config: c).map(model, calibration: Self.inputs, creator: "test")
    }

    @Test("BitSlicing: digits, significance, exact float32 shift-and-add, and its limits")
    func slicing() throws {
        let s = try BitSlicing(count: 4, levels: 4)
        #expect(s.significance == [1, 4, 16, 64])
        #expect(s.maxMagnitude(levels: 4) == 255)
        #expect(s.digits(-201) == [1, 2, 0, 3])  // 201 = 3·64 + 0·16 + 2·4 + 1
        let v: [Float] = [1, 2, 0, 3]
        #expect(v.withUnsafeBufferPointer { s.combine($0.baseAddress!) } == 201)
        #expect(try BitSlicing(count: 1, levels: 0) == .single)
        #expect(throws: CIMError.self) { try BitSlicing(count: 2, levels: 0) }       // continuous device
        #expect(throws: CIMError.self) { try BitSlicing(count: 9, levels: 2) }       // too many
        #expect(throws: CIMError.self) { try BitSlicing(count: 8, levels: 16) }      // 16^7 > 2^24
        #expect(throws: CIMError.self) { try BitSlicing(count: 0, levels: 4) }
    }

    @Test("oracle: with noiseless devices and ideal periphery, 8-bit weights on 4 slices of 2-bit devices give exactly the 8-bit quantised model's outputs")
    func oracle() throws {
        let model = try Self.model()
        let sliced = try Self.map(model, levels: 4, slices: 4)
        #expect(sliced.layers.allSatisfy { $0.slicing.count == 4 && $0.weightPerMicroSiemens == 1 })
        #expect(sliced.layers[0].blocks.contains { $0.columns < 3 || $0.columnStart % 4 != 0 }, "slices split across tiles")
        // the 8-bit quantised model: the integer weights themselves (scale 1 per level)
        var net = try sliced.quantizedNetwork()
        #expect(net.parameters == model.network.parameters)
        let reference = net.forward(Self.inputs, training: false).data
        var engine = try sliced.engine(noise: nil)
        let chip = net.forward(Self.inputs, training: false, engine: &engine).data
        #expect(chip == reference)
        #expect(reference.contains { $0 > 1000 })
        // and one 256-level (8-bit) pair per weight gives the same, exactly
        let wide = try Self.map(model, levels: 256, slices: 1)
        var wideNet = try wide.quantizedNetwork()
        var wideEngine = try wide.engine(noise: nil)
        #expect(wideNet.forward(Self.inputs, training: false, engine: &wideEngine).data == reference)
        // a single 2-bit pair cannot: ±3 levels
        let narrow = try Self.map(model, levels: 4, slices: 1)
        var narrowNet = try narrow.quantizedNetwork()
        #expect(narrowNet.forward(Self.inputs, training: false).data != reference)
        // the checks ran on the sliced layout (programming error 0 with σ = 0; nothing clips)
        #expect(sliced.report.checks.allSatisfy { $0.passed }, "\(sliced.report.checks)")
    }

    @Test("a sliced layer holds columns × slices pairs; more slices of a 16-level device, smaller quantisation error")
    func noisySlices() throws {
        let model = try Self.model()
        var errors: [Double] = []
        for n in [1, 2, 4] {
            var c = MappingConfig(spec: ChipPreset.wu2023Inference.spec)
            c.slices = n
            c.monteCarloDraws = 4
            let image = try Mapper(config: c).map(model, calibration: Self.inputs, creator: "test")
            let l = image.layers[0]
            #expect(l.pairColumns == l.columns * n)
            #expect(image.layerTargets(0).plus.count == l.rows * l.columns * n)
            errors.append(image.report.layers[0].quantizationRelativeRMS)
        }
        #expect(errors[1] < errors[0] && errors[2] <= errors[1], "\(errors)")
    }

    @Test("--slices is refused on a continuous device, one line naming the field")
    func refused() throws {
        var c = MappingConfig(spec: ChipPreset.wu2023Inference.spec)
        c.spec.device.levels = 0
        c.slices = 2
        #expect(throws: CIMError.invalidConfig(field: "slices", reason: "2 slices need a device with levels (this one is continuous)")) {
            try c.validate()
        }
    }
}
