import CIMCore
import CIMCrossbar
import CIMData
import CIMDevice
import CIMNetwork
import CIMTrain
import Foundation
import Testing

@Suite("On-chip training", .serialized)
struct OnChipTrainingTests {
    func config(_ onChip: OnChipConfig?, epochs: Int = 2, batches: Int = 4) -> TrainingConfig {
        var c = TrainingConfig()
        c.trainLimit = 1024
        c.testLimit = 200
        c.batchesPerEpoch = batches
        c.epochs = epochs
        c.onChip = onChip
        return c
    }

    func data(_ c: TrainingConfig) throws -> DatasetSplits { try limitedData(c) }

    @Test("given weights (cim train --init) are written to the chip: W_FP keeps them, the devices hold their nearest levels; a pulse chip refuses")
    func givenWeightsProgrammed() throws {
        let c0 = config(nil)
        let given = try Network(architecture: try c0.architecture, seed: 9).parameters.map { $0 * 3 }  // beyond the default range
        var c = config(OnChipConfig(rule: .mixedPrecision, chip: ChipPreset.wu2023SoC.rawValue, threshold: 1, periphery: false))
        c.onChip?.customDevice = DevicePreset.brram4bit.model  // 16 levels
        c.onChip?.customDevice?.programmingSigmaMicroSiemens = 0
        let t = try Trainer(config: c, data: data(c), initialParameters: given)
        #expect(t.network.parameters == given)
        let chip = try #require(t.chip)
        for l in chip.weightedLayers {
            let xl = chip.engine.layers[l]!
            var none: RandomGenerator? = nil
            let w = xl.readWeights(rng: &none)
            let off = t.network.offsets[l]
            let step = Float(xl.spec.device.levelSpacingMicroSiemens) * xl.weightPerMicroSiemens
            let gap = w.indices.map { abs(w[$0] - given[off + $0]) }.max()!
            #expect(gap <= step / 2 + 1e-6, "layer \(l): devices differ from the given weights by \(gap) (half a level is \(step / 2))")
        }
        var pulse = c
        pulse.onChip = OnChipConfig(rule: .mixedPrecisionPulse, device: PulseDevicePreset.pcmNandakumar2020.rawValue)
        let refused = #expect(throws: CIMError.self) { try Trainer(config: pulse, data: data(pulse), initialParameters: given) }
        #expect(refused?.description.contains("--init") == true, "\(String(describing: refused))")
    }

    @Test("oracle: ideal device, ideal periphery and threshold 0 make mixed precision equal digital training")
    func idealEqualsDigital() throws {
        let chip = OnChipConfig(rule: .mixedPrecision, chip: ChipPreset.ideal.rawValue, threshold: 0, periphery: false)
        let c = config(chip)
        var onChip = try Trainer(config: c, data: data(c))
        // the same start: W_FP as read from the chip
        var digital = try Trainer(config: config(nil), data: data(c), initialParameters: onChip.network.parameters)
        onChip.run()
        digital.run()
        let a = onChip.network.parameters, b = digital.network.parameters
        let worst = zip(a, b).map { abs($0 - $1) }.max()!
        #expect(worst < 1e-4, "max |W_chip-trained − W_digital| = \(worst)")
        // and the devices hold W_FP
        for l in onChip.chip!.weightedLayers {
            var none: RandomGenerator? = nil
            let w = onChip.chip!.engine.layers[l]!.readWeights(rng: &none)
            let off = onChip.network.offsets[l]
            let gap = w.indices.map { abs(w[$0] - a[off + $0]) }.max()!
            #expect(gap < 1e-5, "layer \(l): devices differ from W_FP by \(gap)")
        }
        #expect(abs(onChip.epochs[1].testAccuracy - digital.epochs[1].testAccuracy) <= 0.005)
    }

    /// A 1→2 dense network (weight 0 is the one under test) on a noiseless 4-level device over 0–30 µS (Δ = 10 µS); the
    /// initial window 0–10 µS makes 1 weight unit = 10 µS, so one level is one weight unit.
    func handChip(_ rule: UpdateRule) throws -> (ChipTrainingState, Network) {
        let arch = Architecture(name: "one", inputShape: [1], layers: [.dense(inFeatures: 1, outFeatures: 2)])
        var net = try Network(architecture: arch, seed: 1)
        let device = DeviceModel(name: "hand", levels: 4, gMinMicroSiemens: 0, gMaxMicroSiemens: 30, readVoltage: 0.1,
                                 programmingSigmaMicroSiemens: 0, readSigmaMicroSiemens: 0, maxWriteTrials: 1,
                                 initialMaxMicroSiemens: 10)
        var oc = OnChipConfig(rule: rule, chip: ChipPreset.ideal.rawValue, threshold: 1, periphery: false)
        oc.customDevice = device
        var chip = try ChipTrainingState(config: oc, network: &net, seed: 1)
        var rng = RandomGenerator(seed: 0)
        chip.engine.layers[0]!.program(0, plus: 10, minus: 0, rng: &rng)
        net.parameters[0] = 1
        return (chip, net)
    }

    @Test("mixed precision, hand example: accumulate, write at one level, clip, move one device (lowering first) or both; 6 writes")
    func handWrites() throws {
        var (chip, net) = try handChip(.mixedPrecision)
        #expect(chip.engine.layers[0]!.weightPerMicroSiemens == 0.1)
        let steps: [(Float, Float, Float, Float)] = [  // update → expected W_FP, G+, G−
            (0.4, 1, 10, 0), (0.4, 1, 10, 0),       // ΔW 0.8 < 1: nothing
            (0.4, 2.2, 20, 0),                       // ΔW 1.2: target 2.2 → 2 levels, raise G+
            (-1.5, 0.7, 10, 0),                      // target 0.7 → 1 level, lower G+
            (5, 3, 30, 0),                           // target 5.7 → clipped to 3 levels
            (-6, -3, 0, 30),                         // target −3: both devices move
            (1.2, -1.8, 0, 20),                      // target −1.8: lower G− rather than raise G+
        ]
        var expectedWrites: UInt32 = 0
        let bias0 = net.parameters[2]
        for (i, s) in steps.enumerated() {
            let before = chip.engine.layers[0]!
            chip.apply(update: [s.0, 0, 0.5, 0], to: &net.parameters, offsets: net.offsets)
            let x = chip.engine.layers[0]!
            expectedWrites += (x.gPlus[0] != before.gPlus[0] ? 1 : 0) + (x.gMinus[0] != before.gMinus[0] ? 1 : 0)
            #expect(abs(net.parameters[0] - s.1) < 1e-5, "step \(i): W_FP \(net.parameters[0]) vs \(s.1)")
            #expect(x.gPlus[0] == s.2 && x.gMinus[0] == s.3, "step \(i): G± \(x.gPlus[0]), \(x.gMinus[0])")
        }
        #expect(chip.writes[0][0] == 6)
        #expect(expectedWrites == 6)
        #expect(chip.attempts == 6)
        #expect(chip.writeStatistics.totalWrites == 6)  // the other weight had no update
        #expect(abs(net.parameters[2] - bias0 - 3.5) < 1e-5)  // the bias took every update (7 × 0.5) digitally
    }

    @Test("naive: every weight is written once per batch even when its level does not change")
    func naiveWritesEveryBatch() throws {
        var (chip, net) = try handChip(.naive)
        for _ in 0..<7 { chip.apply(update: [0.01, 0, 0, 0], to: &net.parameters, offsets: net.offsets) }
        #expect(chip.writes[0][0] == 7)
        #expect(chip.engine.layers[0]!.gPlus[0] == 10)  // updates of 0.01 level never survive without noise
    }

    @Test("pulse rule, hand example on the linear ideal-pulse device: n = trunc(ΔW/ε), remainder kept")
    func pulseByHand() throws {
        let arch = Architecture(name: "one", inputShape: [1], layers: [.dense(inFeatures: 1, outFeatures: 2)])
        var net = try Network(architecture: arch, seed: 1)
        let oc = OnChipConfig(rule: .mixedPrecisionPulse, chip: ChipPreset.ideal.rawValue, device: PulseDevicePreset.idealPulse.rawValue,
                              threshold: 1, periphery: false)
        var chip = try ChipTrainingState(config: oc, network: &net, seed: 1)
        // read window 0–20 µS, initial window 0–4 µS: 0.25 weight units per µS; ε = 0.125 µS = 0.03125
        #expect(chip.engine.layers[0]!.weightPerMicroSiemens == 0.25)
        chip.engine.layers[0]!.setConductances(0, plus: 2, minus: 1)
        chip.apply(update: [0.1, 0, 0, 0], to: &net.parameters, offsets: net.offsets)      // n = 3 → G+ 2.375
        #expect(chip.engine.layers[0]!.gPlus[0] == 2.375)
        #expect(abs(chip.accumulators[0][0] - 0.00625) < 1e-7)
        #expect(net.parameters[0] == 0.34375)
        chip.apply(update: [-0.07, 0, 0, 0], to: &net.parameters, offsets: net.offsets)    // ΔW −0.06375 → n = −2, −0.00125 kept
        #expect(chip.engine.layers[0]!.gMinus[0] == 1.25)
        #expect(abs(chip.accumulators[0][0] + 0.00125) < 1e-7)
        #expect(chip.writes[0][0] == 2)
        #expect(chip.pulses == 5)
    }

    @Test("write statistics: mean, max and power-of-two histogram")
    func statistics() {
        let s = WriteStatistics(perWeight: [0: [0, 1, 2, 3], 3: [5, 9]], attempts: 25, pulses: 0)
        #expect(s.weights == 6 && s.totalWrites == 20 && s.maxPerWeight == 9)
        #expect(abs(s.meanPerWeight - 20.0 / 6) < 1e-12)
        #expect(s.binEdges == [0, 1, 2, 4, 8, 16])
        #expect(s.counts == [1, 1, 2, 1, 1])
        #expect(abs(s.neverWritten - 1.0 / 6) < 1e-12)
        #expect(s.meanPerWeightByLayer["3"] == 7)
    }

    @Test("resume from a checkpoint ends bit-identical to an uninterrupted run", arguments: [
        OnChipConfig(rule: .mixedPrecision),
        OnChipConfig(rule: .naive),
        OnChipConfig(rule: .mixedPrecisionPulse, device: PulseDevicePreset.pcmNandakumar2020.rawValue),
    ])
    func resume(onChip: OnChipConfig) throws {
        let c = config(onChip, epochs: 3, batches: 3)
        var straight = try Trainer(config: c, data: data(c))
        straight.run()
        var first = try Trainer(config: c, data: data(c))
        _ = first.runEpoch(1)
        let bytes = try first.checkpoint().encode()
        let archive = try TensorArchive.decode(bytes, path: "checkpoint")
        var resumed = try Trainer(resuming: archive, data: data(c), path: "checkpoint")
        resumed.run()
        #expect(resumed.network.parameters.map(\.bitPattern) == straight.network.parameters.map(\.bitPattern))
        #expect(resumed.optimizer == straight.optimizer)
        let a = resumed.chip!, b = straight.chip!
        for l in a.weightedLayers {
            #expect(a.engine.layers[l]!.gPlus.map(\.bitPattern) == b.engine.layers[l]!.gPlus.map(\.bitPattern))
            #expect(a.engine.layers[l]!.gMinus.map(\.bitPattern) == b.engine.layers[l]!.gMinus.map(\.bitPattern))
        }
        #expect(a.accumulators.map { $0.map(\.bitPattern) } == b.accumulators.map { $0.map(\.bitPattern) })
        #expect(a.writes == b.writes)
        #expect(a.engine.noise == b.engine.noise)
        #expect(a.programRNG == b.programRNG)
        #expect(resumed.epochs.map(\.testAccuracy) == straight.epochs.map(\.testAccuracy))
        #expect(resumed.epochs.map(\.totalWrites) == straight.epochs.map(\.totalWrites))
    }

    @Test("bad on-chip settings give errors naming the field")
    func badConfigs() {
        #expect(throws: CIMError.self) { try OnChipConfig(rule: .mixedPrecision, chip: "nope").validate() }
        #expect(throws: CIMError.self) { try OnChipConfig(rule: .mixedPrecision, device: "nope").validate() }
        #expect(throws: CIMError.self) { try OnChipConfig(rule: .mixedPrecision, device: "pcm-nandakumar2020").validate() }
        #expect(throws: CIMError.self) { try OnChipConfig(rule: .mixedPrecisionPulse).validate() }
        #expect(throws: CIMError.self) { try OnChipConfig(rule: .mixedPrecision, threshold: -1).validate() }
        #expect(throws: CIMError.self) { try OnChipConfig(rule: .digital).validate() }
    }
}
