import CIMCore
import CIMCrossbar
import CIMData
import CIMDevice
import CIMNetwork
import CIMTrain
import Foundation
import Testing

/// On-chip training of grouped and depthwise convolutions: each group its own crossbar.
@Suite("On-chip training of grouped convolutions", .serialized)
struct GroupedOnChipTests {
    /// A depthwise-separable CNN for MNIST: conv 1→8 3×3 stride 2 pad 1, ReLU, depthwise 8→8
    /// 3×3 stride 2 pad 1, ReLU, grouped 1×1 8→16 (2 groups), ReLU, fc 784→10.
    static let separable = Architecture(name: "separable", inputShape: [28, 28, 1], layers: [
        .convolution(spec: ConvolutionSpec(inChannels: 1, outChannels: 8, kernelHeight: 3, kernelWidth: 3, strideHeight: 2, strideWidth: 2,
                                           padding: [1, 1, 1, 1])), .relu,
        .convolution(spec: ConvolutionSpec(inChannels: 8, outChannels: 8, kernelHeight: 3, kernelWidth: 3, strideHeight: 2, strideWidth: 2,
                                           padding: [1, 1, 1, 1], groups: 8)), .relu,
        .convolution(spec: ConvolutionSpec(inChannels: 8, outChannels: 16, kernelHeight: 1, kernelWidth: 1, groups: 2)), .relu,
        .flatten, .dense(inFeatures: 784, outFeatures: 10),
    ])

    func config(_ onChip: OnChipConfig?, epochs: Int = 2, batches: Int = 4) -> TrainingConfig {
        var c = TrainingConfig()
        c.model = Self.separable.name
        c.customArchitecture = Self.separable
        c.trainLimit = 1024
        c.testLimit = 200
        c.batchesPerEpoch = batches
        c.epochs = epochs
        c.onChip = onChip
        return c
    }

    /// The weights the crossbars of layer `l` hold, `[OC, fanIn]` (groups' rows in order), noiseless.
    static func deviceWeights(_ chip: ChipTrainingState, _ l: Int) -> [Float] {
        chip.engine.crossbars(of: l).flatMap { x -> [Float] in
            var none: RandomGenerator? = nil
            return x.readWeights(rng: &none)
        }
    }

    /// A brram-2bit chip without programming or read noise (4 levels: the granularity matters).
    static func noiseless(_ rule: UpdateRule) -> OnChipConfig {
        if rule == .mixedPrecisionPulse {
            return OnChipConfig(rule: rule, device: PulseDevicePreset.idealPulse.rawValue, periphery: false)
        }
        var c = OnChipConfig(rule: rule, periphery: false)
        var d = DevicePreset.brram2bit.model
        d.programmingSigmaMicroSiemens = 0
        d.readSigmaMicroSiemens = 0
        c.customDevice = d
        return c
    }

    static func convolution(_ c: Int, _ oc: Int, groups: Int) -> ConvolutionSpec {
        ConvolutionSpec(inChannels: c, outChannels: oc, kernelHeight: 3, kernelWidth: 3, padding: [1, 1, 1, 1], groups: groups)
    }

    /// The convolution (layer 0) on `size × size × c` inputs, then fc → 2 logits.
    static func oneConv(_ c: Int, _ oc: Int, groups: Int, size: Int) -> Architecture {
        Architecture(name: "g", inputShape: [size, size, c], layers: [.convolution(spec: convolution(c, oc, groups: groups)), .flatten,
                                                                      .dense(inFeatures: size * size * oc, outFeatures: 2)])
    }

    @Test("oracle: with an ideal device and periphery the chip's grouped/depthwise forward equals the digital one, and group j's crossbar computes exactly group j's channels",
          arguments: [(4, 6, 2), (4, 4, 4), (4, 8, 4)])
    func idealForward(_ shape: (c: Int, oc: Int, groups: Int)) throws {
        var net = try Network(architecture: Self.oneConv(shape.c, shape.oc, groups: shape.groups, size: 6), seed: 3)
        var chip = try ChipTrainingState(config: OnChipConfig(rule: .mixedPrecision, chip: ChipPreset.ideal.rawValue, threshold: 0, periphery: false),
                                         network: &net, seed: 3)
        #expect(chip.engine.layers[0] == nil && chip.engine.grouped[0]?.count == shape.groups)
        let read = Self.deviceWeights(chip, 0)  // W_FP was read back from the group crossbars, in order
        #expect(zip(read, net.parameters).allSatisfy { abs($0 - $1) <= 1e-6 } && read.count == shape.oc * 9 * shape.c / shape.groups)
        var rng = RandomGenerator(seed: 5)
        let x = Tensor(shape: [3, 6, 6, shape.c], data: (0..<(3 * 36 * shape.c)).map { _ in Float(rng.nextDouble() * 2 - 0.5) })  // signed inputs: both DAC phases
        chip.engine.noise = nil
        var conv = Convolution(spec: Self.convolution(shape.c, shape.oc, groups: shape.groups))
        let (digital, onChip) = net.parameters.withUnsafeBufferPointer { p in
            var cpu = DigitalProduct()
            return (conv.forward(x, parameters: p.baseAddress!, training: true, engine: &cpu, layer: 0),
                    conv.forward(x, parameters: p.baseAddress!, training: false, engine: &chip.engine, layer: 0))
        }
        let scale = digital.data.map { abs($0) }.max()!
        let worst = zip(digital.data, onChip.data).map { abs($0 - $1) }.max()!
        #expect(worst <= 1e-5 * scale, "max |y_chip − y_digital| = \(worst) (|y| ≤ \(scale))")
        // moving one device of the last group changes that group's channels only
        let last = shape.groups - 1, width = shape.oc / shape.groups
        var grng = RandomGenerator(seed: 0)
        chip.engine.grouped[0]![last].program(0, plus: Float(chip.engine.grouped[0]![last].spec.device.gMaxMicroSiemens), minus: nil, rng: &grng)
        let moved = net.parameters.withUnsafeBufferPointer { conv.forward(x, parameters: $0.baseAddress!, training: false, engine: &chip.engine, layer: 0) }
        for (k, (a, b)) in zip(onChip.data, moved.data).enumerated() {
            let channel = k % shape.oc
            if channel / width != last { #expect(a == b, "channel \(channel) of another group changed") }
        }
        #expect(zip(onChip.data, moved.data).contains { $0 != $1 })
    }

    @Test("a step on a grouped conv equals the same step on one ungrouped conv per group (the group's slice of the update), and writes exactly the weights whose ΔW crosses the granularity",
          arguments: [UpdateRule.mixedPrecision, .naive, .mixedPrecisionPulse], [(3, 3, 3), (4, 6, 2)])
    func stepMatchesPerGroup(_ rule: UpdateRule, _ shape: (c: Int, oc: Int, groups: Int)) throws {
        let g = shape.groups, ocg = shape.oc / g, cg = shape.c / g, fanIn = 9 * cg
        var net = try Network(architecture: Self.oneConv(shape.c, shape.oc, groups: g, size: 5), seed: 1)
        var chip = try ChipTrainingState(config: Self.noiseless(rule), network: &net, seed: 1)
        let single = Self.oneConv(cg, ocg, groups: 1, size: 5)
        let conv = ocg * fanIn + ocg  // a single conv's parameters (weights, biases)
        var singleChips: [ChipTrainingState] = [], singleNets: [Network] = []
        for j in 0..<g {  // group j as an ungrouped conv: same crossbar, same W_FP rows and biases
            var n = try Network(architecture: single, seed: UInt64(10 + j))
            var c = try ChipTrainingState(config: Self.noiseless(rule), network: &n, seed: UInt64(10 + j))
            c.engine.layers[0] = chip.engine.grouped[0]![j]
            let rows = (j * ocg * fanIn)..<((j + 1) * ocg * fanIn), bias = shape.oc * fanIn + j * ocg
            var p = n.parameters
            p.replaceSubrange(0..<conv, with: Array(net.parameters[rows]) + Array(net.parameters[bias..<(bias + ocg)]))
            try n.setParameters(p)
            singleChips.append(c)
            singleNets.append(n)
        }
        let xl = chip.engine.grouped[0]![0]
        let granularity = Float((rule == .mixedPrecisionPulse ? PulseDevicePreset.idealPulse.model.averageStepMicroSiemens
                                                              : xl.spec.device.granularityMicroSiemens) * Double(xl.weightPerMicroSiemens))
        var rng = RandomGenerator(seed: 7)
        var written = 0
        for step in 0..<6 {
            // updates of the conv only (the fc layers of the two models differ)
            let update = (0..<net.parameters.count).map { $0 < shape.oc * (fanIn + 1) ? granularity * Float(rng.nextDouble() * 1.6 - 0.8) : 0 }
            let before = chip
            chip.apply(update: update, to: &net.parameters, offsets: net.offsets)
            for j in 0..<g {
                let rows = (j * ocg * fanIn)..<((j + 1) * ocg * fanIn), bias = shape.oc * fanIn + j * ocg
                let u = Array(update[rows]) + Array(update[bias..<(bias + ocg)]) + [Float](repeating: 0, count: singleNets[j].parameters.count - conv)
                singleChips[j].apply(update: u, to: &singleNets[j].parameters,
                                     offsets: singleNets[j].offsets)
                let a = chip.engine.grouped[0]![j], b = singleChips[j].engine.layers[0]!
                #expect(a.gPlus == b.gPlus && a.gMinus == b.gMinus && a.targetPlus == b.targetPlus && a.targetMinus == b.targetMinus,
                        "step \(step), group \(j): devices differ")
                #expect(Array(net.parameters[rows]) + Array(net.parameters[bias..<(bias + ocg)]) == Array(singleNets[j].parameters[0..<conv]),
                        "step \(step), group \(j): W_FP or bias differ")
                #expect(Array(chip.accumulators[0][rows]) == singleChips[j].accumulators[0], "step \(step), group \(j): ΔW differs")
                #expect(Array(chip.writes[0][rows]) == singleChips[j].writes[0], "step \(step), group \(j): writes differ")
            }
            guard rule == .mixedPrecision else { continue }
            // independent oracle: weight (o, i) of group j is written iff |ΔW + u| ≥ one level
            for j in 0..<g {
                let old = before.engine.grouped[0]![j], new = chip.engine.grouped[0]![j]
                for o in 0..<ocg {
                    for i in 0..<fanIn {
                        let idx = (j * ocg + o) * fanIn + i, k = i * ocg + o
                        let crosses = abs(before.accumulators[0][idx] + update[idx]) >= granularity
                        #expect((chip.accumulators[0][idx] == 0) == crosses || before.accumulators[0][idx] + update[idx] == 0)
                        if crosses {
                            written += 1
                        } else {
                            #expect(new.gPlus[k] == old.gPlus[k] && new.gMinus[k] == old.gMinus[k] && chip.writes[0][idx] == before.writes[0][idx],
                                    "step \(step): weight \(idx) below the granularity was written")
                        }
                    }
                }
            }
        }
        if rule == .mixedPrecision { #expect(written > 0, "no update crossed the granularity: the test tests nothing") }
        #expect(chip.writes[0].contains { $0 > 0 })
    }

    @Test("oracle: ideal device, ideal periphery and threshold 0 make mixed precision on a depthwise-separable CNN equal digital training")
    func idealTrainingEqualsDigital() throws {
        let c = config(OnChipConfig(rule: .mixedPrecision, chip: ChipPreset.ideal.rawValue, threshold: 0, periphery: false))
        var onChip = try Trainer(config: c, data: limitedData(c))
        var digital = try Trainer(config: config(nil), data: limitedData(c), initialParameters: onChip.network.parameters)
        onChip.run()
        digital.run()
        let a = onChip.network.parameters, b = digital.network.parameters
        let worst = zip(a, b).map { abs($0 - $1) }.max()!
        #expect(worst < 1e-4, "max |W_chip-trained − W_digital| = \(worst)")
        let chip = try #require(onChip.chip)
        #expect(chip.weightedLayers == [0, 2, 4, 7] && chip.engine.grouped[2]?.count == 8 && chip.engine.grouped[4]?.count == 2)
        for l in chip.weightedLayers {
            let w = Self.deviceWeights(chip, l), off = onChip.network.offsets[l]
            let gap = w.indices.map { abs(w[$0] - a[off + $0]) }.max()!
            #expect(gap < 1e-5, "layer \(l): devices differ from W_FP by \(gap)")
        }
        #expect(abs(onChip.epochs[1].testAccuracy - digital.epochs[1].testAccuracy) <= 0.005)
        let tiles = chip.summary.tilesByLayer
        #expect(tiles["2"]?.groups == 8 && tiles["2"]?.tiles == 8 && tiles["4"]?.groups == 2 && tiles["0"]?.groups == nil)
        #expect(chip.engine.tileCount == 1 + 8 + 2 + 13)
    }

    @Test("given weights (--init) are written group by group: W_FP keeps them, each group's devices hold their nearest levels")
    func givenWeightsProgrammed() throws {
        var c = config(OnChipConfig(rule: .mixedPrecision, periphery: false))
        c.onChip?.customDevice = DevicePreset.brram4bit.model
        c.onChip?.customDevice?.programmingSigmaMicroSiemens = 0
        let given = try Network(architecture: Self.separable, seed: 9).parameters.map { $0 * 3 }
        let t = try Trainer(config: c, data: limitedData(c), initialParameters: given)
        #expect(t.network.parameters == given)
        let chip = try #require(t.chip)
        for l in chip.weightedLayers {
            let xl = chip.engine.crossbars(of: l)[0]
            let w = Self.deviceWeights(chip, l), off = t.network.offsets[l]
            let step = Float(xl.spec.device.levelSpacingMicroSiemens) * xl.weightPerMicroSiemens
            let gap = w.indices.map { abs(w[$0] - given[off + $0]) }.max()!
            #expect(gap <= step / 2 + 1e-6, "layer \(l): devices differ from the given weights by \(gap) (half a level is \(step / 2))")
        }
    }

    @Test("resume of a grouped model from a checkpoint ends bit-identical to an uninterrupted run", arguments: [
        OnChipConfig(rule: .mixedPrecision),
        OnChipConfig(rule: .naive),
        OnChipConfig(rule: .mixedPrecisionPulse, device: PulseDevicePreset.pcmNandakumar2020.rawValue),
    ])
    func resume(onChip: OnChipConfig) throws {
        let c = config(onChip, epochs: 3, batches: 3)
        var straight = try Trainer(config: c, data: limitedData(c))
        straight.run()
        var first = try Trainer(config: c, data: limitedData(c))
        _ = first.runEpoch(1)
        let archive = try TensorArchive.decode(try first.checkpoint().encode(), path: "checkpoint")
        var resumed = try Trainer(resuming: archive, data: limitedData(c), path: "checkpoint")
        // the restored chip is the saved one, group by group
        for l in first.chip!.weightedLayers {
            let a = resumed.chip!.engine.crossbars(of: l), b = first.chip!.engine.crossbars(of: l)
            #expect(a.count == b.count && zip(a, b).allSatisfy { $0.gPlus == $1.gPlus && $0.targetMinus == $1.targetMinus })
        }
        resumed.run()
        #expect(resumed.network.parameters.map(\.bitPattern) == straight.network.parameters.map(\.bitPattern))
        let a = resumed.chip!, b = straight.chip!
        for l in a.weightedLayers {
            let x = a.engine.crossbars(of: l), y = b.engine.crossbars(of: l)
            #expect(x.count == y.count)
            for (p, q) in zip(x, y) {
                #expect(p.gPlus.map(\.bitPattern) == q.gPlus.map(\.bitPattern) && p.gMinus.map(\.bitPattern) == q.gMinus.map(\.bitPattern))
                #expect(p.targetPlus == q.targetPlus && p.targetMinus == q.targetMinus)
            }
        }
        #expect(a.accumulators.map { $0.map(\.bitPattern) } == b.accumulators.map { $0.map(\.bitPattern) })
        #expect(a.writes == b.writes && a.writeStatistics.totalWrites > 0)
        #expect(a.engine.noise == b.engine.noise)
        #expect(a.programRNG == b.programRNG)
        #expect(resumed.epochs.map(\.testAccuracy) == straight.epochs.map(\.testAccuracy))
        #expect(resumed.epochs.map(\.totalWrites) == straight.epochs.map(\.totalWrites))
    }

    @Test("join and split of group crossbars are exact inverses; a stuck mask of one group joins with zeros for the others")
    func joinSplit() throws {
        var net = try Network(architecture: Self.separable, seed: 2)
        var c = OnChipConfig(rule: .mixedPrecision)
        c.customDevice = DevicePreset.brram2bit.model
        c.customDevice?.stuckRate = 0.05
        let chip = try ChipTrainingState(config: c, network: &net, seed: 2)
        let parts = chip.engine.grouped[2]!
        let whole = try CrossbarLayer(joiningColumns: parts)
        #expect(whole.inputs == 9 && whole.outputs == 8 && !whole.stuckPlus.isEmpty)
        #expect(whole.gPlus == CrossbarLayer.joinedColumns(parts.map(\.gPlus), rows: 9))
        let back = try whole.splitColumns(into: 8)
        for (p, q) in zip(parts, back) {
            #expect(p.gPlus == q.gPlus && p.gMinus == q.gMinus && p.targetPlus == q.targetPlus && p.targetMinus == q.targetMinus)
            #expect(p.stuckPlus == q.stuckPlus && p.stuckMinus == q.stuckMinus)
        }
        // 2×1 crossbars: one with a device stuck, one without
        let spec = parts[0].spec, g: [Float] = [10, 20]
        let stuck = try CrossbarLayer(inputs: 2, outputs: 1, spec: spec, weightPerMicroSiemens: 1, gPlus: g, gMinus: g, targetPlus: g,
                                      targetMinus: g, stuckPlus: [0, 2])
        let free = try CrossbarLayer(inputs: 2, outputs: 1, spec: spec, weightPerMicroSiemens: 1, gPlus: g, gMinus: g, targetPlus: g, targetMinus: g)
        let joined = try CrossbarLayer(joiningColumns: [free, stuck])
        #expect(joined.stuckPlus == [0, 0, 0, 2] && joined.stuckMinus.isEmpty && joined.gPlus == [10, 10, 20, 20])
        #expect(throws: CIMError.self) { try CrossbarLayer(joiningColumns: [free, parts[0]]) }
        #expect(throws: CIMError.self) { try whole.splitColumns(into: 3) }
    }
}
