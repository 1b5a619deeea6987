import CIMCore
import CIMData
import CIMMap
import CIMNetwork
import Foundation

/// Runs a robustness audit: for each image (and each sweep value), `trials` fresh programmed
/// chips (``ChipInstance``), each evaluated on the test set.
public struct RobustnessEvaluator: Sendable {
    public let config: EvaluationConfig
    public let test: ImageDataset
    public let datasetName: String

    public init(config: EvaluationConfig, test: ImageDataset, datasetName: String) throws(CIMError) {
        try config.validate()
        guard test.count >= 1 else { throw .invalidConfig(field: "dataset", reason: "\(datasetName) has no test images") }
        self.config = config
        self.test = config.testLimit.map { test.prefix($0) } ?? test
        self.datasetName = datasetName
    }

    /// Correct predictions of `network` with its products on `engine`.
    func correct<E: WeightProduct>(_ network: Network, engine: inout E) -> Int {
        Evaluator.evaluate(network, on: test, batchSize: config.batchSize, engine: &engine).correct
    }

    /// What a progress display needs.
    public struct Progress: Sendable {
        public var done: Int, total: Int
        public var lastAccuracy: Double
        public var imagesPerSecond: Double
    }

    /// Runs the audit over `images` (paths give names in the report); `shard` restricts it to
    /// its share of the trials, and only shard 1 computes the noiseless accuracies. Trials run on `jobs` threads; results do not depend on it.
    public func run(images: [(path: String, image: ChipImage)], shard: RobustnessReport.Shard?, jobs: Int,
                    creator: String, progress: @Sendable (Progress) -> Void = { _ in }) throws(CIMError) -> RobustnessReport {
        var entries: [RobustnessReport.ImageEntry] = []
        var networks: [Network] = []
        for (path, image) in images {
            let net = try image.quantizedNetwork()
            if let problem = try test.mismatch(with: net.architecture, model: path) {
                throw .invalidConfig(field: "--dataset", reason: "test " + problem)
            }
            // The two noiseless passes are the same in every shard: only a complete run and
            // shard 1 make them (merge takes them from shard 1).
            var noiseless: Double?, fp32: Double?
            if (shard?.index ?? 1) == 1 {
                var engine = try ChipInstance.noiseless(image)
                noiseless = Double(correct(net, engine: &engine)) / Double(test.count)
                fp32 = Evaluator.evaluate(net, on: test, batchSize: config.batchSize).accuracy
            }
            let sha = FileManager.default.contents(atPath: path).map { SHA256.hex(of: $0) } ?? ""
            entries.append(.init(path: path, sha256: sha, chip: image.spec.name, noiselessAccuracy: noiseless,
                                 quantizedModelAccuracy: fp32, cost: HardwareCost(image: image)))
            networks.append(net)
        }
        let values: [String?] = config.sweep.map { $0.values.map(Optional.some) } ?? [nil]
        var points: [RobustnessReport.Point] = []
        var work: [(point: Int, image: Int, config: EvaluationConfig, trial: Int)] = []
        for v in values {
            let c = try v.map { value throws(CIMError) in try config.sweep!.apply(value, to: config) } ?? config
            for i in images.indices {
                points.append(.init(value: v, image: i, trials: [], statistics: nil))
                for t in 0..<config.trials where shard?.owns(t) ?? true { work.append((points.count - 1, i, c, t)) }
            }
        }
        let results = TrialResults(count: work.count)
        let jobsList = work, nets = networks, evaluator = self
        let start = ProcessStats.now()
        let total = work.count, testCount = test.count
        let failure = FirstError()
        DispatchQueue.concurrentPerform(iterations: max(1, min(jobs, work.count))) { worker in
            var k = worker
            while k < jobsList.count, !failure.isSet {
                let w = jobsList[k]
                do {
                    var instance = try ChipInstance(image: images[w.image].image, config: w.config, trial: w.trial)
                    let n: Int
                    if let gains = instance.compensationGains {
                        var compensated = CompensatedEngine(engine: instance.engine, gains: gains)
                        n = evaluator.correct(nets[w.image], engine: &compensated)
                    } else {
                        n = evaluator.correct(nets[w.image], engine: &instance.engine)
                    }
                    let done = results.set(k, .init(index: w.trial, correct: n, accuracy: Double(n) / Double(testCount)))
                    progress(Progress(done: done, total: total, lastAccuracy: Double(n) / Double(testCount),
                                      imagesPerSecond: Double(done * testCount) / max(ProcessStats.now() - start, 1e-9)))
                } catch {
                    failure.set(error as? CIMError ?? .invalidConfig(field: "trial", reason: "\(error)"))
                }
                k += max(1, min(jobs, jobsList.count))
            }
        }
        if let e = failure.error { throw e }
        for (k, w) in work.enumerated() { points[w.point].trials.append(results.values[k]!) }
        var report = RobustnessReport(creator: creator, config: config, dataset: datasetName, testImages: test.count,
                                      shard: shard, images: entries, points: points)
        report.summarise()
        return report
    }
}

/// Trial results filled in by worker threads.
final class TrialResults: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var values: [RobustnessReport.Trial?]
    private var done = 0
    init(count: Int) { values = Array(repeating: nil, count: count) }
    func set(_ k: Int, _ t: RobustnessReport.Trial) -> Int {
        lock.lock(); defer { lock.unlock() }
        values[k] = t
        done += 1
        return done
    }
}

/// The first error of any worker.
final class FirstError: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var error: CIMError?
    var isSet: Bool { lock.lock(); defer { lock.unlock() }; return error != nil }
    func set(_ e: CIMError) { lock.lock(); defer { lock.unlock() }; if error == nil { error = e } }
}
