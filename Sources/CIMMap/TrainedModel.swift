import CIMCore
import CIMNetwork
import Foundation

/// A trained model as the mapper takes it: the network (digital weights and biases), and for
/// an on-chip run the training chip as it ended, plus provenance.
public struct TrainedModel: Sendable {
    public var network: Network
    /// The training chip (on-chip runs only).
    public var source: SourceChip?
    /// JSON texts: `training_config`, `dataset_sha256`, `training_metrics` (when a
    /// `training.json` sits next to the weights), `weights_metadata`.
    public var provenance: [String: String]
    /// The training seed (0 if unknown).
    public var seed: UInt64
    /// How inputs are prepared (and a normalisation folded into the first layer at import).
    public var preprocessing: InputPreprocessing

    public init(network: Network, source: SourceChip? = nil, provenance: [String: String] = [:], seed: UInt64 = 0,
                preprocessing: InputPreprocessing = InputPreprocessing()) {
        self.network = network
        self.preprocessing = preprocessing
        self.source = source
        self.provenance = provenance
        self.seed = seed
    }

    /// Reads `model.safetensors` (digital or on-chip, `schemas/weights-v1.md`) and, if present,
    /// the `training.json` next to it.
    public static func load(path: String) throws(CIMError) -> TrainedModel {
        let archive = try TensorArchive.read(path: path)
        let network = try WeightsFile.network(from: archive, path: path)
        let meta = archive.metadata
        var provenance: [String: String] = [:]
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        if let text = try? encoder.encode(meta) { provenance["weights_metadata"] = String(decoding: text, as: UTF8.self) }
        let recordPath = (path as NSString).deletingLastPathComponent + "/training.json"
        if let data = FileManager.default.contents(atPath: recordPath),
           let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] {
            func json(_ key: String) -> String? {
                guard let v = object[key], let d = try? JSONSerialization.data(withJSONObject: v, options: [.sortedKeys]) else { return nil }
                return String(decoding: d, as: UTF8.self)
            }
            provenance["training_config"] = json("config")
            provenance["dataset_sha256"] = (object["dataset"] as? [String: Any]).flatMap { d in
                (try? JSONSerialization.data(withJSONObject: d["sha256"] ?? [:], options: [.sortedKeys])).map { String(decoding: $0, as: UTF8.self) }
            }
            let metrics: [String: Any] = ["finalTestAccuracy": object["finalTestAccuracy"] ?? NSNull(),
                                          "bestTestAccuracy": object["bestTestAccuracy"] ?? NSNull(),
                                          "epochs": object["epochs"] ?? [], "onChip": object["onChip"] ?? NSNull()]
            if let d = try? JSONSerialization.data(withJSONObject: metrics, options: [.sortedKeys]) {
                provenance["training_metrics"] = String(decoding: d, as: UTF8.self)
            }
        }
        var source: SourceChip?
        if let spec = meta["chip"] {
            var layers: [Int: SourceChip.SourceLayer] = [:]
            for (i, layer) in network.architecture.layers.enumerated() {
                guard let (rows, cols) = layer.matrixShape else { continue }
                let p = "chip.layers.\(i).", shape = [rows, cols]
                let scale = try archive.floats(p + "weight_per_microsiemens", shape: [1], path: path)[0]
                layers[i] = .init(gPlus: try archive.floats(p + "g_plus", shape: shape, path: path),
                                  gMinus: try archive.floats(p + "g_minus", shape: shape, path: path),
                                  targetPlus: try archive.floats(p + "target_plus", shape: shape, path: path),
                                  targetMinus: try archive.floats(p + "target_minus", shape: shape, path: path),
                                  weightPerMicroSiemens: scale)
                for (name, a) in [("g_plus", layers[i]!.gPlus), ("g_minus", layers[i]!.gMinus)] {
                    if let bad = a.first(where: { !$0.isFinite || $0 < 0 }) {
                        throw CIMError.format(path: path, reason: "tensor \(p + name) holds \(bad) µS (conductances must be finite and ≥ 0)")
                    }
                }
            }
            source = SourceChip(specJSON: spec, rule: meta["rule"] ?? "unknown", layers: layers)
        }
        return TrainedModel(network: network, source: source, provenance: provenance, seed: UInt64(meta["seed"] ?? "") ?? 0,
                            preprocessing: InputPreprocessing.from(metadata: meta))
    }

    /// The weights of weighted layer `index` in the network's layout `[out, in]`: the digital
    /// ones, or read back from the training chip (programmed conductances or their targets).
    public func weights(layer index: Int, from which: MappingConfig.WeightSource) -> [Float] {
        let off = network.offsets[index]
        guard let (rows, cols) = network.architecture.layers[index].matrixShape else { return [] }
        guard which != .digital, let s = source?.layers[index] else {
            return Array(network.parameters[off..<(off + rows * cols)])
        }
        let (p, m) = which == .programmed ? (s.gPlus, s.gMinus) : (s.targetPlus, s.targetMinus)
        var w = [Float](repeating: 0, count: rows * cols)
        for r in 0..<rows { for c in 0..<cols { w[c * rows + r] = s.weightPerMicroSiemens * (p[r * cols + c] - m[r * cols + c]) } }
        return w
    }

    /// The affine layers' scales and shifts (digital; they do not map onto tiles).
    public func affineLayers() -> [AffineLayerImage] {
        network.architecture.layers.indices.compactMap { i in
            guard case let .affine(c) = network.architecture.layers[i] else { return nil }
            let off = network.offsets[i]
            return AffineLayerImage(index: i, scale: Array(network.parameters[off..<(off + c)]),
                                    shift: Array(network.parameters[(off + c)..<(off + 2 * c)]))
        }
    }

    /// The digital bias of weighted layer `index`.
    public func bias(layer index: Int) -> [Float] {
        guard let (rows, cols) = network.architecture.layers[index].matrixShape else { return [] }
        let off = network.offsets[index] + rows * cols
        return Array(network.parameters[off..<(off + cols)])
    }
}
