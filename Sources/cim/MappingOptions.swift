import ArgumentParser
import CIMChipImage
import CIMCore
import CIMCrossbar
import CIMData
import CIMMap
import CIMNetwork
import CIMTrain
import Foundation

/// Options shared by `cim export` and `cim convert`.
struct MappingOptions: ParsableArguments {
    @Option(help: "Target chip: a preset (\(ChipPreset.allCases.map(\.rawValue).joined(separator: ", "))) or a chip JSON file (schemas/chip-spec.md).")
    var chip = ChipPreset.wu2023Inference.rawValue

    @Option(name: .customLong("set"), help: ArgumentHelp("Change a field of the --chip (repeatable), e.g. --set adc.fullScaleMicroAmps=90.", valueName: "key.path=value"))
    var set: [String] = []

    @Option(help: "Output image path (.h5); NAME.mapping.json is written next to it.")
    var out: String

    @Option(help: "Weights of an on-chip-trained model to map: programmed (read back from the training chip), targets, digital.")
    var weights = MappingConfig.WeightSource.programmed.rawValue

    @Option(help: "Calibration images for the output-error and ADC checks (first N training images; 0 skips those checks).")
    var calibration = 256

    @Option(help: "Dataset of the calibration images (default: the model's training data, its --data file or directory included, else mnist).")
    var dataset: String?

    @Option(name: .customLong("data"), help: ArgumentHelp(DatasetFileFlags.dataHelp
        + " Calibration uses its training images, or the test images of a file without a training split."))
    var dataDirectory: String?

    @Option(help: "Arrays of the training split in a --data file: IMAGES,LABELS (default x_train,y_train).")
    var trainKeys: String?

    @OptionGroup var fileFlags: DatasetFileFlags

    @Option(help: "Monte Carlo programmings per layer for the programming-error check (0 skips it).")
    var monteCarlo = 10

    @Option(help: "Threshold of the programming-error check: mean relative error of a layer's outputs.")
    var maxProgrammingError = 0.25

    @Option(help: "Threshold of the ADC check: fraction of clipped conversions.")
    var maxAdcClipping = 0.01

    @Flag(help: "Calibrate on the calibration images: a weight scale per column, static input ranges, each tile's ADC full scale (stored in the image, schema v3 and later).")
    var calibrate = false

    @Option(help: ArgumentHelp("With --calibrate: the |w| of a column's extreme level: max, percentile:P or sigma:K.", valueName: "rule"))
    var weightClip = "max"

    @Option(help: ArgumentHelp("With --calibrate: input scaling for the DAC: quantile:Q (a static range per tile row block), max, or abs-max (per input vector).", valueName: "rule"))
    var inputRange = "quantile:0.99995"

    @Option(help: ArgumentHelp("With --calibrate: each tile's ADC full scale: mse (least quantisation plus clipping error, at most the chip's) or chip.", valueName: "rule"))
    var adcRange = CalibrationConfig.ADCRange.mse.rawValue

    @Option(help: ArgumentHelp("Device pairs per weight (bit slices, 1…\(BitSlicing.maxCount)): slice s has significance L^s for a device of L levels (4 slices of 4-level devices: ±255). Written as a schema v4 image when > 1.", valueName: "N"))
    var slices = 1

    @Option(help: "Defect map (JSON) of the physical chip: stuck devices to avoid.")
    var defects: String?

    @Option(help: "Seed of the Monte Carlo checks.", transform: ArgumentRanges.seed)
    var seed: UInt64 = 1

    @Flag(help: "Fail (non-zero exit, no output) when any check fails.")
    var strict = false

    @Flag(help: "Replace an existing output file.")
    var overwrite = false

    @Flag(help: "Print the mapping report as JSON on stdout.")
    var json = false

    func config() throws(CIMError) -> MappingConfig {
        var c = MappingConfig(spec: try ChipDocument.load(chip, set: set).spec)
        guard let w = MappingConfig.WeightSource(rawValue: weights) else {
            throw .invalidConfig(field: "--weights", reason: "unknown source '\(weights)' (known: programmed, targets, digital)")
        }
        c.weightsFrom = w
        c.seed = seed
        c.monteCarloDraws = monteCarlo
        c.maxProgrammingRelativeError = maxProgrammingError
        c.maxADCClippingRate = maxAdcClipping
        guard calibration >= 0 else { throw .invalidConfig(field: "--calibration", reason: "\(calibration) must be ≥ 0") }
        if calibrate {
            func flag<T>(_ name: String, _ parse: () throws(CIMError) -> T) throws(CIMError) -> T {
                do { return try parse() } catch {
                    guard case let .invalidConfig(_, reason) = error else { throw error }
                    throw .invalidConfig(field: name, reason: reason)
                }
            }
            let clip = try flag("--weight-clip") { () throws(CIMError) in try CalibrationConfig.WeightClip(parsing: weightClip) }
            let range = try flag("--input-range") { () throws(CIMError) in try CalibrationConfig.InputRange(parsing: inputRange) }
            guard let adc = CalibrationConfig.ADCRange(rawValue: adcRange) else {
                throw .invalidConfig(field: "--adc-range", reason: "'\(adcRange)' is not mse or chip")
            }
            guard calibration > 0 else { throw .invalidConfig(field: "--calibrate", reason: "needs calibration images (--calibration must be > 0)") }
            c.calibration = CalibrationConfig(weightClip: clip, inputRange: range, adcRange: adc)
        } else if weightClip != "max" || inputRange != "quantile:0.99995" || adcRange != CalibrationConfig.ADCRange.mse.rawValue {
            throw .invalidConfig(field: "--calibrate", reason: "--weight-clip, --input-range and --adc-range need --calibrate")
        }
        // the library's checks name its fields; name the flags instead
        guard (0...MappingConfig.maxMonteCarloDraws).contains(monteCarlo) else {
            throw .invalidConfig(field: "--monte-carlo", reason: "\(monteCarlo) must be from 0 to \(MappingConfig.maxMonteCarloDraws)")
        }
        guard maxProgrammingError.isFinite, maxProgrammingError > 0 else {
            throw .invalidConfig(field: "--max-programming-error", reason: "\(maxProgrammingError) must be > 0")
        }
        guard maxAdcClipping.isFinite, (0...1).contains(maxAdcClipping) else {
            throw .invalidConfig(field: "--max-adc-clipping", reason: "\(maxAdcClipping) must be in [0, 1]")
        }
        c.slices = slices
        do { _ = try c.slicing } catch {
            guard case let .invalidConfig(_, reason) = error else { throw error }
            throw .invalidConfig(field: "--slices", reason: reason)
        }
        guard out.hasSuffix(".h5") else { throw .invalidConfig(field: "--out", reason: "'\(out)' must end in .h5") }
        try c.validate()
        return c
    }

    /// The calibration batch: the first N training images of the dataset.
    func calibrationBatch(provenance: [String: String], inputShape: [Int]) throws(CIMError) -> Tensor? {
        guard calibration > 0 else { return nil }
        var name = dataset
        if name == nil, let text = provenance["training_config"],
           let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] {
            name = object["dataset"] as? String
        }
        let images: ImageDataset
        var dataDirectory = self.dataDirectory
        var fileOptions = try fileFlags.options(data: dataDirectory, trainKeys: trainKeys)
        // a model trained on --data DIR|FILE calibrates on the same data unless told otherwise
        if dataDirectory == nil, dataset == nil, let text = provenance["training_config"],
           let trained = try? JSONDecoder().decode(TrainingConfig.self, from: Data(text.utf8)), let recorded = trained.dataDirectory {
            guard FileManager.default.fileExists(atPath: recorded) else {
                throw .invalidConfig(field: "--data", reason: "the model was trained on \(recorded), which is not there; give --data or --dataset for the calibration images")
            }
            dataDirectory = recorded
            fileOptions = trained.dataOptions
        }
        if let dataDirectory {
            images = try DatasetCatalog.loadCalibration(path: dataDirectory, options: fileOptions)
        } else {
            let n = name ?? DatasetName.mnist.rawValue
            guard let d = DatasetName(rawValue: n) else {
                throw .invalidConfig(field: "--dataset", reason: "unknown dataset '\(n)' (known: \(DatasetName.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            images = try DatasetCatalog.load(d).train
        }
        if let problem = images.mismatch(withInputShape: inputShape) {
            throw .invalidConfig(field: dataDirectory == nil ? "--dataset" : "--data", reason: problem)
        }
        guard images.count >= 1 else {
            throw .invalidConfig(field: dataDirectory == nil ? "--dataset" : "--data", reason: "no calibration images (give --calibration 0 to skip the calibration checks)")
        }
        let n = min(calibration, images.count)
        return images.batch(indices: Array(0..<n)[...]).x
    }

    /// Maps, checks, and writes the image and its report; prints a summary.
    /// `note` makes extra lines from the finished image (printed before the summary).
    func run(model: TrainedModel, note: (ChipImage) throws -> String? = { _ in nil }) throws {
        let config = try config()
        let reportPath = String(out.dropLast(3)) + ".mapping.json"
        if !overwrite, FileManager.default.fileExists(atPath: out) {
            let alone = !FileManager.default.fileExists(atPath: reportPath)
            throw CIMError.io(path: out, reason: alone ? "exists without its \((reportPath as NSString).lastPathComponent) (an interrupted export; use --overwrite to export again)"
                                                          : "exists (use --overwrite or another --out)")
        }
        if !overwrite, FileManager.default.fileExists(atPath: reportPath) {
            throw CIMError.io(path: reportPath, reason: "exists (use --overwrite or another --out)")
        }
        try OutputDirectory.prepare(forFile: out)
        let defectMap = try defects.map { path throws(CIMError) in
            try DefectMap.read(path: path, tileRows: config.spec.tileRows, tileColumns: config.spec.tileColumns, tileCount: config.spec.tileCount)
        }
        try BLAS.load()
        BLAS.setThreads(1)
        let calibration = try calibrationBatch(provenance: model.provenance, inputShape: model.network.architecture.inputShape)
        let image = try Mapper(config: config).map(model, calibration: calibration, defects: defectMap,
                                                   creator: "CIMKit \(CIMKitVersion.string)")
        let failed = image.report.checks.filter { !$0.passed }
        if strict, !failed.isEmpty {
            throw LineFailures(lines: failed.map { "check \($0.name) failed: \($0.detail)" })
        }
        // without --overwrite both files are created exclusively: of two exports racing for
        // one path, one wins and the other writes nothing
        let mode: AtomicFile.Mode = overwrite ? .replace : .exclusive
        try ChipImageFile.write(image, to: out, mode: mode)
        do { try AtomicFile.write(Data(jsonText(image.report).utf8), to: reportPath, mode: mode) } catch {
            if !overwrite { unlink(out) }  // the image this run created; its report could not join it
            throw error
        }
        if json {
            print(try jsonText(image.report))
            return
        }
        if let text = try note(image) { print(text) }
        print(ReportText.summary(image))
        print("wrote \(out) (\(ReportText.size(of: out))) and \(reportPath)")
    }
}

/// Several one-line failures (each printed as `error: …`), exit 1.
struct LineFailures: Error {
    var lines: [String]
}
