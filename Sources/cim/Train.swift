import ArgumentParser
import CIMCore
import CIMData
import CIMNetwork
import CIMTrain
import Foundation

/// `cim train`: trains a model and writes `training.json` and `model.safetensors`.
struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train a model (digital FP32) and write training.json and model.safetensors.",
        discussion: """
            Evaluates on the whole test set after every epoch. Each epoch draws --batches-per-epoch
            batches from a fresh seeded permutation of the training set ('all' = one full pass).
            Example (the paper's recipe): cim train --model lenet-wu2023 --optimizer adamw --lr 0.004 \\
              --batch-size 64 --batches-per-epoch 400 --epochs 13 --seed 1 --out runs/lenet-s1
            """)

    @Option(help: "Model preset: \(ModelPreset.allCases.map(\.rawValue).joined(separator: ", ")).")
    var model = ModelPreset.lenetWu2023.rawValue

    @Option(help: "Dataset: \(DatasetName.allCases.map(\.rawValue).joined(separator: ", ")).")
    var dataset = DatasetName.mnist.rawValue

    @Option(name: .customLong("data"), help: "A directory of MNIST-style IDX files (plain or .gz); overrides --dataset.")
    var dataDirectory: String?

    @Option(help: "Optimizer: sgd or adamw.")
    var optimizer = "adamw"

    @Option(name: .customLong("lr"), help: "Learning rate.")
    var learningRate: Float = 0.004

    @Option(help: "SGD momentum.")
    var momentum: Float = 0

    @Option(help: "Weight decay (default: 0.01 for AdamW, decoupled; 0 for SGD).")
    var weightDecay: Float?

    @Option(help: "Examples per batch.")
    var batchSize = 64

    @Option(help: "Batches per epoch, or 'all' for one pass over the training set.")
    var batchesPerEpoch = "400"

    @Option(help: "Number of epochs.")
    var epochs = 13

    @Option(help: "Seed for initialisation and data order.")
    var seed: UInt64 = 1

    @Option(help: "Train on the first N training images only.")
    var trainLimit: Int?

    @Option(help: "Evaluate on the first N test images only (default: all).")
    var testLimit: Int?

    @Option(help: "OpenBLAS threads (default: OpenBLAS's choice).")
    var threads: Int?

    @Option(help: "Output directory for training.json and model.safetensors (default: runs/<model>-seed<seed>).")
    var out: String?

    @Flag(help: "Replace the results in --out if it already holds a finished run.")
    var overwrite = false

    @Flag(help: "Print a JSON summary on stdout.")
    var json = false

    @Flag(help: "No progress output.")
    var quiet = false

    func makeConfig() throws(CIMError) -> TrainingConfig {
        var c = TrainingConfig()
        c.model = model
        c.dataset = dataset
        c.dataDirectory = dataDirectory
        guard let kind = OptimizerConfig.Kind(rawValue: optimizer) else {
            throw CIMError.invalidConfig(field: "--optimizer", reason: "unknown optimizer '\(optimizer)' (known: sgd, adamw)")
        }
        c.optimizer = OptimizerConfig(kind: kind, learningRate: learningRate, momentum: momentum, weightDecay: weightDecay)
        c.batchSize = batchSize
        if batchesPerEpoch == "all" {
            c.batchesPerEpoch = nil
        } else if let n = Int(batchesPerEpoch) {
            c.batchesPerEpoch = n
        } else {
            throw CIMError.invalidConfig(field: "--batches-per-epoch", reason: "'\(batchesPerEpoch)' is neither a number nor 'all'")
        }
        c.epochs = epochs
        c.seed = seed
        c.trainLimit = trainLimit
        c.testLimit = testLimit
        try c.validate()
        return c
    }

    func run() throws {
        let config = try makeConfig()
        if let threads {
            guard threads >= 1 else { throw CIMError.invalidConfig(field: "--threads", reason: "\(threads) must be ≥ 1") }
            try BLAS.load()
            BLAS.setThreads(threads)
        }
        let outDir = out ?? "runs/\(model)-seed\(seed)"
        let recordPath = outDir + "/training.json"
        let weightsPath = outDir + "/model.safetensors"
        if !overwrite, FileManager.default.fileExists(atPath: recordPath) {
            throw CIMError.io(path: recordPath, reason: "a finished run is already there (use --overwrite or another --out)")
        }
        let start = ProcessStats.now()
        let data = try config.loadData()
        var trainer = try Trainer(config: config, data: data)
        let progress = ProgressPrinter(enabled: !quiet, epochs: config.epochs)
        progress.header("training \(config.model) (\(trainer.network.parameters.count) parameters) on \(data.name): "
            + "\(data.train.count) train / \(data.test.count) test images, \(config.optimizer.kind.rawValue) lr \(config.optimizer.learningRate), "
            + "batch \(config.batchSize), \(trainer.batchesPerEpoch) batches × \(config.epochs) epochs, seed \(config.seed), "
            + "BLAS \(try BLAS.info.coreName)")
        trainer.run(progress: progress.handle)
        let record = try trainer.record(totalSeconds: ProcessStats.now() - start, creator: "CIMKit \(CIMKitVersion.string)")
        try WeightsFile.write(trainer.network, metadata: ["seed": String(config.seed), "creator": record.creator,
                                                          "dataset": data.name], to: weightsPath)
        try AtomicFile.write(Data(jsonText(record).utf8), to: recordPath)
        let summary = Summary(record: record, outDir: outDir)
        if json {
            print(try jsonText(summary))
        } else {
            print(String(format: "final test accuracy %.2f %% (best %.2f %% at epoch %d), %.0f images/s, %.1f s, peak memory %.0f MB",
                         100 * record.finalTestAccuracy, 100 * record.bestTestAccuracy, record.bestEpoch,
                         summary.meanImagesPerSecond, record.totalSeconds, record.peakMemoryMB))
            print("wrote \(recordPath) and \(weightsPath)")
        }
    }

    /// The `--json` output.
    struct Summary: Codable {
        var model: String
        var seed: UInt64
        var finalTestAccuracy: Double
        var bestTestAccuracy: Double
        var bestEpoch: Int
        var testAccuracyPerEpoch: [Double]
        var meanImagesPerSecond: Double
        var totalSeconds: Double
        var peakMemoryMB: Double
        var record: String
        var weights: String

        init(record: TrainingRecord, outDir: String) {
            model = record.config.model
            seed = record.config.seed
            finalTestAccuracy = record.finalTestAccuracy
            bestTestAccuracy = record.bestTestAccuracy
            bestEpoch = record.bestEpoch
            testAccuracyPerEpoch = record.epochs.map(\.testAccuracy)
            let images = record.epochs.reduce(0) { $0 + $1.images }
            let seconds = record.epochs.reduce(0) { $0 + $1.trainSeconds }
            meanImagesPerSecond = Double(images) / max(seconds, 1e-9)
            totalSeconds = record.totalSeconds
            peakMemoryMB = record.peakMemoryMB
            self.record = outDir + "/training.json"
            weights = outDir + "/model.safetensors"
        }
    }
}
