import ArgumentParser
import CIMChipImage
import CIMCore
import CIMCrossbar
import CIMData
import CIMEvaluate
import CIMMap
import CIMTrain
import Foundation

/// `cim evaluate`: Monte Carlo robustness audit of chip images.
struct Evaluate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run inference from chip images on freshly programmed chips (Monte Carlo) and report the spread.",
        discussion: """
            Each trial programs a fresh instance of every image (programming error, optional stuck cells and
            drift, read noise at every read, the chip's DAC/ADC) and evaluates it on the test set. A trial's
            randomness comes from (--seed, trial index) only. Noise levels are in level spacings Δ of the
            image's device (0.5 = 0.5 Δ) or in µS with a suffix (2uS).
            Writes DIR/robustness.json, DIR/boxplot.svg and, with --sweep, DIR/sweep.svg.
            Example: cim evaluate exported/lenet-mp.h5 exported/lenet-fp32.h5 --trials 20 --sweep prog-sigma=0,0.25,0.5,0.75,1
            """)

    @Argument(help: "Chip images (.h5).")
    var images: [String]

    @Option(help: "Test dataset: \(DatasetName.allCases.map(\.rawValue).joined(separator: ", ")).")
    var dataset = DatasetName.mnist.rawValue

    @Option(name: .customLong("data"), help: ArgumentHelp(DatasetFileFlags.dataHelp))
    var dataDirectory: String?

    @OptionGroup var fileFlags: DatasetFileFlags

    @Option(help: "Evaluate on this chip instead of each image's own: a preset or a chip JSON file with the images' tile geometry and device levels and window (their targets are programmed as they are).")
    var chip: String?

    @Option(name: .customLong("set"), help: ArgumentHelp("Change a field of the chip evaluated (--chip, or each image's own; repeatable), e.g. --set adc.fullScaleMicroAmps=90.", valueName: "key.path=value"))
    var set: [String] = []

    @Option(help: "Trials (fresh chips) per image and sweep value.")
    var trials = 10

    @Option(help: "Seed; trial i uses streams named by (seed, i).", transform: ArgumentRanges.seed)
    var seed: UInt64 = 1

    @Option(help: "Programming error σ: level spacings (0.5) or µS (2uS). Default: the image's device.")
    var progSigma: String?

    @Option(help: "Read noise σ: level spacings (0.3) or µS (1.2uS). Default: the image's device.")
    var readSigma: String?

    @Option(help: "Fraction of stuck devices (half at gMin, half at gMax by default).")
    var stuckRate: Double?

    @Option(help: "Seconds since programming (conductance drift with the device's ν, accumulated 1/f read noise).")
    var time: Double?

    @Option(help: "Drift compensation: none, global (one gain per layer) or column (one per output), from noisy reads of one-hot inputs right after programming and at --time.")
    var driftCompensation: String?

    @Option(help: "Sweep: prog-sigma|read-sigma|time|stuck-rate=V1,V2,…")
    var sweep: String?

    @Option(help: "Run only shard K of N (K/N, 1-based); default from SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT when set.")
    var shard: String?

    @Option(help: "Worker threads (trials run in parallel; results do not depend on it).")
    var jobs = min(ProcessInfo.processInfo.activeProcessorCount, ArgumentRanges.maxThreads)

    @Option(help: "Evaluate on the first N test images only.")
    var testLimit: Int?

    @Option(help: "Output directory.")
    var out = "runs/evaluate"

    @Flag(help: "Print the report as JSON on stdout.")
    var json = false

    @Flag(help: "No progress output.")
    var quiet = false

    func makeConfig() throws(CIMError) -> EvaluationConfig {
        var c = EvaluationConfig()
        c.trials = trials
        c.seed = seed
        c.programmingSigma = try progSigma.map { s throws(CIMError) in try NoiseSetting.parse(s, field: "--prog-sigma") }
        c.readSigma = try readSigma.map { s throws(CIMError) in try NoiseSetting.parse(s, field: "--read-sigma") }
        c.stuckRate = stuckRate
        c.timeSeconds = time
        if let m = driftCompensation {
            guard let mode = DriftCompensation(rawValue: m) else {
                throw .invalidConfig(field: "--drift-compensation", reason: "'\(m)' is not one of \(DriftCompensation.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            c.driftCompensation = mode
        }
        c.testLimit = testLimit
        c.sweep = try sweep.map { s throws(CIMError) in try EvaluationConfig.Sweep.parse(s) }
        try c.validate()
        return c
    }

    static func parseShard(_ text: String?, environment: [String: String]) throws(CIMError) -> RobustnessReport.Shard? {
        if let text {
            let p = text.split(separator: "/").map { Int($0) }
            guard p.count == 2, let k = p[0], let n = p[1], (1...EvaluationConfig.maxTrials).contains(n), (1...n).contains(k) else {
                throw .invalidConfig(field: "--shard", reason: "'\(text)' is not K/N with 1 ≤ K ≤ N ≤ \(EvaluationConfig.maxTrials)")
            }
            return .init(index: k, count: n)
        }
        guard let idText = environment["SLURM_ARRAY_TASK_ID"], let countText = environment["SLURM_ARRAY_TASK_COUNT"] else { return nil }
        guard let id = Int(idText), let n = Int(countText), (1...EvaluationConfig.maxTrials).contains(n) else {
            throw .invalidConfig(field: "SLURM_ARRAY_TASK_ID", reason: "task '\(idText)' of '\(countText)' is not a task of 1…\(EvaluationConfig.maxTrials)")
        }
        let first = environment["SLURM_ARRAY_TASK_MIN"].flatMap(Int.init) ?? 0
        let (offset, overflow) = id.subtractingReportingOverflow(first)
        guard !overflow, (0..<n).contains(offset) else {
            throw .invalidConfig(field: "SLURM_ARRAY_TASK_ID", reason: "task \(id) (min \(first)) is not one of \(n) tasks")
        }
        return .init(index: offset + 1, count: n)
    }

    /// The chip an image is evaluated on: its own, or `--chip`, with `--set` applied. What the
    /// image's targets depend on (tile geometry, device levels and window) must stay the image's.
    static func chip(for image: ChipImage, path: String, chip: String?, set: [String]) throws(CIMError) -> ChipSpec {
        guard chip != nil || !set.isEmpty else { return image.spec }
        let old = image.spec
        let new: ChipSpec
        if let chip {
            new = try ChipDocument.load(chip, set: set).spec
        } else {
            new = try ChipDocument.applying(set, to: old, label: "the chip of \(path)").spec
        }
        let layout: [(String, String, String)] = [
            ("tileRows", "\(old.tileRows)", "\(new.tileRows)"), ("tileColumns", "\(old.tileColumns)", "\(new.tileColumns)"),
            ("device.levels", "\(old.device.levels)", "\(new.device.levels)"),
            ("device.gMinMicroSiemens", "\(old.device.gMinMicroSiemens)", "\(new.device.gMinMicroSiemens)"),
            ("device.gMaxMicroSiemens", "\(old.device.gMaxMicroSiemens)", "\(new.device.gMaxMicroSiemens)"),
        ]
        for (key, was, now) in layout where was != now {
            throw .invalidConfig(field: chip == nil ? "--set" : "--chip", reason:
                "\(key) is \(now), but \(path) was mapped for \(was): evaluate keeps an image's tiles and levels (re-map it with cim convert --chip …)")
        }
        if let n = new.tileCount, n < image.tiles.count {
            throw .invalidConfig(field: chip == nil ? "--set" : "--chip", reason: "tileCount \(n) is less than the \(image.tiles.count) tiles \(path) uses")
        }
        // a calibrated layer's tiles carry their own ADC full scale, which a new chip-wide one would not reach
        if new.adc.fullScaleMicroAmps != old.adc.fullScaleMicroAmps,
           let layer = image.layers.first(where: { $0.calibration?.adcFullScalesMicroAmps != nil }) {
            throw .invalidConfig(field: chip == nil ? "--set" : "--chip", reason:
                "adc.fullScaleMicroAmps is \(new.adc.fullScaleMicroAmps), but \(path) is calibrated with its own ADC full scale per tile "
                + "(layer \(layer.index) and others), which evaluate keeps: re-export with --adc-range chip, or with the new chip (cim convert --chip FILE --calibrate)")
        }
        return new
    }

    func run() throws {
        let config = try makeConfig()
        let shard = try Self.parseShard(shard, environment: ProcessInfo.processInfo.environment)
        try ArgumentRanges.checkThreads(jobs, flag: "--jobs")
        guard !images.isEmpty else { throw CIMError.invalidConfig(field: "IMAGE", reason: "give at least one chip image") }
        let loaded = try images.map { p throws(CIMError) in
            var image = try ChipImageFile.read(path: p)
            image.spec = try Self.chip(for: image, path: p, chip: chip, set: set)
            return (path: p, image: image)
        }
        let datasetName = dataDirectory == nil ? try DatasetName.named(dataset).rawValue : "custom"
        let fileOptions = try fileFlags.options(data: dataDirectory)
        var checksums: [String: String] = [:]
        let test = try dataDirectory.map { d throws(CIMError) in try DatasetCatalog.loadTest(path: d, options: fileOptions, checksums: &checksums) }
            ?? DatasetCatalog.loadTest(try DatasetName.named(dataset))
        let dataFile = dataDirectory.map { RobustnessReport.DataFile(path: $0, sha256: checksums) }
        try BLAS.load()
        BLAS.setThreads(1)
        let evaluator = try RobustnessEvaluator(config: config, test: test, datasetName: datasetName)
        for (path, image) in loaded {  // before any output exists
            if let problem = try evaluator.test.mismatch(with: image.architecture, model: path) {
                throw CIMError.invalidConfig(field: dataDirectory == nil ? "--dataset" : "--data", reason: "test " + problem)
            }
        }
        try OutputDirectory.prepare(out)  // before the audit, not after it
        let total = config.trials * loaded.count * (config.sweep?.values.count ?? 1)
        let bar = TrialProgress(enabled: !quiet)
        if !quiet {
            writeStderr("evaluating \(loaded.count) image(s) on \(evaluator.test.count) \(datasetName) test images: \(config.trials) trials"
                + (config.sweep.map { " × \($0.values.count) values of \($0.parameter.rawValue)" } ?? "")
                + (shard.map { ", shard \($0.index)/\($0.count)" } ?? "") + " (\(total) chip programmings in all), seed \(config.seed), \(jobs) jobs\n")
        }
        var report = try evaluator.run(images: loaded, shard: shard, jobs: jobs, creator: "CIMKit \(CIMKitVersion.string)",
                                       progress: { bar.update($0) })
        bar.finish()
        report.dataFile = dataFile
        try ReportOutput.write(report, to: out, json: json)
    }
}

/// A progress bar over trials on stderr (terminal only; otherwise silent).
final class TrialProgress: @unchecked Sendable {
    private let enabled: Bool, lock = NSLock()
    private var last = 0.0
    init(enabled: Bool) { self.enabled = enabled && isatty(2) != 0 }
    func update(_ p: RobustnessEvaluator.Progress) {
        guard enabled else { return }
        lock.lock(); defer { lock.unlock() }
        let now = Date().timeIntervalSinceReferenceDate
        guard p.done == p.total || now - last > 0.1 else { return }
        last = now
        let filled = 30 * p.done / max(p.total, 1)
        writeStderr(String(format: "\r\u{1B}[Ktrials %@ %d/%d  last %.2f %%  %.0f img/s",
                           String(repeating: "█", count: filled) + String(repeating: "·", count: 30 - filled), p.done, p.total,
                           100 * p.lastAccuracy, p.imagesPerSecond))
    }
    func finish() { if enabled { writeStderr("\r\u{1B}[K") } }
}
