import CIMCore
import CIMCrossbar
import CIMDevice
import CIMMap
import CIMNetwork
import CIMTrain
import Testing

@Suite("Mapper calibration")
struct MapperCalibrationTests {
    static let device = DeviceModel(name: "hand", levels: 4, gMinMicroSiemens: 0, gMaxMicroSiemens: 30, readVoltage: 0.1,
                                    programmingSigmaMicroSiemens: 0, readSigmaMicroSiemens: 0, initialMaxMicroSiemens: 10)

    @Test("per-column scales, by hand: each column's largest |w| uses the whole window; percentile and k·σ clip and count what they clip")
    func columnScalesByHand() throws {
        // weights [out 2, in 4]: column 0 = (0.3, −0.1, 0.2, 0), column 1 = (0.03, −0.01, 0.02, 0.06)
        let w: [Float] = [0.3, -0.1, 0.2, 0, 0.03, -0.01, 0.02, 0.06]
        let q = Quantizer.quantize(weights: w, rows: 4, columns: 2, device: Self.device, clip: .max)
        let s = try #require(q.columnScales)
        #expect(abs(s[0] - 0.01) < 1e-9 && abs(s[1] - 0.002) < 1e-9, "\(s)")  // 0.3 / 30 µS and 0.06 / 30 µS
        #expect(q.weightPerMicroSiemens == s.max())
        #expect(q.clippedFraction == 0)
        // column 1 on its own scale: 0.06 → 3 levels, 0.03 → 1.5 → 2, −0.01 → −0.5 → −0 … as rounding says
        #expect(q.levelPlus[3 * 2 + 1] == 3 && q.levelPlus[0 * 2 + 1] == 2)
        for r in 0..<4 { for c in 0..<2 { #expect(abs(q.weight(r, c) - w[c * 4 + r]) <= Float(s[c]) * 5 + 1e-7) } }
        // 50th percentiles (nearest rank): column 0's |w| (0, 0.1, 0.2, 0.3) → 0.1, column 1's (0.01, 0.02, 0.03, 0.06)
        // → 0.02; 0.2, 0.3, 0.03 and 0.06 clip
        let p = Quantizer.quantize(weights: w, rows: 4, columns: 2, device: Self.device, clip: .percentile(50))
        #expect(abs(p.columnScales![0] - 0.1 / 30) < 1e-9 && abs(p.columnScales![1] - 0.02 / 30) < 1e-9)
        #expect(p.clippedFraction == 4.0 / 8)
        // k·σ never exceeds the largest |w|
        let k = Quantizer.quantize(weights: w, rows: 4, columns: 2, device: Self.device, clip: .sigma(100))
        #expect(k.columnScales == s)
    }

    @Test("rules parse from text and refuse what they do not mean")
    func parsing() throws {
        #expect(try CalibrationConfig.WeightClip(parsing: "percentile:99.9") == .percentile(99.9))
        #expect(try CalibrationConfig.WeightClip(parsing: "sigma:3") == .sigma(3))
        #expect(try CalibrationConfig.InputRange(parsing: "max") == .quantile(1))
        #expect(try CalibrationConfig.InputRange(parsing: "abs-max") == .absMax)
        for bad in ["percentile:0", "percentile:101", "sigma:-1", "max:2", "median", ""] {
            #expect(throws: CIMError.self) { try CalibrationConfig.WeightClip(parsing: bad) }
        }
        for bad in ["quantile:0", "quantile:1.5", "quantile", "abs-max:1"] {
            #expect(throws: CIMError.self) { try CalibrationConfig.InputRange(parsing: bad) }
        }
    }

    @Test("a calibrated mapping of a trained LeNet: the quantised model uses the column scales, the noiseless chip with an ideal ADC and static ranges agrees with it, ADC full scales never exceed the chip's, and the record names the calibration data")
    func calibratedMapping() throws {
        let model = try MapperTests.trained.get()
        let calibration = try MapperTests.mnist.get().train.batch(indices: Array(0..<64)[...]).x
        var config = MappingConfig(spec: ChipPreset.wu2023Inference.spec)
        config.monteCarloDraws = 2
        config.calibration = CalibrationConfig()
        let image = try Mapper(config: config).map(model, calibration: calibration, creator: "test")
        for (k, l) in image.layers.enumerated() {
            let c = try #require(l.calibration)
            #expect(c.columnWeightPerMicroSiemens.count == l.columns && c.columnWeightPerMicroSiemens.max() == l.weightPerMicroSiemens)
            #expect(c.inputRanges?.count == 1 && c.inputRanges!.allSatisfy { $0 > 0 })
            #expect(c.adcFullScalesMicroAmps?.count == 1
                    && c.adcFullScalesMicroAmps!.allSatisfy { $0 > 0 && $0 <= config.spec.adc.fullScaleMicroAmps })
            #expect(image.report.layers[k].inputRanges != nil && image.report.layers[k].adcFullScalesMicroAmps != nil)
        }
        let record = try #require(image.provenance[CalibrationRecord.provenanceKey])
        #expect(record.contains(calibration.data.withUnsafeBytes { SHA256.hex(of: $0) }) && record.contains("\"images\":64"))
        // the quantised network's weights are s_c · (G⁺ − G⁻) per column
        let net = try image.quantizedNetwork()
        let (tp, tm) = image.layerTargets(0)
        let l0 = image.layers[0]
        for c in 0..<l0.columns {
            let w = net.parameters[net.offsets[l0.index] + c * l0.rows]  // [out, in]: (c, row 0)
            #expect(w == Float(l0.calibration!.columnWeightPerMicroSiemens[c]) * (tp[c] - tm[c]))
        }
        // noiseless chip with an ideal ADC (static ranges and 8-bit DAC kept) ≈ the quantised model
        var ideal = image
        ideal.spec.adc.bits = 0
        ideal.spec.adc.noiseSigmaMicroAmps = 0
        let test = try MapperTests.mnist.get().test.prefix(500)
        var engine = try ideal.engine(noise: nil)
        let chip = Evaluator.evaluate(net, on: test, engine: &engine), digital = Evaluator.evaluate(net, on: test)
        #expect(abs(chip.accuracy - digital.accuracy) <= 0.01, "chip \(chip.accuracy) vs quantised \(digital.accuracy)")
        // calibration needs images
        #expect(throws: CIMError.self) { try Mapper(config: config).map(model, calibration: nil, creator: "test") }
    }

    @Test("the ADC full scale of least error: for |I| uniform on [0, 50] µA and an 8-bit ±70 µA ADC it is within two grid steps (70/256 µA) of 50 µA; and of 5 µA for |I| on [0, 5] µA")
    func minimumErrorFullScale() {
        let mags = (0..<10_000).map { Float($0) * 0.005 }  // 0 … 49.995 µA
        let adc = ADCConfig(bits: 8, fullScaleMicroAmps: 70)
        let fs = Mapper.minimumErrorFullScaleForTesting(mags, adc: adc)
        #expect(abs(fs - 50) <= 2 * 70.0 / 256, "\(fs)")
        let small = Mapper.minimumErrorFullScaleForTesting(mags.map { $0 / 10 }, adc: adc)  // 0 … 5 µA
        #expect(abs(small - 5) <= 2 * 70.0 / 256, "\(small)")
    }
}
