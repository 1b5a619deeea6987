import CIMCore
import CIMCrossbar
import CIMDevice
import CIMNetwork

/// The chip a hardware-aware run trains for, realised afresh for every batch
/// (`cim train --rule hardware-aware`; noise-injection training after Joshi et al.,
/// Nat. Commun. 11, 2473 (2020), and IBM aihwkit's hardware-aware training, Rasch et al.,
/// Nat. Commun. 14, 5282 (2023)).
///
/// For batch (optimizer step) `s`, ``realise(parameters:step:)`` turns the digital FP32 weights W
/// into the chip the exporter and the evaluator would make of them:
///
/// 1. **Mapping, as `cim export` does it** (CIMMap's `Quantizer`, one scale per layer, no
///    `--calibrate`): `scale = max|W_layer| / (gMax − gMin)` (weight units per µS; a grouped
///    layer's groups share it), `d = w / scale` µS, rounded to whole levels
///    `k = clamp(round(d/Δ), ±(levels − 1))` (a continuous device: `d` clamped to ±(gMax − gMin)),
///    and the pair `G⁺ = gMin + max(k, 0)·Δ`, `G⁻ = gMin + max(−k, 0)·Δ`. Nothing clips: the
///    largest weight sets the scale. CIMTrain cannot import CIMMap (they are peers); both take the
///    pair from ``DeviceModel/pair(holding:)``, and a test in CIMMapTests checks them against each other.
/// 2. **Programming, as `cim evaluate` does it**, through the one programming path's bulk entry
///    (``DeviceProgrammer/programBulk(_:seconds:streams:)``): every device lands at `max(0, target + K·σ(target)·z)` (K =
///    ``HardwareAwareConfig/noiseScale``, σ the device's constant, polynomial-in-G or per-level
///    programming σ), is read back with `+ σ_read·z′`, and is re-drawn while the read-back misses
///    the target by more than the verify tolerance, up to `maxWriteTrials` attempts: exactly the
///    write-and-verify distribution, with the normals taken from a vectorised
///    ``NormalStream`` instead of one scalar draw each. Stuck devices (``DeviceModel/stuckRate``)
///    are drawn anew each batch.
/// 3. **Time** (``HardwareAwareConfig/driftSeconds``): each device drifts with its own exponent
///    and gains the accumulated 1/f read noise (``DeviceModel/conductance(programmed:nu:seconds:readNoise:)``);
///    without a drift time the devices are read right after programming (only bounded).
/// 4. **Periphery**: the batch's products run on ``CrossbarLayer``s holding these conductances,
///    the same product as the evaluator's (DAC, tiles, read and ADC noise, ADC), with read and
///    ADC noise from a stream of the batch.
///
/// The realised weights `W̃ = scale · (G⁺ − G⁻)` are returned too: the trainer puts them into the
/// network for the backward pass (see ``Trainer``). Every stream is named by (seed, step), so a
/// batch's chip depends only on the seed and the step: fresh every batch, identical on a re-run
/// or a resume, and no state to checkpoint.
public struct HardwareAwareChip: Sendable {
    public let config: HardwareAwareConfig
    /// The chip in force (ideal periphery when configured).
    public let spec: ChipSpec
    /// The device with its programming σ scaled by the noise scale.
    public let device: DeviceModel
    /// Seed of every stream.
    public let seed: UInt64
    /// Per weighted layer: its index, fan-in, outputs, groups and first parameter.
    let layers: [(index: Int, inputs: Int, outputs: Int, groups: Int, offset: Int)]
    let layerCount: Int

    /// The chip for `architecture`'s weighted layers (every weighted layer is mapped, grouped
    /// convolutions group by group, as the exporter maps them).
    public init(config: HardwareAwareConfig, architecture: Architecture, seed: UInt64) throws(CIMError) {
        try config.validate()
        self.config = config
        spec = try config.chipSpec()
        device = Self.scaled(spec.device, by: config.noiseScale)
        self.seed = seed
        var out: [(index: Int, inputs: Int, outputs: Int, groups: Int, offset: Int)] = []
        var offset = 0
        for (i, layer) in architecture.layers.enumerated() {
            if let (fanIn, oc) = layer.matrixShape { out.append((i, fanIn, oc, layer.groups, offset)) }
            offset += layer.parameterCount
        }
        guard !out.isEmpty else { throw .invalidConfig(field: "model", reason: "\(architecture.name) has no weighted layers to map onto a chip") }
        layers = out
        layerCount = architecture.layers.count
    }

    /// `d` with every form of programming σ multiplied by `k`.
    static func scaled(_ d: DeviceModel, by k: Double) -> DeviceModel {
        var d = d
        d.programmingSigmaMicroSiemens *= k
        d.programmingSigmaPolynomialMicroSiemens = d.programmingSigmaPolynomialMicroSiemens?.map { $0 * k }
        d.programmingSigmaPerLevelMicroSiemens = d.programmingSigmaPerLevelMicroSiemens?.map { $0 * k }
        return d
    }

    /// The chip of batch `step` for the weights in `parameters` (the network's vector): the
    /// engine that computes the batch's products, and `parameters` with every mapped weight
    /// replaced by the weight its devices hold (`W̃`; biases and other parameters unchanged).
    public func realise(parameters: [Float], step: Int) throws(CIMError) -> (engine: ChipEngine, parameters: [Float]) {
        // every stream named by (seed, step); the devices programmed by the one programming path's bulk entry
        var streams = DeviceProgrammer.BulkStreams(seed: seed, prefix: "hardware-aware/step-\(step)/")
        let programmer = DeviceProgrammer(device: device)
        var realised = parameters
        var crossbars = [CrossbarLayer?](repeating: nil, count: layerCount)
        var grouped: [Int: [CrossbarLayer]] = [:]
        for l in layers {
            let n = l.inputs * l.outputs
            let w = parameters[l.offset..<(l.offset + n)]
            let mapped = Self.map(w, device: device)
            let width = l.outputs / l.groups
            var parts: [CrossbarLayer] = []
            for j in 0..<l.groups {
                // group j: rows j·width ..< (j+1)·width of the layer's [out, in] weights, as a [in, width] crossbar
                var tp = [Float](repeating: 0, count: l.inputs * width), tm = tp
                for o in 0..<width {
                    let row = (j * width + o) * l.inputs
                    for i in 0..<l.inputs {
                        tp[i * width + o] = mapped.plus[row + i]
                        tm[i * width + o] = mapped.minus[row + i]
                    }
                }
                let gp = programmer.programBulk(tp, seconds: config.driftSeconds, streams: &streams)
                let gm = programmer.programBulk(tm, seconds: config.driftSeconds, streams: &streams)
                let scale = Float(mapped.weightPerMicroSiemens)
                for o in 0..<width {
                    let row = l.offset + (j * width + o) * l.inputs
                    for i in 0..<l.inputs { realised[row + i] = scale * (gp[i * width + o] - gm[i * width + o]) }
                }
                parts.append(try CrossbarLayer(inputs: l.inputs, outputs: width, spec: spec, weightPerMicroSiemens: scale,
                                               gPlus: gp, gMinus: gm, targetPlus: tp, targetMinus: tm))
            }
            if l.groups == 1 { crossbars[l.index] = parts[0] } else { grouped[l.index] = parts }
        }
        let engine = ChipEngine(layers: crossbars, noise: NormalStream(seed: seed, stream: "hardware-aware/step-\(step)/read"), grouped: grouped)
        return (engine, realised)
    }

    /// A layer's weights (`[out, in]`) as pair targets (µS, same layout) and the layer's scale
    /// (weight units per µS), exactly as CIMMap's `Quantizer` computes them without column scales.
    public static func map(_ weights: ArraySlice<Float>, device: DeviceModel) -> (plus: [Float], minus: [Float], weightPerMicroSiemens: Double) {
        let width = device.gMaxMicroSiemens - device.gMinMicroSiemens
        let maxAbs = Double(weights.reduce(Float(0)) { max($0, abs($1)) })
        let scale = maxAbs > 0 ? maxAbs / width : 1 / width
        var plus = [Float](repeating: 0, count: weights.count), minus = plus
        for (k, w) in weights.enumerated() {
            let p = device.pair(holding: Double(w) / scale)
            (plus[k], minus[k]) = (Float(p.plus), Float(p.minus))
        }
        return (plus, minus, scale)
    }
}
