import CIMCore
import CIMData
import CIMNetwork
import Foundation

extension Trainer {
    /// Version of the checkpoint content (metadata key `checkpoint`): "1", or "2" when an
    /// epoch's evaluation was still running (``runEpochOverlapped(_:progress:)``) and the
    /// metadata key `pending_epoch` holds that epoch's training record (test fields "nan"); a
    /// resume evaluates it first, from the saved state (which is that epoch's end).
    public static let checkpointVersion = "1"
    static let checkpointVersions: Set<String> = ["1", "2"]

    /// JSON for a pending epoch record (its test fields are NaN).
    static func pendingCoders() -> (JSONEncoder, JSONDecoder) {
        let encoder = JSONEncoder(), decoder = JSONDecoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return (encoder, decoder)
    }

    /// Everything needed to continue the run bit-identically: a weights archive (network
    /// tensors, so the file also loads as a weights file) plus the optimizer's moments
    /// (`optimizer.m`, `optimizer.v`), the chip state (``ChipTrainingState/save(into:training:)``)
    /// and, in the metadata, the configuration, the epoch records, the optimizer's step and the
    /// elapsed time. Data order needs no state: it depends only on (seed, epoch).
    public func checkpoint(metadata: [String: String] = [:]) throws -> TensorArchive {
        var archive = try WeightsFile.archive(network, metadata: metadata)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        archive.metadata["checkpoint"] = Self.checkpointVersion
        if let pending = pendingEpoch {
            archive.metadata["checkpoint"] = "2"
            archive.metadata["pending_epoch"] = String(decoding: try Self.pendingCoders().0.encode(pending), as: UTF8.self)
        }
        archive.metadata["config"] = String(decoding: try encoder.encode(config), as: UTF8.self)
        archive.metadata["epochs"] = String(decoding: try encoder.encode(epochs), as: UTF8.self)
        archive.metadata["optimizer.step"] = String(optimizer.step)
        archive.metadata["elapsed_seconds"] = String(elapsedSeconds)
        archive.add("optimizer.m", shape: [optimizer.m.count], optimizer.m)
        archive.add("optimizer.v", shape: [optimizer.v.count], optimizer.v)
        try chip?.save(into: &archive, training: true)
        return archive
    }

    /// The configuration stored in a checkpoint.
    public static func checkpointConfig(_ archive: TensorArchive, path: String) throws(CIMError) -> TrainingConfig {
        guard let version = archive.metadata["checkpoint"], checkpointVersions.contains(version) else {
            throw CIMError.format(path: path, reason: "not a CIMKit checkpoint of version 1 or 2 (metadata 'checkpoint' is \(archive.metadata["checkpoint"] ?? "missing"))")
        }
        guard let text = archive.metadata["config"], let config = try? JSONDecoder().decode(TrainingConfig.self, from: Data(text.utf8)) else {
            throw CIMError.format(path: path, reason: "metadata 'config' is missing or invalid")
        }
        return config
    }

    /// Continues the run saved in `archive` (see ``checkpoint(metadata:)``) on `data`, which
    /// must be the run's dataset; `epochs` may raise the number of epochs.
    public init(resuming archive: TensorArchive, data: DatasetSplits, path: String, epochs: Int? = nil) throws(CIMError) {
        func fail(_ why: String) -> CIMError { .format(path: path, reason: why) }
        var config = try Self.checkpointConfig(archive, path: path)
        if let epochs { config.epochs = epochs }
        try config.validate()
        try Self.checkShapes(config, data)
        guard let text = archive.metadata["epochs"], let records = try? JSONDecoder().decode([EpochRecord].self, from: Data(text.utf8)) else {
            throw fail("metadata 'epochs' is missing or invalid")
        }
        var pending: EpochRecord? = nil
        if archive.metadata["checkpoint"] == "2" {
            guard let text = archive.metadata["pending_epoch"], let p = try? Self.pendingCoders().1.decode(EpochRecord.self, from: Data(text.utf8)),
                  p.epoch == records.count + 1 else {
                throw fail("metadata 'pending_epoch' is missing or invalid (a version 2 checkpoint holds the record of epoch \(records.count + 1))")
            }
            pending = p
        }
        guard records.count + (pending == nil ? 0 : 1) <= config.epochs else {
            throw CIMError.invalidConfig(field: "--epochs", reason: "\(config.epochs) is fewer than the \(records.count + (pending == nil ? 0 : 1)) epochs already run")
        }
        let network = try WeightsFile.network(from: archive, path: path)
        guard network.architecture == (try config.architecture) else { throw fail("the network does not match the model \(config.model)") }
        guard let step = Int(archive.metadata["optimizer.step"] ?? "") else { throw fail("metadata 'optimizer.step' is missing or invalid") }
        let n = network.parameters.count
        let m = try archive.floats("optimizer.m", shape: [n], path: path)
        let v = try archive.floats("optimizer.v", shape: [config.optimizer.kind == .adamw ? n : 0], path: path)
        self.config = config
        self.data = data
        self.network = network
        do {
            self.optimizer = try Optimizer(config: config.optimizer, step: step, m: m, v: v)
        } catch {
            throw fail(error.description)
        }
        self.epochs = records
        self.elapsedSeconds = Double(archive.metadata["elapsed_seconds"] ?? "") ?? 0
        if let onChip = config.onChip {
            self.chip = try ChipTrainingState(restoring: archive, config: onChip, architecture: network.architecture, path: path)
        }
        if let hw = config.hardwareAware {  // stateless: every batch's chip is named by (seed, optimizer step)
            self.hardwareAware = try HardwareAwareChip(config: hw, architecture: network.architecture, seed: config.seed)
        }
        if let pending {
            // the saved state is the end of the pending epoch: its evaluation gives the same bits now
            let record = Self.evaluated(pending, network: network, engine: chip?.engine, test: data.test, config: config, threads: 1)
            self.epochs.append(record)
        }
    }

    /// The result file of the run: the weights archive (W_FP and biases) and, for an on-chip
    /// run, the training chip's final conductances as programmed (with their errors), targets
    /// and scales, with the chip spec and rule in the metadata.
    public func resultArchive(metadata: [String: String]) throws -> TensorArchive {
        var archive = try WeightsFile.archive(network, metadata: metadata)
        try chip?.save(into: &archive, training: false)
        return archive
    }
}
