import CIMCore
import CIMCrossbar
import CIMNetwork

/// Metrics of one epoch.
public struct EpochRecord: Codable, Equatable, Sendable {
    /// 1-based epoch number.
    public var epoch: Int
    /// Mean training loss over the epoch's batches.
    public var trainLoss: Double
    /// Training accuracy over the epoch's batches (0…1), measured during training.
    public var trainAccuracy: Double
    /// Test-set loss after the epoch.
    public var testLoss: Double
    /// Test-set accuracy after the epoch (0…1).
    public var testAccuracy: Double
    /// Training images seen in the epoch.
    public var images: Int
    /// Wall time of the training part of the epoch, s.
    public var trainSeconds: Double
    /// Wall time of the evaluation, s.
    public var evalSeconds: Double
    /// Training throughput, images/s.
    public var imagesPerSecond: Double
    /// On-chip runs: test accuracy of the digital weights W_FP in FP32 (``testAccuracy`` is
    /// the chip's own, with read noise).
    public var digitalTestAccuracy: Double? = nil
    /// On-chip runs: device writes so far (all epochs up to this one).
    public var totalWrites: Int? = nil
    /// On-chip runs: mean and maximum writes per weight so far.
    public var writesPerWeight: Double? = nil
    public var maxWritesPerWeight: Int? = nil
}

/// What an on-chip run used and did (in `training.json`).
public struct OnChipSummary: Codable, Sendable {
    public var rule: UpdateRule
    public var threshold: Double
    /// The simulated chip (device, periphery, tile geometry).
    public var chip: ChipSpec
    /// Tiles of the chip's geometry that each weighted layer needs, by layer index.
    public var tilesByLayer: [String: TileUse]
    /// Tiles in all (training simulates as many as needed; the physical chip may have fewer).
    public var tiles: Int
    /// Physical tiles of the chip, if limited.
    public var physicalTiles: Int?
    /// Writes over the whole run.
    public var writes: WriteStatistics
    /// Write-and-verify attempts of the initial programming (not counted in ``writes``).
    public var initialProgrammingAttempts: Int

    /// A layer's crossbars: `inputs × outputs` in all; a grouped convolution has `groups`
    /// crossbars of `inputs × outputs/groups`, each with its own tiles (`rowBlocks` each,
    /// `columnBlocks` and `tiles` summed over the groups).
    public struct TileUse: Codable, Sendable {
        public var inputs: Int, outputs: Int, rowBlocks: Int, columnBlocks: Int, tiles: Int
        /// Weight units per µS of G⁺ − G⁻ (one scale for all groups).
        public var weightPerMicroSiemens: Float
        /// Groups of a grouped convolution (`nil` = ungrouped).
        public var groups: Int? = nil
    }
}

/// The content of `training.json`.
public struct TrainingRecord: Codable, Sendable {
    public var format = "cimkit-training"
    public var version = 1
    /// CIMKit version that wrote the record.
    public var creator: String
    /// UTC time the run finished, ISO 8601.
    public var createdUTC: String
    public var config: TrainingConfig
    public var architecture: Architecture
    /// Trainable parameters.
    public var parameterCount: Int
    /// Dataset name, directory, sizes and SHA-256 of each uncompressed file.
    public var dataset: DatasetInfo
    /// The BLAS library and kernel used.
    public var blas: BLAS.Info
    public var epochs: [EpochRecord]
    /// Test accuracy after the last epoch (0…1).
    public var finalTestAccuracy: Double
    /// Best test accuracy over epochs (0…1) and the epoch it occurred in.
    public var bestTestAccuracy: Double
    public var bestEpoch: Int
    /// Total wall time, s.
    public var totalSeconds: Double
    /// Peak resident memory of the process, MB.
    public var peakMemoryMB: Double
    /// On-chip runs: chip, tiles and device writes.
    public var onChip: OnChipSummary? = nil

    public struct DatasetInfo: Codable, Sendable {
        public var name: String
        public var directory: String
        public var trainCount: Int
        public var testCount: Int
        public var sha256: [String: String]
    }
}
