import CIMCore
import CIMCrossbar
import CIMData
import CIMNetwork

/// Everything that determines a training run; written into `training.json`.
public struct TrainingConfig: Codable, Equatable, Sendable {
    /// Model preset name (see ``ModelPreset``), or the name of ``customArchitecture``.
    public var model: String = ModelPreset.lenetWu2023.rawValue
    /// An architecture that is not a preset (an imported ONNX model); overrides ``model``.
    public var customArchitecture: Architecture? = nil
    /// Where the initial weights came from (`cim train --init`), for the record; `nil` =
    /// initialised from the seed.
    public var initialWeights: String? = nil
    /// Dataset name (`mnist`, `fashion-mnist`) or `custom` with ``dataDirectory``.
    public var dataset: String = DatasetName.mnist.rawValue
    /// A directory of IDX files, or a `.npz`/`.h5` dataset file, that overrides ``dataset``.
    public var dataDirectory: String? = nil
    /// For a dataset file: the names of its arrays and the images' layout (absent for IDX
    /// directories and named datasets).
    public var dataOptions: DatasetFileOptions? = nil
    public var optimizer = OptimizerConfig()
    /// Examples per training batch.
    public var batchSize: Int = 64
    /// Batches per epoch; `nil` = one pass over the training set (last batch may be partial).
    /// Each epoch draws its batches from a fresh seeded permutation of the training set.
    public var batchesPerEpoch: Int? = 400
    public var epochs: Int = 13
    /// Seed of every random stream of the run.
    public var seed: UInt64 = 1
    /// Use only the first N training examples (for quick runs and tests).
    public var trainLimit: Int? = nil
    /// Evaluate on only the first N test examples.
    public var testLimit: Int? = nil
    /// Examples per evaluation batch (does not change results).
    public var evalBatchSize: Int = 100
    /// On-chip training (rule, chip, device, threshold); `nil` = digital FP32 training.
    public var onChip: OnChipConfig? = nil
    /// Hardware-aware training of the digital weights for a target chip (`--rule hardware-aware`);
    /// `nil` otherwise. Excludes ``onChip``.
    public var hardwareAware: HardwareAwareConfig? = nil
    /// Digital training only: each batch is split into this many shards whose gradients are
    /// added in shard order (``BatchShards``), so that the shards can run on separate threads;
    /// `nil` = 1, the whole batch at once. Results depend on the shard count, never on the
    /// number of threads that run the shards.
    public var shards: Int? = nil

    public init() {}

    /// The architecture of ``model``.
    public var architecture: Architecture {
        get throws(CIMError) {
            if let customArchitecture { return customArchitecture }
            guard let preset = ModelPreset(rawValue: model) else {
                throw CIMError.invalidConfig(field: "model", reason:
                    "unknown preset '\(model)' (known: \(ModelPreset.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            return preset.architecture
        }
    }

    /// Most examples per batch: 2²⁰ (a batch's activations are allocated at once).
    public static let maxBatchSize = 1 << 20
    /// Most batches per epoch: 2³¹ (with ``maxBatchSize``, every count stays far from overflow).
    public static let maxBatchesPerEpoch = 1 << 31
    /// Most epochs: 10⁶ (every epoch is recorded in training.json and the checkpoint).
    public static let maxEpochs = 1_000_000

    public func validate() throws(CIMError) {
        _ = try architecture
        if dataDirectory == nil, DatasetName(rawValue: dataset) == nil {
            throw CIMError.invalidConfig(field: "dataset", reason:
                "unknown dataset '\(dataset)' (known: \(DatasetName.allCases.map(\.rawValue).joined(separator: ", ")), or --data DIR)")
        }
        if let dataOptions {
            guard let dataDirectory, DatasetFile.format(of: dataDirectory) != nil else {
                throw CIMError.invalidConfig(field: "dataOptions", reason: "array names and layout need a .npz or .h5 dataset file")
            }
            try dataOptions.validate()
        }
        try optimizer.validate()
        guard (1...Self.maxBatchSize).contains(batchSize) else {
            throw CIMError.invalidConfig(field: "batchSize", reason: "\(batchSize) must be from 1 to \(Self.maxBatchSize)")
        }
        if let b = batchesPerEpoch, !(1...Self.maxBatchesPerEpoch).contains(b) {
            throw CIMError.invalidConfig(field: "batchesPerEpoch", reason: "\(b) must be from 1 to \(Self.maxBatchesPerEpoch)")
        }
        guard (1...Self.maxEpochs).contains(epochs) else {
            throw CIMError.invalidConfig(field: "epochs", reason: "\(epochs) must be from 1 to \(Self.maxEpochs)")
        }
        if let t = trainLimit, t < 1 { throw CIMError.invalidConfig(field: "trainLimit", reason: "\(t) must be ≥ 1") }
        if let t = testLimit, t < 1 { throw CIMError.invalidConfig(field: "testLimit", reason: "\(t) must be ≥ 1") }
        guard evalBatchSize >= 1 else {
            throw CIMError.invalidConfig(field: "evalBatchSize", reason: "\(evalBatchSize) must be ≥ 1")
        }
        try onChip?.validate()
        try hardwareAware?.validate()
        if hardwareAware != nil, onChip != nil {
            throw CIMError.invalidConfig(field: "hardwareAware", reason: "hardware-aware training keeps digital weights; it cannot be combined with an on-chip rule")
        }
        if let shards {
            guard (1...batchSize).contains(shards) else {
                throw CIMError.invalidConfig(field: "shards", reason: "\(shards) must be from 1 to the batch size \(batchSize)")
            }
            guard (onChip == nil && hardwareAware == nil) || shards == 1 else {
                throw CIMError.invalidConfig(field: "shards", reason: "on-chip and hardware-aware training run each batch whole (the chip's read noise is one stream); \(shards) must be 1")
            }
        }
    }

    /// Shards per batch (``shards``, 1 when absent).
    public var shardCount: Int { shards ?? 1 }

    /// Loads the dataset named by this configuration, cut to the limits.
    public func loadData() throws(CIMError) -> DatasetSplits {
        var splits: DatasetSplits
        if let dir = dataDirectory {
            splits = try DatasetCatalog.load(path: dir, options: dataOptions)
        } else {
            splits = try DatasetCatalog.load(DatasetName(rawValue: dataset)!)
        }
        if let t = trainLimit { splits.train = splits.train.prefix(t) }
        if let t = testLimit { splits.test = splits.test.prefix(t) }
        return splits
    }
}
