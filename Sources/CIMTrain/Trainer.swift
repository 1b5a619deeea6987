import CIMCore
import CIMCrossbar
import CIMData
import CIMNetwork
import Foundation

/// What a running training reports.
public enum TrainingEvent: Sendable {
    /// After each batch: epoch (1-based), batch (1-based), batches in the epoch, mean loss so far, images/s.
    case batch(epoch: Int, batch: Int, of: Int, loss: Double, imagesPerSecond: Double)
    /// After each epoch's evaluation.
    case epoch(EpochRecord)
}

/// Minibatch SGD/AdamW with softmax cross-entropy, digital (FP32) or on a simulated chip
/// (``UpdateRule``): on chip, the forward products run on the crossbars and the optimizer's
/// update goes through the rule instead of straight into the weights.
public struct Trainer: Sendable {
    public internal(set) var config: TrainingConfig
    public internal(set) var network: Network
    public internal(set) var optimizer: Optimizer
    public let data: DatasetSplits
    public internal(set) var epochs: [EpochRecord] = []
    /// The chip of an on-chip run (`nil` when digital).
    public internal(set) var chip: ChipTrainingState?
    /// The target chip of a hardware-aware run (`nil` otherwise), realised afresh every batch.
    public internal(set) var hardwareAware: HardwareAwareChip?
    /// Wall time of the epochs run so far (carried over by a resume), s.
    public internal(set) var elapsedSeconds: Double = 0
    private var update: [Float] = []
    /// The digital step's shards (``TrainingConfig/shards``), made on the first step.
    private var batchShards: BatchShards?
    /// Threads that run a digital step's shards and the epochs' evaluation batches (results do
    /// not depend on it). Set OpenBLAS to one thread (`BLAS.setThreads(1)`) when this is > 1.
    public var threads: Int = 1
    /// On chip: evaluate each epoch on another thread while the next epoch trains (see
    /// ``runEpochOverlapped(_:progress:)``); the records are the same bits either way.
    public var overlapEvaluation = false
    /// The evaluation running on another thread, if any.
    var background: BackgroundEvaluation?

    /// Prepares a run: validates the config, initialises the network from the seed (or
    /// starts from `initialParameters`, e.g. to compare rules from the same weights).
    public init(config: TrainingConfig, data: DatasetSplits, initialParameters: [Float]? = nil) throws(CIMError) {
        try config.validate()
        try Self.checkShapes(config, data)
        self.config = config
        self.data = data
        var network = try Network(architecture: config.architecture, seed: config.seed)
        if let initialParameters { try network.setParameters(initialParameters) }
        if let onChip = config.onChip {
            chip = try ChipTrainingState(config: onChip, network: &network, seed: config.seed, keepWeights: initialParameters != nil)
        }
        if let hw = config.hardwareAware {
            hardwareAware = try HardwareAwareChip(config: hw, architecture: network.architecture, seed: config.seed)
        }
        self.network = network
        self.optimizer = config.optimizer.make(count: network.parameters.count)
    }

    /// Checks that the images fit the model.
    static func checkShapes(_ config: TrainingConfig, _ data: DatasetSplits) throws(CIMError) {
        guard data.train.count >= 1, data.test.count >= 1 else {
            throw CIMError.invalidConfig(field: "dataset", reason:
                "\(data.name) has \(data.train.count) training and \(data.test.count) test images; both must be ≥ 1")
        }
        let architecture = try config.architecture
        for split in [data.train, data.test] {
            if let problem = try split.mismatch(with: architecture, model: "model \(config.model)") {
                throw CIMError.invalidConfig(field: "dataset", reason: problem)
            }
        }
    }

    /// Batches in one epoch.
    public var batchesPerEpoch: Int {
        config.batchesPerEpoch ?? (data.train.count + config.batchSize - 1) / config.batchSize
    }

    /// The training indices of epoch `epoch` (1-based), in order: seeded permutations of the
    /// training set, concatenated as needed; depends only on (seed, epoch).
    public func order(epoch: Int) -> [Int] {
        let needed = config.batchesPerEpoch.map { $0 * config.batchSize } ?? data.train.count
        var rng = RandomGenerator(seed: config.seed, stream: "data/epoch-\(epoch)")
        var out: [Int] = []
        out.reserveCapacity(needed)
        while out.count < needed {
            var perm = Array(0..<data.train.count)
            rng.shuffle(&perm)
            out += perm.prefix(needed - out.count)
        }
        return out
    }

    /// One optimisation step on a batch; returns (loss, correct).
    public mutating func step(x: Tensor, y: [Int32]) -> (loss: Float, correct: Int) {
        let r: (loss: Float, correct: Int)
        if hardwareAware != nil {
            r = hardwareAwareGradients(x: x, y: y)
        } else if chip == nil {
            if batchShards == nil { batchShards = BatchShards(network: network, count: config.shardCount) }
            r = batchShards!.lossAndGradients(&network, x: x, labels: y, threads: threads)
        } else {
            let logits = network.forward(x, training: true, engine: &chip!.engine)
            let e = SoftmaxCrossEntropy.evaluate(logits: logits, labels: y)
            network.backward(e.gradient)
            r = (e.loss, e.correct)
        }
        optimizer.computeUpdate(parameters: network.parameters, gradients: network.gradients, update: &update)
        if chip != nil {
            chip!.apply(update: update, to: &network.parameters, offsets: network.offsets)
        } else {
            network.parameters.withUnsafeMutableBufferPointer { p in
                for i in 0..<p.count { p[i] += update[i] }
            }
        }
        return (r.loss, r.correct)
    }

    /// A hardware-aware batch: the forward pass on the batch's realisation of the chip
    /// (``HardwareAwareChip/realise(parameters:step:)``, named by the optimizer's step), the
    /// backward pass the digital one with the realised weights W̃ in the network (so the error
    /// reaching a layer's input goes through W̃, and a weight's gradient is the layer's output
    /// error times its input as computed on the chip), then W is put back: the gradient of W̃ is
    /// applied to W (straight-through estimator, ∂W̃/∂W := 1; the DAC, ADC and noise count as
    /// identity in the backward pass). Joshi et al., Nat. Commun. 11, 2473 (2020); aihwkit's
    /// hardware-aware training (Rasch et al. 2023) does the same with its own noise model.
    /// Fills ``Network/gradients`` (the parameters are left as they were); returns the batch's
    /// loss and correct predictions on the chip. Needs a hardware-aware run.
    public mutating func hardwareAwareGradients(x: Tensor, y: [Int32]) -> (loss: Float, correct: Int) {
        guard let hw = hardwareAware else { preconditionFailure("Trainer.hardwareAwareGradients: not a hardware-aware run") }
        let clean = network.parameters
        var realised: (engine: ChipEngine, parameters: [Float])
        do {
            realised = try hw.realise(parameters: clean, step: optimizer.step)
        } catch {
            // realise fails only on non-finite or negative conductances, i.e. non-finite weights:
            // report a NaN loss, which the caller treats as divergence
            return (.nan, 0)
        }
        network.parameters = realised.parameters
        let logits = network.forward(x, training: true, engine: &realised.engine)
        let e = SoftmaxCrossEntropy.evaluate(logits: logits, labels: y)
        network.backward(e.gradient)
        network.parameters = clean
        return (e.loss, e.correct)
    }

    /// Trains one epoch (1-based number) without evaluating it: the record's test fields are
    /// NaN until ``evaluated(_:network:engine:test:config:threads:)`` fills them.
    mutating func trainEpoch(_ epoch: Int, progress: (TrainingEvent) -> Void) -> EpochRecord {
        let indices = order(epoch: epoch)
        let batches = (indices.count + config.batchSize - 1) / config.batchSize
        let start = ProcessStats.now()
        var lossSum = 0.0
        var correct = 0
        for b in 0..<batches {
            let lo = b * config.batchSize
            let hi = min(lo + config.batchSize, indices.count)
            let (x, y) = data.train.batch(indices: indices[lo..<hi])
            let r = step(x: x, y: y)
            lossSum += Double(r.loss)
            correct += r.correct
            let elapsed = ProcessStats.now() - start
            progress(.batch(epoch: epoch, batch: b + 1, of: batches, loss: lossSum / Double(b + 1),
                            imagesPerSecond: Double(hi) / max(elapsed, 1e-9)))
            if b % 16 == 15 { collectEvaluation(wait: false, progress: progress) }
        }
        let trainSeconds = ProcessStats.now() - start
        var record = EpochRecord(
            epoch: epoch, trainLoss: lossSum / Double(max(batches, 1)),
            trainAccuracy: Double(correct) / Double(max(indices.count, 1)),
            testLoss: .nan, testAccuracy: .nan, images: indices.count,
            trainSeconds: trainSeconds, evalSeconds: 0,
            imagesPerSecond: Double(indices.count) / max(trainSeconds, 1e-9))
        if let chip {
            let w = chip.writeStatistics
            record.totalWrites = w.totalWrites
            record.writesPerWeight = w.meanPerWeight
            record.maxWritesPerWeight = w.maxPerWeight
        }
        elapsedSeconds += trainSeconds
        return record
    }

    /// The epoch's test evaluation, completing `trained` (from ``trainEpoch(_:progress:)``):
    /// the digital weights in FP32 and, on chip, the chip as trained, read with fresh noise from
    /// a stream of its own (`chip/eval-noise/epoch-N`), so that evaluation never shifts the
    /// training noise and can run on copies of the network and chip on another thread.
    static func evaluated(_ trained: EpochRecord, network: Network, engine: ChipEngine?, test: ImageDataset,
                          config: TrainingConfig, threads: Int) -> EpochRecord {
        let evalStart = ProcessStats.now()
        let digital = Evaluator.evaluate(network, on: test, batchSize: config.evalBatchSize, threads: threads)
        var result = digital
        if var engine {
            engine.noise = NormalStream(seed: config.seed, stream: "chip/eval-noise/epoch-\(trained.epoch)")
            result = Evaluator.evaluate(network, on: test, batchSize: config.evalBatchSize, engine: &engine)
        }
        var record = trained
        record.testLoss = result.loss
        record.testAccuracy = result.accuracy
        if engine != nil { record.digitalTestAccuracy = digital.accuracy }
        record.evalSeconds = ProcessStats.now() - evalStart
        return record
    }

    /// Trains one epoch (1-based number) and evaluates on the test set.
    public mutating func runEpoch(_ epoch: Int, progress: (TrainingEvent) -> Void = { _ in }) -> EpochRecord {
        let trained = trainEpoch(epoch, progress: progress)
        let record = Self.evaluated(trained, network: network, engine: chip?.engine, test: data.test, config: config, threads: threads)
        elapsedSeconds += record.evalSeconds
        epochs.append(record)
        progress(.epoch(record))
        return record
    }

    /// Runs all remaining epochs.
    public mutating func run(progress: (TrainingEvent) -> Void = { _ in }) {
        while epochs.count < config.epochs {
            _ = runEpoch(epochs.count + 1, progress: progress)
        }
    }

    /// The `training.json` record of the run so far.
    public func record(totalSeconds: Double, creator: String) throws(CIMError) -> TrainingRecord {
        let best = epochs.max { $0.testAccuracy < $1.testAccuracy }
        return TrainingRecord(
            creator: creator, createdUTC: ISO8601DateFormatter().string(from: Date()), config: config,
            architecture: network.architecture, parameterCount: network.parameters.count,
            dataset: .init(name: data.name, directory: data.directory, trainCount: data.train.count,
                           testCount: data.test.count, sha256: data.checksums),
            blas: try BLAS.info, epochs: epochs, finalTestAccuracy: epochs.last?.testAccuracy ?? 0,
            bestTestAccuracy: best?.testAccuracy ?? 0, bestEpoch: best?.epoch ?? 0,
            totalSeconds: totalSeconds, peakMemoryMB: ProcessStats.peakResidentMB, onChip: chip?.summary)
    }
}
