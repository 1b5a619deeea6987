import CIMCore
import CIMCrossbar
import CIMNetwork
import Foundation

extension ChipTrainingState {
    /// Adds the chip's state to an archive: per weighted layer `i`, `chip.layers.<i>.g_plus`,
    /// `g_minus`, `target_plus`, `target_minus` (µS, `[inputs, outputs]`),
    /// `weight_per_microsiemens` (`[1]`), and, when present, `stuck_plus`/`stuck_minus` (u8).
    /// With `training: true` also ΔW (`accumulator`, `[out, in]`), `writes` (u32) and the pulse
    /// factors, the noise stream (`chip.read_noise_state`) and, in the metadata, the counters
    /// and the programming generator. A grouped layer is stored as its whole `[inputs, outputs]`
    /// matrix, the groups' crossbars side by side (group j = columns `j·outputs/g ..< (j+1)·outputs/g`),
    /// as a chip image stores it; ``init(restoring:config:architecture:path:)`` cuts it again.
    public func save(into archive: inout TensorArchive, training: Bool) throws {
        for (pos, l) in weightedLayers.enumerated() {
            let x = try engine.layers[l] ?? CrossbarLayer(joiningColumns: engine.grouped[l]!)
            let p = "chip.layers.\(l)."
            let shape = [x.inputs, x.outputs]
            archive.add(p + "g_plus", shape: shape, x.gPlus)
            archive.add(p + "g_minus", shape: shape, x.gMinus)
            archive.add(p + "target_plus", shape: shape, x.targetPlus)
            archive.add(p + "target_minus", shape: shape, x.targetMinus)
            archive.add(p + "weight_per_microsiemens", shape: [1], [x.weightPerMicroSiemens])
            if !x.stuckPlus.isEmpty { archive.add(p + "stuck_plus", shape: shape, x.stuckPlus) }
            if !x.stuckMinus.isEmpty { archive.add(p + "stuck_minus", shape: shape, x.stuckMinus) }
            guard training else { continue }
            archive.add(p + "accumulator", shape: [x.outputs, x.inputs], accumulators[pos])
            archive.add(p + "writes", shape: [x.outputs, x.inputs], writes[pos])
            if !factorsPlus.isEmpty {
                archive.add(p + "factors_plus", shape: shape, factorsPlus[pos])
                archive.add(p + "factors_minus", shape: shape, factorsMinus[pos])
            }
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let spec = engine.crossbars(of: weightedLayers[0])[0].spec
        archive.metadata["chip"] = String(decoding: try encoder.encode(spec), as: UTF8.self)
        archive.metadata["rule"] = config.rule.rawValue
        guard training else { return }
        if let noise = engine.noise { archive.add("chip.read_noise_state", shape: [noise.state.count], noise.state) }
        archive.metadata["chip.program_rng"] = String(decoding: try encoder.encode(programRNG), as: UTF8.self)
        archive.metadata["chip.counters"] = "\(attempts) \(pulses) \(initialAttempts)"
    }

    /// The state saved by ``save(into:training:)`` with `training: true`.
    init(restoring archive: TensorArchive, config: OnChipConfig, architecture: Architecture, path: String) throws(CIMError) {
        func fail(_ why: String) -> CIMError { .format(path: path, reason: why) }
        let spec = try config.chipSpec()
        self.config = config
        var layers = [CrossbarLayer?](repeating: nil, count: architecture.layers.count)
        var grouped: [Int: [CrossbarLayer]] = [:]
        var weighted: [Int] = [], acc: [[Float]] = [], writes: [[UInt32]] = [], fp: [[Float]] = [], fm: [[Float]] = []
        for (l, layer) in architecture.layers.enumerated() {
            guard let (nin, nout) = layer.matrixShape else { continue }
            let p = "chip.layers.\(l).", shape = [nin, nout]
            let scale = try archive.floats(p + "weight_per_microsiemens", shape: [1], path: path)[0]
            let stuckPlus = archive.entries[p + "stuck_plus"] == nil ? [] : try archive.uint8s(p + "stuck_plus", shape: shape, path: path)
            let stuckMinus = archive.entries[p + "stuck_minus"] == nil ? [] : try archive.uint8s(p + "stuck_minus", shape: shape, path: path)
            do {
                let whole = try CrossbarLayer(
                    inputs: nin, outputs: nout, spec: spec, weightPerMicroSiemens: scale,
                    gPlus: try archive.floats(p + "g_plus", shape: shape, path: path),
                    gMinus: try archive.floats(p + "g_minus", shape: shape, path: path),
                    targetPlus: try archive.floats(p + "target_plus", shape: shape, path: path),
                    targetMinus: try archive.floats(p + "target_minus", shape: shape, path: path),
                    stuckPlus: stuckPlus, stuckMinus: stuckMinus)
                if layer.groups == 1 { layers[l] = whole } else { grouped[l] = try whole.splitColumns(into: layer.groups) }
            } catch {
                throw fail("layer \(l): \(error.description)")
            }
            weighted.append(l)
            acc.append(try archive.floats(p + "accumulator", shape: [nout, nin], path: path))
            writes.append(try archive.uint32s(p + "writes", shape: [nout, nin], path: path))
            if config.rule == .mixedPrecisionPulse {
                fp.append(try archive.floats(p + "factors_plus", shape: shape, path: path))
                fm.append(try archive.floats(p + "factors_minus", shape: shape, path: path))
            }
        }
        guard !weighted.isEmpty else { throw fail("no weighted layers") }
        let noiseState = try archive.uint64s("chip.read_noise_state", shape: [64], path: path)
        var noise = NormalStream(seed: 0, stream: "")
        noise.restore(state: noiseState)
        guard let rngText = archive.metadata["chip.program_rng"],
              let rng = try? JSONDecoder().decode(RandomGenerator.self, from: Data(rngText.utf8)) else {
            throw fail("metadata chip.program_rng is missing or invalid")
        }
        let counters = (archive.metadata["chip.counters"] ?? "").split(separator: " ").compactMap { Int($0) }
        guard counters.count == 3 else { throw fail("metadata chip.counters is missing or invalid") }
        engine = ChipEngine(layers: layers, noise: noise, grouped: grouped)
        weightedLayers = weighted
        digitalParameters = Self.digitalRanges(architecture)
        accumulators = acc
        self.writes = writes
        factorsPlus = fp
        factorsMinus = fm
        programRNG = rng
        attempts = counters[0]; pulses = counters[1]; initialAttempts = counters[2]
    }
}
