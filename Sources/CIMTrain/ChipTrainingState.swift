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
    /// Pulse rule: per-device step factors (device-to-device variation), `[fanIn, OC]` like
    /// the layer's whole crossbar matrix (a grouped layer's groups side by side), by position in
    /// ``weightedLayers``.
    var factorsPlus: [[Float]] = [], factorsMinus: [[Float]] = []

    /// Builds and programs the chip for `network` and replaces its weights by the read-back
    /// digital weights W_FP. With `keepWeights` (fine-tuning given weights, `cim train --init`)
    /// every pair is instead written (write-and-verify) to the nearest levels of the network's
    /// own weight, each layer's scale widened when its largest |w| exceeds the default range,
    /// and W_FP keeps the given weights.
    ///
    /// A grouped (or depthwise) convolution with g groups gets g crossbars of
    /// `fanIn × OC/g` (``ChipEngine/grouped``), one scale for the whole layer (F = its fan-in
    /// KH·KW·C/g); group j holds rows `j·OC/g ..< (j+1)·OC/g` of the layer's `[OC, fanIn]`
    /// weights, and the groups are programmed in order, as one crossbar would be.
    public init(config: OnChipConfig, network: inout Network, seed: UInt64, keepWeights: Bool = false) throws(CIMError) {
        try config.validate()
        let spec = try config.chipSpec()
        self.config = config
        var rng = RandomGenerator(seed: seed, stream: "chip/program")
        var layers = [CrossbarLayer?](repeating: nil, count: network.architecture.layers.count)
        var grouped: [Int: [CrossbarLayer]] = [:]
        var weighted: [Int] = []
        var params = network.parameters
        let pulse = config.pulseDevice()
        var attempts = 0
        if keepWeights, pulse != nil {
            throw .invalidConfig(field: "--init", reason: "programming given weights onto a pulse-programmed chip is not supported yet")
        }
        for (i, layer) in network.architecture.layers.enumerated() {
            guard let (fanIn, out) = layer.matrixShape else { continue }
            weighted.append(i)
            let groups = layer.groups, width = out / groups
            let bound = 1 / Double(fanIn).squareRoot()
            let window = spec.device.gMaxMicroSiemens - spec.device.gMinMicroSiemens
            let range = config.weightRange ?? window / (spec.device.initialMaxMicroSiemens - spec.device.gMinMicroSiemens)
            let w0 = network.offsets[i]
            let given = params[w0..<(w0 + fanIn * out)]
            let largest = keepWeights ? Double(given.map { abs($0) }.max() ?? 0) : 0
            let scale = Float(max(range * bound, largest) / window)
            var parts = (0..<groups).map { _ in CrossbarLayer(inputs: fanIn, outputs: width, spec: spec, weightPerMicroSiemens: scale) }
            for j in parts.indices { attempts += parts[j].initialize(rng: &rng) }
            if keepWeights {
                let pair = PairTargets(device: spec.device)
                for j in parts.indices {
                    let base = w0 + j * width * fanIn  // group j's rows of the layer's [out, in] weights
                    for o in 0..<width {
                        for k in 0..<fanIn {
                            let index = k * width + o
                            let t = pair.targets(plus: parts[j].targetPlus[index], minus: parts[j].targetMinus[index],
                                                 difference: Double(given[base + o * fanIn + k] / scale))
                            attempts += parts[j].program(index, plus: t.plus, minus: t.minus, rng: &rng).trials
                        }
                    }
                }
            } else {
                if let pulse {
                    factorsPlus.append(pulse.makeDeviceFactors(count: fanIn * out, rng: &rng))
                    factorsMinus.append(pulse.makeDeviceFactors(count: fanIn * out, rng: &rng))
                }
                var reader: RandomGenerator? = rng
                for j in parts.indices {
                    let w = parts[j].readWeights(rng: &reader)
                    params.replaceSubrange((w0 + j * w.count)..<(w0 + (j + 1) * w.count), with: w)
                }
                rng = reader!
            }
            if groups == 1 { layers[i] = parts[0] } else { grouped[i] = parts }
        }
        try network.setParameters(params)
        weightedLayers = weighted
        digitalParameters = Self.digitalRanges(network.architecture)
        engine = ChipEngine(layers: layers, noise: NormalStream(seed: seed, stream: "chip/read-noise"), grouped: grouped)
        let sizes = weighted.map { network.architecture.layers[$0].matrixShape.map { $0.inputs * $0.outputs }! }
        accumulators = sizes.map { [Float](repeating: 0, count: $0) }
        writes = sizes.map { [UInt32](repeating: 0, count: $0) }
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
    /// configured rule, crossbar by crossbar (a grouped layer group by group, each with its rows
    /// of the layer's update). `parameters` are the network's (W_FP, biases, affine scales and
    /// shifts), updated in place.
    public mutating func apply(update: [Float], to parameters: inout [Float], offsets: [Int]) {
        for range in digitalParameters { for k in range { parameters[k] += update[k] } }
        for (pos, layer) in weightedLayers.enumerated() {
            let w0 = offsets[layer], count = accumulators[pos].count
            let outputs = count / (engine.layers[layer]?.inputs ?? engine.grouped[layer]![0].inputs)
            for b in (w0 + count)..<(w0 + count + outputs) { parameters[b] += update[b] }
            if var xl = engine.layers[layer] {
                engine.layers[layer] = nil  // keep the crossbar uniquely referenced while writing
                applyRule(CrossbarSlice(pos: pos, weights: w0, group: 0, inputs: xl.inputs, outputs: xl.outputs, layerOutputs: xl.outputs),
                          &xl, update: update, parameters: &parameters)
                engine.layers[layer] = xl
            } else {
                var parts = engine.grouped.removeValue(forKey: layer)!
                for j in parts.indices {
                    applyRule(CrossbarSlice(pos: pos, weights: w0, group: j, inputs: parts[j].inputs, outputs: parts[j].outputs, layerOutputs: outputs),
                              &parts[j], update: update, parameters: &parameters)
                }
                engine.grouped[layer] = parts
            }
        }
    }

    /// The configured rule on one crossbar.
    private mutating func applyRule(_ slice: CrossbarSlice, _ xl: inout CrossbarLayer, update: [Float], parameters: inout [Float]) {
        switch config.rule {
        case .mixedPrecision: applyMixedPrecision(slice, &xl, update: update, parameters: &parameters)
        case .naive: applyNaive(slice, &xl, update: update, parameters: &parameters)
        case .mixedPrecisionPulse: applyPulses(slice, &xl, update: update, parameters: &parameters)
        case .digital, .hardwareAware: preconditionFailure("ChipTrainingState with the \(config.rule.rawValue) rule")
        }
    }
}


extension ChipTrainingState {
    /// The `onChip` part of `training.json`.
    public var summary: OnChipSummary {
        var tiles: [String: OnChipSummary.TileUse] = [:]
        for l in weightedLayers {
            let parts = engine.crossbars(of: l), x = parts[0]
            tiles[String(l)] = .init(inputs: x.inputs, outputs: parts.reduce(0) { $0 + $1.outputs }, rowBlocks: x.rowBlocks,
                                     columnBlocks: parts.reduce(0) { $0 + $1.columnBlocks }, tiles: parts.reduce(0) { $0 + $1.tileCount },
                                     weightPerMicroSiemens: x.weightPerMicroSiemens, groups: parts.count == 1 ? nil : parts.count)
        }
        let spec = engine.crossbars(of: weightedLayers[0])[0].spec
        return OnChipSummary(rule: config.rule, threshold: config.threshold, chip: spec, tilesByLayer: tiles,
                             tiles: engine.tileCount, physicalTiles: spec.tileCount, writes: writeStatistics,
                             initialProgrammingAttempts: initialAttempts)
    }
}
