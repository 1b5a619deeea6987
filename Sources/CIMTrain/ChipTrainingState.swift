import CIMCore
import CIMCrossbar
import CIMDevice
import CIMNetwork

/// Everything an on-chip run keeps besides the network and the optimizer: the chip (as a
/// ``ChipEngine``), the digital accumulators ΔW, per-weight write counters and the random
/// streams of programming and read noise. All of it is saved in checkpoints.
///
/// Initial state as on the chip (Wu et al. 2023): every device is programmed to the level
/// nearest a uniform draw in [gMin, initialMax] µS, the pairs are read back (with read noise),
/// and the readings, scaled, become the digital weights W_FP. The scale of a layer with fan-in
/// F is `weightPerMicroSiemens = R · (1/√F) / (gMax − gMin)`: a pair spans ±R/√F. By default
/// R = (gMax − gMin)/(initialMax − gMin), so the initial weights span PyTorch's default range
/// ±1/√F (our choice: the paper does not state its scale; ``OnChipConfig/weightRange`` sets R).
public struct ChipTrainingState: Sendable {
    public let config: OnChipConfig
    /// The chip that computes the forward products.
    public var engine: ChipEngine
    /// Indices of the weighted layers.
    public let weightedLayers: [Int]
    /// Ranges in the parameter vector of the layers that have parameters but no crossbar (an
    /// affine layer's scale and shift): updated digitally, like the biases.
    public let digitalParameters: [Range<Int>]
    /// ΔW of each weighted layer, `[out, in]` (the network's layout), by position in
    /// ``weightedLayers``.
    public internal(set) var accumulators: [[Float]]
    /// Writes per weight, `[out, in]`, by position in ``weightedLayers``.
    public internal(set) var writes: [[UInt32]]
    public internal(set) var attempts = 0
    public internal(set) var pulses = 0
    /// Write attempts of the initial programming (not counted as training writes).
    public internal(set) var initialAttempts = 0
    /// Programming error and read-back noise of writes.
    public internal(set) var programRNG: RandomGenerator
    /// Pulse rule: per-device step factors (device-to-device variation), `[in, out]` like
    /// the crossbar, by position in ``weightedLayers``.
    var factorsPlus: [[Float]] = [], factorsMinus: [[Float]] = []

    /// Builds and programs the chip for `network` and replaces its weights by the read-back
    /// digital weights W_FP. With `keepWeights` (fine-tuning given weights, `cim train --init`)
    /// every pair is instead written (write-and-verify) to the nearest levels of the network's
    /// own weight, each layer's scale widened when its largest |w| exceeds the default range,
    /// and W_FP keeps the given weights.
    public init(config: OnChipConfig, network: inout Network, seed: UInt64, keepWeights: Bool = false) throws(CIMError) {
        try config.validate()
        let spec = try config.chipSpec()
        self.config = config
        var rng = RandomGenerator(seed: seed, stream: "chip/program")
        var layers = [CrossbarLayer?](repeating: nil, count: network.architecture.layers.count)
        var weighted: [Int] = []
        var params = network.parameters
        let pulse = config.pulseDevice()
        var attempts = 0
        if keepWeights, pulse != nil {
            throw .invalidConfig(field: "--init", reason: "programming given weights onto a pulse-programmed chip is not supported yet")
        }
        for (i, layer) in network.architecture.layers.enumerated() {
            guard let (fanIn, out) = layer.matrixShape else { continue }
            if case let .convolution(c) = layer, c.groups != 1 {
                throw .invalidConfig(field: "model", reason: "layer \(i) (\(layer)): grouped convolutions cannot be trained on a chip yet")
            }
            weighted.append(i)
            let bound = 1 / Double(fanIn).squareRoot()
            let window = spec.device.gMaxMicroSiemens - spec.device.gMinMicroSiemens
            let range = config.weightRange ?? window / (spec.device.initialMaxMicroSiemens - spec.device.gMinMicroSiemens)
            let given = params[network.offsets[i]..<(network.offsets[i] + fanIn * out)]
            let largest = keepWeights ? Double(given.map { abs($0) }.max() ?? 0) : 0
            let scale = Float(max(range * bound, largest) / window)
            var xl = CrossbarLayer(inputs: fanIn, outputs: out, spec: spec, weightPerMicroSiemens: scale)
            attempts += xl.initialize(rng: &rng)
            if keepWeights {
                let pair = PairTargets(device: spec.device)
                for o in 0..<out {
                    for k in 0..<fanIn {
                        let index = k * out + o
                        let t = pair.targets(plus: xl.targetPlus[index], minus: xl.targetMinus[index],
                                             difference: Double(given[network.offsets[i] + o * fanIn + k] / scale))
                        attempts += xl.program(index, plus: t.plus, minus: t.minus, rng: &rng).trials
                    }
                }
                layers[i] = xl
                continue
            }
            if let pulse {
                factorsPlus.append(pulse.makeDeviceFactors(count: fanIn * out, rng: &rng))
                factorsMinus.append(pulse.makeDeviceFactors(count: fanIn * out, rng: &rng))
            }
            var reader: RandomGenerator? = rng
            let w = xl.readWeights(rng: &reader)
            rng = reader!
            params.replaceSubrange(network.offsets[i]..<(network.offsets[i] + w.count), with: w)
            layers[i] = xl
        }
        try network.setParameters(params)
        weightedLayers = weighted
        digitalParameters = Self.digitalRanges(network.architecture)
        engine = ChipEngine(layers: layers, noise: NormalStream(seed: seed, stream: "chip/read-noise"))
        accumulators = weighted.map { [Float](repeating: 0, count: layers[$0]!.inputs * layers[$0]!.outputs) }
        writes = weighted.map { [UInt32](repeating: 0, count: layers[$0]!.inputs * layers[$0]!.outputs) }
        programRNG = rng
        initialAttempts = attempts
    }

    /// The write statistics so far.
    public var writeStatistics: WriteStatistics {
        WriteStatistics(perWeight: Dictionary(uniqueKeysWithValues: zip(weightedLayers, writes)), attempts: attempts, pulses: pulses)
    }

    /// The parameter ranges of `architecture`'s layers that have parameters but no weight matrix.
    static func digitalRanges(_ architecture: Architecture) -> [Range<Int>] {
        var out: [Range<Int>] = [], offset = 0
        for layer in architecture.layers {
            if layer.matrixShape == nil, layer.parameterCount > 0 { out.append(offset..<(offset + layer.parameterCount)) }
            offset += layer.parameterCount
        }
        return out
    }

    /// Applies one optimizer update: biases and affine layers digitally; weights by the
    /// configured rule. `parameters` are the network's (W_FP, biases, affine scales and
    /// shifts), updated in place.
    public mutating func apply(update: [Float], to parameters: inout [Float], offsets: [Int]) {
        for range in digitalParameters { for k in range { parameters[k] += update[k] } }
        for (pos, layer) in weightedLayers.enumerated() {
            let xl = engine.layers[layer]!
            let count = xl.inputs * xl.outputs
            let w0 = offsets[layer]
            for b in (w0 + count)..<(w0 + count + xl.outputs) { parameters[b] += update[b] }
            switch config.rule {
            case .mixedPrecision: applyMixedPrecision(pos, layer, update: update, parameters: &parameters, at: w0)
            case .naive: applyNaive(pos, layer, update: update, parameters: &parameters, at: w0)
            case .mixedPrecisionPulse: applyPulses(pos, layer, update: update, parameters: &parameters, at: w0)
            case .digital: preconditionFailure("ChipTrainingState with the digital rule")
            }
        }
    }
}


extension ChipTrainingState {
    /// The `onChip` part of `training.json`.
    public var summary: OnChipSummary {
        var tiles: [String: OnChipSummary.TileUse] = [:]
        for l in weightedLayers {
            let x = engine.layers[l]!
            tiles[String(l)] = .init(inputs: x.inputs, outputs: x.outputs, rowBlocks: x.rowBlocks, columnBlocks: x.columnBlocks,
                                     tiles: x.tileCount, weightPerMicroSiemens: x.weightPerMicroSiemens)
        }
        let spec = engine.layers[weightedLayers[0]]!.spec
        return OnChipSummary(rule: config.rule, threshold: config.threshold, chip: spec, tilesByLayer: tiles,
                             tiles: engine.tileCount, physicalTiles: spec.tileCount, writes: writeStatistics,
                             initialProgrammingAttempts: initialAttempts)
    }
}
