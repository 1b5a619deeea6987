import CIMCore
import CIMCrossbar
import CIMData
import CIMDevice
import CIMMap
import CIMNetwork
import CIMTrain
import Testing

@Suite("Mapper")
struct MapperTests {
    static let mnist = Result { try DatasetCatalog.load(.mnist) }

    /// A lenet-wu2023 trained for a few hundred batches (digital), as a mapper input.
    static let trained = Result { () throws -> TrainedModel in
        var c = TrainingConfig()
        c.trainLimit = 4000
        c.testLimit = 500
        c.batchesPerEpoch = 60
        c.epochs = 1
        var d = try mnist.get()
        d.train = d.train.prefix(4000)
        d.test = d.test.prefix(500)
        var t = try Trainer(config: c, data: d)
        t.run()
        return TrainedModel(network: t.network)
    }

    @Test("quantiser, hand example: max |w| uses the whole window; pairs keep one device at gMin")
    func quantiseByHand() {
        // 4 levels over 0–30 µS (Δ = 10 µS); weights [out 2, in 2]
        let d = DeviceModel(name: "hand", levels: 4, gMinMicroSiemens: 0, gMaxMicroSiemens: 30, readVoltage: 0.1,
                            programmingSigmaMicroSiemens: 0, readSigmaMicroSiemens: 0, initialMaxMicroSiemens: 10)
        let q = Quantizer.quantize(weights: [0.3, -0.1, 0.14, -0.3], rows: 2, columns: 2, device: d)
        #expect(abs(q.weightPerMicroSiemens - 0.01) < 1e-9)  // 0.3 / 30 µS (0.3 as a Float)
        // w[o=0,i=0] = 0.3 → k = 3; w[0,1] = −0.1 → k = −1; w[1,0] = 0.14 → 14 µS → k = 1; w[1,1] = −0.3 → k = −3
        let plus: [Float] = [30, 10, 0, 0], minus: [Float] = [0, 0, 10, 30]  // [rows, columns]: (i, o)
        #expect(q.targetPlus == plus)
        #expect(q.targetMinus == minus)
        #expect(q.levelPlus == [3, 1, 0, 0])
        #expect(q.levelMinus == [0, 0, 1, 3])
        #expect(abs(q.maxAbsError - 0.04) < 1e-6)
        #expect(q.levelHistogram == [1, 0, 1, 0, 1, 0, 1])
        #expect(q.clippedFraction == 0)
    }

    @Test("placement: every weight placed once, no two blocks share a device, layers split over tiles")
    func placement() throws {
        let model = try Self.trained.get()
        for preset in [ChipPreset.wu2023SoC, .wu2023Inference] {
            let image = try Mapper(config: MappingConfig(spec: preset.spec)).map(model, calibration: nil, creator: "test")
            let pairs = preset.spec.weightColumns
            var used = Set<Int>()
            for (k, l) in image.layers.enumerated() {
                var covered = [Int](repeating: 0, count: l.rows * l.columns)
                for b in l.blocks {
                    #expect(b.rows <= preset.spec.tileRows && b.columns <= pairs)
                    for r in 0..<b.rows {
                        for c in 0..<b.columns {
                            covered[(b.rowStart + r) * l.columns + b.columnStart + c] += 1
                            let cell = (b.tile * preset.spec.tileRows + b.rowMap[r]) * pairs + b.tileColumn + c
                            #expect(!used.contains(cell), "device pair used twice")
                            used.insert(cell)
                        }
                    }
                }
                #expect(covered.allSatisfy { $0 == 1 }, "layer \(k): every weight exactly once")
            }
            let utilisation = Double(used.count) / Double(image.tiles.count * preset.spec.tileRows * pairs)
            #expect(abs(image.report.utilisation - utilisation) < 1e-12)
        }
        let soc = try Mapper(config: MappingConfig(spec: ChipPreset.wu2023SoC.spec)).map(model, calibration: nil, creator: "test")
        #expect(soc.layers[1].blocks.count == 4)  // conv2: 200 rows over 64-row tiles
        // 3,080 weights need more than one 64×32-pair tile; packing fits them in 2 (the paper
        // used 6–7 arrays, one layer block each)
        #expect(soc.report.tilesUsed == 2)
    }

    @Test("with noiseless devices and an ideal periphery the mapped chip's accuracy equals the quantised model's")
    func noiselessChipEqualsQuantisedModel() throws {
        let model = try Self.trained.get()
        var spec = ChipPreset.wu2023Inference.spec.withIdealPeriphery
        spec.device.programmingSigmaMicroSiemens = 0
        spec.device.readSigmaMicroSiemens = 0
        let image = try Mapper(config: MappingConfig(spec: spec)).map(model, calibration: nil, creator: "test")
        let test = try Self.mnist.get().test.prefix(2000)
        let quantised = try image.quantizedNetwork()
        let digital = Evaluator.evaluate(quantised, on: test)
        var engine = try image.engine(noise: nil)
        let chip = Evaluator.evaluate(quantised, on: test, engine: &engine)
        #expect(chip.correct == digital.correct, "chip \(chip.accuracy) vs quantised model \(digital.accuracy)")
        #expect(abs(chip.loss - digital.loss) < 1e-4)
        // and quantisation to 16 levels costs little against the FP32 model
        let fp32 = Evaluator.evaluate(model.network, on: test)
        #expect(abs(fp32.accuracy - digital.accuracy) < 0.02, "FP32 \(fp32.accuracy) vs 4-bit \(digital.accuracy)")
    }

    @Test("checks: programming error grows with σ; ADC clipping is reported with a suggested range")
    func checks() throws {
        let model = try Self.trained.get()
        let calibration = try Self.mnist.get().train.batch(indices: Array(0..<128)[...]).x
        var errors: [Double] = []
        for sigma in [0.0, 2.0, 6.0] {
            var config = MappingConfig(spec: ChipPreset.wu2023Inference.spec)
            config.spec.device.programmingSigmaMicroSiemens = sigma
            config.monteCarloDraws = 4
            let image = try Mapper(config: config).map(model, calibration: calibration, creator: "test")
            errors.append(image.report.layers[0].programmingRelativeErrorMean ?? -1)
            #expect(image.report.layers.allSatisfy { $0.adcP999MicroAmps != nil && $0.adcClippingRate != nil })
        }
        #expect(errors[0] == 0, "σ = 0 gives no programming error")
        #expect(errors[1] > 0 && errors[2] > errors[1], "\(errors)")
        var tight = MappingConfig(spec: ChipPreset.wu2023Inference.spec)
        tight.spec.adc.fullScaleMicroAmps = 1
        tight.monteCarloDraws = 0
        let clipped = try Mapper(config: tight).map(model, calibration: calibration, creator: "test")
        let adc = clipped.report.checks.filter { $0.name.hasPrefix("adc-clipping") }
        #expect(!adc.isEmpty && adc.allSatisfy { !$0.passed }, "a ±1 µA ADC must fail the clipping check")
    }
}
