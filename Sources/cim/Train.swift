import ArgumentParser
import CIMCore
import CIMCrossbar
import CIMData
import CIMDevice
import CIMNetwork
import CIMTrain
import Foundation

/// `cim train`: trains a model and writes `training.json` and `model.safetensors`.
struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train a model, digitally or on a simulated chip (--rule), and write training.json and model.safetensors.",
        discussion: """
            Evaluates on the whole test set after every epoch. Each epoch draws --batches-per-epoch
            batches from a fresh seeded permutation of the training set ('all' = one full pass).
            Example (the paper's recipe): cim train --model lenet-wu2023 --optimizer adamw --lr 0.004 \\
              --batch-size 64 --batches-per-epoch 400 --epochs 13 --seed 1 --out runs/lenet-s1
            Hardware-aware training (--rule hardware-aware, default --chip wu2023-inference): the weights
            stay FP32; every batch's forward pass runs on a fresh realisation of the target chip
            (weights mapped as 'cim export' maps them, programming error × --hw-noise-scale drawn
            anew with write-and-verify, drift to --hw-drift-time, DAC/ADC and read noise), and the
            backward pass is the digital one with those realised weights (straight-through). The
            result exports like a digital model.
            """)

    @Option(help: "Model preset (\(ModelPreset.allCases.map(\.rawValue).joined(separator: ", "))), or an .onnx file or an architecture .json (as in training.json) whose architecture is trained from scratch.")
    var model = ModelPreset.lenetWu2023.rawValue

    @Option(name: .customLong("init"), help: "Start from these weights (an .onnx file or a model.safetensors): fine-tuning; its architecture is the model.")
    var initFrom: String?

    @Option(help: "Dataset: \(DatasetName.allCases.map(\.rawValue).joined(separator: ", ")).")
    var dataset = DatasetName.mnist.rawValue

    @Option(name: .customLong("data"), help: ArgumentHelp(DatasetFileFlags.dataHelp))
    var dataDirectory: String?

    @Option(help: "Arrays of the training split in a --data file: IMAGES,LABELS (default x_train,y_train).")
    var trainKeys: String?

    @OptionGroup var fileFlags: DatasetFileFlags

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

    @Option(help: "Number of epochs (default 13; with --resume, raises the run's epoch count).")
    var epochs: Int?

    @Option(help: "Seed for initialisation and data order.", transform: ArgumentRanges.seed)
    var seed: UInt64 = 1

    @Option(help: "Train on the first N training images only.")
    var trainLimit: Int?

    @Option(help: "Evaluate on the first N test images only (default: all).")
    var testLimit: Int?

    @Option(help: "Update rule: \(UpdateRule.allCases.map(\.rawValue).joined(separator: ", ")).")
    var rule = UpdateRule.digital.rawValue

    @Option(help: "Chip for on-chip rules (default wu2023-soc) and the target chip of --rule hardware-aware (default wu2023-inference, the chip models are exported to): a preset (\(ChipPreset.allCases.map(\.rawValue).joined(separator: ", "))) or a chip JSON file (schemas/chip-spec.md).")
    var chip: String?

    @Option(name: .customLong("set"), help: ArgumentHelp("Change a field of the --chip (repeatable), e.g. --set adc.fullScaleMicroAmps=90.", valueName: "key.path=value"))
    var set: [String] = []

    @Option(help: "Device preset replacing the chip's (\((DevicePreset.allCases.map(\.rawValue) + PulseDevicePreset.allCases.map(\.rawValue)).joined(separator: ", "))).")
    var device: String?

    @Option(help: "Write threshold, in programming granularities (one level; one pulse step for the pulse rule).")
    var threshold: Double = 1

    @Option(help: "Full-scale weight of a device pair in units of 1/√fan_in (default: the initial conductance window maps to ±1/√fan_in).")
    var weightRange: Double?

    @Flag(help: "Simulate the chip with an ideal periphery (no DAC/ADC quantisation, clipping or ADC noise).")
    var idealPeriphery = false

    @Option(help: ArgumentHelp("--rule hardware-aware: multiply the device's programming σ (constant, polynomial or per level) by K (default 1: the chip's own σ; 0 = no programming error).", valueName: "K"))
    var hwNoiseScale: Double?

    @Option(help: ArgumentHelp("--rule hardware-aware: read the devices this long after programming, with the device's drift and 1/f read noise (default: right after programming, no drift).", valueName: "SECONDS"))
    var hwDriftTime: Double?

    @Option(help: "Threads. Digital training splits each batch into --shards shards (default: this many) that run on these threads with one OpenBLAS thread each, and spreads the test batches over them; on chip (one shard), 2 or more run each epoch's test evaluation on a thread of its own while the next epoch trains (OpenBLAS on one thread). Results depend on --shards, never on --threads.")
    var threads: Int = 1

    @Option(help: "Digital training: split each batch into this many shards whose gradients are added in a fixed order (default: --threads; 1 = the whole batch at once). Recorded in training.json; --shards 2 gives the same bits on 1 thread as on 2.")
    var shards: Int?

    @Option(help: "Output directory for training.json and model.safetensors (default: runs/<model>-seed<seed>).")
    var out: String?

    @Option(help: "Continue the run in this directory from its checkpoint (written after every epoch); ends bit-identical to an uninterrupted run.")
    var resume: String?

    @Flag(help: "Replace the results in --out if it already holds a finished run.")
    var overwrite = false

    @Flag(help: "Print a JSON summary on stdout.")
    var json = false

    @Flag(help: "No progress output.")
    var quiet = false

    /// The architecture and weights of `--init`, or of an .onnx or architecture .json `--model`
    /// (architecture only).
    func importedModel() throws(CIMError) -> (architecture: Architecture, parameters: [Float]?, source: String)? {
        if let initFrom {
            guard model == ModelPreset.lenetWu2023.rawValue else {
                throw .invalidConfig(field: "--init", reason: "the model comes from \(initFrom); do not give --model too")
            }
            let network = try Import.trainedModel(initFrom).network
            let sha = FileManager.default.contents(atPath: initFrom).map { SHA256.hex(of: $0) } ?? ""
            return (network.architecture, network.parameters, "\((initFrom as NSString).lastPathComponent) (sha256 \(sha))")
        }
        if model.lowercased().hasSuffix(".json") { return (try Self.architecture(json: model), nil, model) }
        guard model.lowercased().hasSuffix(".onnx") else { return nil }
        let network = try Import.trainedModel(model).network
        return (network.architecture, nil, model)
    }

    func makeConfig(imported: (architecture: Architecture, parameters: [Float]?, source: String)? = nil) throws(CIMError) -> TrainingConfig {
        var c = TrainingConfig()
        c.model = imported?.architecture.name ?? model
        c.customArchitecture = imported?.architecture
        c.initialWeights = imported?.parameters == nil ? nil : imported?.source
        c.dataset = dataset
        c.dataDirectory = dataDirectory
        c.dataOptions = try fileFlags.options(data: dataDirectory, trainKeys: trainKeys)
        if let dataDirectory, DatasetFile.format(of: dataDirectory) != nil, c.dataOptions == nil {
            c.dataOptions = DatasetFileOptions()  // recorded in training.json and the checkpoint
        }
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
        c.epochs = epochs ?? 13
        c.seed = seed
        c.trainLimit = trainLimit
        c.testLimit = testLimit
        guard let r = UpdateRule(rawValue: rule) else {
            throw CIMError.invalidConfig(field: "--rule", reason:
                "unknown rule '\(rule)' (known: \(UpdateRule.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        let shardCount = shards ?? (r == .digital ? Swift.min(threads, batchSize) : 1)
        c.shards = shardCount == 1 ? nil : shardCount  // 1 is not recorded: training.json stays as before
        if r != .hardwareAware, hwNoiseScale != nil || hwDriftTime != nil {
            throw CIMError.invalidConfig(field: hwNoiseScale != nil ? "--hw-noise-scale" : "--hw-drift-time", reason: "needs --rule hardware-aware (the rule is \(r.rawValue))")
        }
        if r.isOnChip {
            var onChip = OnChipConfig(rule: r, device: device, threshold: threshold, periphery: !idealPeriphery, weightRange: weightRange)
            try onChip.useChip(chip ?? ChipPreset.wu2023SoC.rawValue, set: set)
            c.onChip = onChip
        } else if r == .hardwareAware {
            if let flag = [("--device", device != nil), ("--threshold", threshold != 1), ("--weight-range", weightRange != nil)].first(where: \.1)?.0 {
                throw CIMError.invalidConfig(field: flag, reason: "does not apply to --rule hardware-aware (it writes no devices; the exporter's mapping sets the scale)")
            }
            var hw = HardwareAwareConfig(noiseScale: hwNoiseScale ?? 1, driftSeconds: hwDriftTime, periphery: !idealPeriphery)
            try hw.validate()  // the flags' values first, so that a bad value is named before the chip is read
            try hw.useChip(chip ?? ChipPreset.wu2023Inference.rawValue, set: set)
            c.hardwareAware = hw
        } else if device != nil || chip != nil || !set.isEmpty || threshold != 1 || idealPeriphery || weightRange != nil {
            throw CIMError.invalidConfig(field: "--rule", reason: "--chip, --set, --device, --threshold, --weight-range and --ideal-periphery need an on-chip --rule (--chip, --set and --ideal-periphery also work with --rule hardware-aware)")
        }
        try c.validate()
        return c
    }

    /// Flags that set the configuration, as given (for refusing them with --resume): those
    /// that differ from their defaults.
    private var configFlagsGiven: [String] {
        let checks: [(String, Bool)] = [
            ("--model", model != ModelPreset.lenetWu2023.rawValue), ("--init", initFrom != nil), ("--dataset", dataset != DatasetName.mnist.rawValue),
            ("--data", dataDirectory != nil), ("--optimizer", optimizer != "adamw"), ("--lr", learningRate != 0.004),
            ("--momentum", momentum != 0), ("--weight-decay", weightDecay != nil), ("--batch-size", batchSize != 64),
            ("--batches-per-epoch", batchesPerEpoch != "400"), ("--seed", seed != 1), ("--train-limit", trainLimit != nil),
            ("--test-limit", testLimit != nil), ("--rule", rule != UpdateRule.digital.rawValue),
            ("--chip", chip != nil), ("--set", !set.isEmpty), ("--device", device != nil), ("--threshold", threshold != 1), ("--weight-range", weightRange != nil),
            ("--ideal-periphery", idealPeriphery), ("--hw-noise-scale", hwNoiseScale != nil), ("--hw-drift-time", hwDriftTime != nil), ("--out", out != nil), ("--overwrite", overwrite),
            ("--train-keys", trainKeys != nil), ("--shards", shards != nil),
        ]
        return checks.filter(\.1).map(\.0) + fileFlags.given
    }

    func run() throws {
        try ArgumentRanges.checkThreads(threads, flag: "--threads")
        ProcessMemory.keepFreedBlocks()  // each batch reuses the last one's memory (no page faults)
        let start = ProcessStats.now()
        var trainer: Trainer
        let outDir: String
        var elapsedBefore = 0.0
        if let resume {
            if let flag = configFlagsGiven.first {
                throw CIMError.invalidConfig(field: flag, reason: "--resume continues with the saved configuration (only --epochs, --threads, --quiet and --json may change)")
            }
            outDir = resume
            let path = resume + "/" + Self.checkpointName
            let archive = try TensorArchive.read(path: path)
            let saved = try Trainer.checkpointConfig(archive, path: path)
            try BLAS.load()
            trainer = try Trainer(resuming: archive, data: try saved.loadData(), path: path, epochs: epochs)
            elapsedBefore = trainer.elapsedSeconds
            // training.json is written last: a run whose epochs are all done but that has none was
            // stopped while writing its results, and --resume writes them.
            if trainer.epochs.count >= trainer.config.epochs, FileManager.default.fileExists(atPath: resume + "/training.json") {
                throw CIMError.invalidConfig(field: "--resume", reason: "the run in \(resume) has finished all \(trainer.config.epochs) epochs (give --epochs N to extend it)")
            }
        } else {
            let imported = try importedModel()
            let config = try makeConfig(imported: imported)
            try BLAS.load()
            outDir = out ?? "runs/\(config.model)-seed\(seed)"
            if !overwrite, FileManager.default.fileExists(atPath: outDir + "/training.json") {
                throw CIMError.io(path: outDir + "/training.json", reason: "a finished run is already there (use --overwrite, --resume or another --out)")
            }
            if !overwrite, FileManager.default.fileExists(atPath: outDir + "/" + Self.checkpointName) {
                throw CIMError.io(path: outDir + "/" + Self.checkpointName, reason: "an interrupted run is there (continue it with --resume \(outDir), or use --overwrite or another --out)")
            }
            trainer = try Trainer(config: config, data: try config.loadData(), initialParameters: imported?.parameters)
            if overwrite { try Self.clearRun(in: outDir) }
        }
        try OutputDirectory.check(outDir)  // before the first epoch, not after it
        // shards on `threads` threads with one OpenBLAS thread each; one shard: OpenBLAS's threads
        // on chip with 2+ threads: each epoch's evaluation on a thread of its own, next to the training
        let sharded = trainer.config.shardCount > 1
        let overlapped = trainer.chip != nil && threads >= 2
        BLAS.setThreads(sharded || overlapped ? 1 : threads)
        trainer.threads = sharded ? threads : 1
        trainer.overlapEvaluation = overlapped
        let config = trainer.config, data = trainer.data
        let recordPath = outDir + "/training.json", weightsPath = outDir + "/model.safetensors"
        let checkpointPath = outDir + "/" + Self.checkpointName
        let progress = ProgressPrinter(enabled: !quiet, epochs: config.epochs)
        progress.header("training \(config.model) (\(trainer.network.parameters.count) parameters) on \(data.name): "
            + "\(data.train.count) train / \(data.test.count) test images, \(config.optimizer.kind.rawValue) lr \(config.optimizer.learningRate), "
            + "batch \(config.batchSize), \(trainer.batchesPerEpoch) batches × \(config.epochs) epochs, seed \(config.seed), "
            + "BLAS \(try BLAS.info.coreName) × \(BLAS.threads) thread\(BLAS.threads == 1 ? "" : "s")"
            + (sharded ? ", \(config.shardCount) shards per batch on \(threads) thread\(threads == 1 ? "" : "s")" : "")
            + (trainer.epochs.isEmpty ? "" : "; resuming after epoch \(trainer.epochs.count)"))
        if let chip = trainer.chip {
            let spec = chip.summary.chip
            progress.header("on chip: rule \(chip.config.rule.rawValue), threshold \(chip.config.threshold), chip \(spec.name) "
                + "(\(spec.tileRows)×\(spec.tileColumns) tiles, device \(spec.device.name), DAC \(spec.dac.bits) bit\(spec.dac.bitSerial ? " bit-serial" : ""), "
                + (spec.adc.bits > 0 ? "ADC \(spec.adc.bits) bit ±\(spec.adc.fullScaleMicroAmps) µA" : "ideal ADC") + "): \(chip.engine.tileCount) tiles"
                + (spec.tileCount.map { " (the physical chip has \($0))" } ?? ""))
        }
        if let hw = trainer.hardwareAware {
            let spec = hw.spec
            progress.header("hardware-aware for chip \(spec.name) (device \(spec.device.name), "
                + (spec.device.levels >= 2 ? "\(spec.device.levels) levels" : "continuous")
                + String(format: ", programming σ × %g", hw.config.noiseScale)
                + (hw.config.driftSeconds.map { String(format: ", drift to %g s", $0) } ?? "")
                + ", DAC \(spec.dac.bits) bit\(spec.dac.bitSerial ? " bit-serial" : ""), "
                + (spec.adc.bits > 0 ? "ADC \(spec.adc.bits) bit ±\(spec.adc.fullScaleMicroAmps) µA" : "ideal ADC")
                + "): a fresh chip every batch, straight-through gradients; test accuracy is the digital weights'")
        }
        let meta = ["seed": String(config.seed), "creator": "CIMKit \(CIMKitVersion.string)", "dataset": data.name]
        func diverged(_ r: EpochRecord, kept: Int) -> CIMError {
            .invalidConfig(field: "training", reason: "diverged at epoch \(r.epoch) (train loss \(r.trainLoss), test loss \(r.testLoss)); "
                + (kept > 0 ? "the checkpoint of epoch \(kept) is kept in \(outDir)" : "nothing written") + "; try a smaller --lr")
        }
        while trainer.epochs.count + (trainer.pendingEpoch == nil ? 0 : 1) < config.epochs {
            let epoch = trainer.epochs.count + (trainer.pendingEpoch == nil ? 0 : 1) + 1
            let r = overlapped ? trainer.runEpochOverlapped(epoch, progress: progress.handle)
                               : trainer.runEpoch(epoch, progress: progress.handle)
            // with overlap, r has no test figures yet; the previous epoch's have just arrived
            if let last = trainer.epochs.last, !last.testLoss.isFinite { throw diverged(last, kept: overlapped ? last.epoch : last.epoch - 1) }
            guard r.trainLoss.isFinite else { throw diverged(r, kept: r.epoch - 1) }
            try trainer.checkpoint(metadata: meta).write(to: checkpointPath)
        }
        trainer.finishEvaluation(progress: progress.handle)
        if let last = trainer.epochs.last, !last.testLoss.isFinite { throw diverged(last, kept: last.epoch) }
        let record = try trainer.record(totalSeconds: elapsedBefore + ProcessStats.now() - start, creator: meta["creator"]!)
        try trainer.resultArchive(metadata: meta).write(to: weightsPath)
        try AtomicFile.write(Data(jsonText(record).utf8), to: recordPath)
        let summary = Summary(record: record, outDir: outDir)
        if json {
            print(try jsonText(summary))
        } else {
            var line = String(format: "final test accuracy %.2f %% (best %.2f %% at epoch %d), %.0f images/s, %.1f s, peak memory %.0f MB",
                              100 * record.finalTestAccuracy, 100 * record.bestTestAccuracy, record.bestEpoch,
                              summary.meanImagesPerSecond, record.totalSeconds, record.peakMemoryMB)
            if let w = record.onChip?.writes {
                line += String(format: "; %.2f writes per weight (max %d), %d writes in all", w.meanPerWeight, w.maxPerWeight, w.totalWrites)
            }
            print(line)
            print("wrote \(recordPath), \(weightsPath) and \(checkpointPath)")
        }
    }

    /// An architecture JSON file: the `architecture` object of a `training.json` (``Architecture``
    /// as JSON), e.g. `{"name": "sep", "inputShape": [28, 28, 1], "layers": [{"convolution": {"spec": {…}}}, {"relu": {}}, …]}`.
    static func architecture(json path: String) throws(CIMError) -> Architecture {
        guard let data = FileManager.default.contents(atPath: path) else { throw .io(path: path, reason: "cannot read the architecture file") }
        let architecture: Architecture
        do {
            architecture = try JSONDecoder().decode(Architecture.self, from: data)
        } catch {
            var why = "\(error)"
            if let e = error as? DecodingError {
                switch e {
                case let .typeMismatch(_, c), let .valueNotFound(_, c), let .keyNotFound(_, c), let .dataCorrupted(c):
                    let at = c.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
                    why = (at.isEmpty ? "" : "at \(at): ") + c.debugDescription
                @unknown default: break
                }
            }
            throw .format(path: path, reason: "not an architecture JSON (the 'architecture' object of a training.json): \(why)")
        }
        _ = try Network(architecture: architecture, seed: 0)  // checks the shapes
        return architecture
    }

    /// Removes a previous run's files before an `--overwrite` run starts, the manifest
    /// (`training.json`) first, so that a kill at any moment leaves no mixed set: a directory
    /// with `training.json` holds a finished run, one with only a checkpoint an interrupted one.
    static func clearRun(in dir: String) throws(CIMError) {
        for name in ["training.json", "model.safetensors", checkpointName] {
            try AtomicFile.removeIfPresent(dir + "/" + name)
        }
    }

    /// The checkpoint file in a run directory.
    static let checkpointName = "checkpoint.safetensors"

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
