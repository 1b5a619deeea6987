import ArgumentParser
import CIMCore
import CIMCrossbar
import CIMDevice
import Foundation

/// `cim device`: fit a device model to measurements, or sample measurements from one.
struct Device: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Fit a device model to measurements (fit), or draw synthetic measurements from one (sample).",
        discussion: "Measurements are CSV files, one row per read: device_id,target_uS,time_s,conductance_uS (schemas/device-measurements-v1.md).",
        subcommands: [Fit.self, Sample.self])

    /// The device `text` names: a device preset, a chip (preset or file: its device) or a device JSON file.
    static func device(_ text: String) throws(CIMError) -> DeviceModel {
        if let p = DevicePreset(rawValue: text) { return p.model }
        if ChipPreset(rawValue: text) != nil { return try ChipDocument.load(text, set: []).spec.device }
        let bytes = try BoundedFileRead.bytes(atPath: text, maxBytes: ChipDocument.maxFileBytes, what: text)
        if let tree = try? JSONValue.parse(bytes, maxDepth: 8), tree[["device"]] != nil {
            return try ChipDocument.parse(bytes, label: "chip file \(text)").spec.device
        }
        return try DeviceModel.parse(bytes, label: "device file \(text)")
    }

    /// `cim device fit`.
    struct Fit: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Fit σ_prog (a polynomial in G/gMax), read σ and drift (ν mean, ln-x slope, σ_ν) to measurements, with 95 % bootstrap intervals.",
            discussion: """
                Writes the fitted device (--out, a device JSON object as a chip's "device"), the fit's record (--fit-out: every \
                parameter with its interval, the goodness of fit, the input's SHA-256 and row count), optionally a chip \
                (--chip-out: --chip with its device replaced, each fitted value's source naming the fit) and a plot (--plot, SVG).
                """)

        @Argument(help: "Measurements CSV (schemas/device-measurements-v1.md).")
        var measurements: String

        @Option(help: "The fitted device's JSON file.")
        var out: String

        @Option(name: .customLong("fit-out"), help: "The fit's record (JSON; default: OUT with -fit.json for .json).")
        var fitOut: String?

        @Option(help: "Base chip (preset or file): its device gives the window (gMax of x = G/gMax), levels and read voltage; default: a continuous 0–max target device read at 0.2 V.")
        var chip: String?

        @Option(name: .customLong("chip-out"), help: "Write --chip with the fitted device (a chip file).")
        var chipOut: String?

        @Option(help: "Write a plot of the fit (SVG).")
        var plot: String?

        @Option(name: .customLong("sigma-degree"), help: "Degree of the σ_prog polynomial in G/gMax (0…3).")
        var sigmaDegree = 2

        @Option(name: .customLong("g-max"), help: "gMax of x = G/gMax, µS (default: --chip's gMax, else the largest target).")
        var gMax: Double?

        @Flag(name: .customLong("constant-drift-mean"), help: "Fit one mean ν (no ln-x slope).")
        var constantDriftMean = false

        @Option(help: "Bootstrap resamples for the 95 % intervals (100…100000).")
        var bootstrap = 400

        @Option(help: "Bootstrap seed.")
        var seed: UInt64 = 1

        @Option(help: "The fitted device's name.")
        var name = "fitted"

        func run() throws {
            if chipOut != nil && chip == nil { throw CIMError.invalidConfig(field: "chip-out", reason: "needs --chip (the chip whose device is replaced)") }
            let base = try chip.map { (c: String) throws(CIMError) in try ChipDocument.load(c, set: []) }
            let data = try DeviceMeasurements.read(path: measurements)
            let options = DeviceFitOptions(sigmaDegree: sigmaDegree, gMaxMicroSiemens: gMax ?? base?.spec.device.gMaxMicroSiemens,
                                           driftLogSlope: !constantDriftMean, bootstrap: bootstrap, seed: seed)
            let result = try DeviceFit.fit(data, options: options)
            let baseDevice = base?.spec.device ?? DeviceModel(name: name, levels: 0, gMinMicroSiemens: 0, gMaxMicroSiemens: result.gMaxMicroSiemens,
                                                              readVoltage: 0.2, programmingSigmaMicroSiemens: 0, readSigmaMicroSiemens: 0, maxWriteTrials: 1)
            let device = result.device(base: baseDevice, name: name)
            try device.validate()
            let file = (measurements as NSString).lastPathComponent
            var recorded = result
            recorded.driftPoints = []  // one pair per device: for the plot, not the record
            let record = DeviceFitRecord(input: .init(file: file, sha256: data.sha256, rows: data.rows, devices: data.deviceIDs.count),
                                         baseChip: chip, result: recorded, device: device)
            print(result.summary)
            try AtomicFile.write(Array(device.jsonText.utf8), to: out)
            let recordPath = fitOut ?? (out.hasSuffix(".json") ? String(out.dropLast(5)) + "-fit.json" : out + "-fit.json")
            try AtomicFile.write(Array((try jsonText(record) + "\n").utf8), to: recordPath)
            print("wrote \(out) (device \(name)) and \(recordPath) (the fit's record)")
            if let chipOut, let base {
                var sources = base.sources.filter { !$0.key.hasPrefix("device.") }
                let provenance = "cim device fit of \(file) (SHA-256 \(data.sha256.prefix(16))…, \(data.rows) reads of \(data.deviceIDs.count) devices)"
                for key in DeviceFitRecord.fittedKeys(device) {
                    sources["device." + key] = "Fitted: \(provenance)" + (result.intervalText(key: key).map { ": " + $0 } ?? "")
                }
                sources["device.name"] = "cim device fit --name"
                for key in ChipDocument.specKeyPaths where key.hasPrefix("device.") && sources[key] == nil {
                    sources[key] = "As chip \(chip ?? ""): " + (base.sources[key] ?? "its value")
                }
                let doc = ChipDocument(spec: { var s = base.spec; s.name = name; s.device = device; return s }(),
                                       description: "\(base.spec.name) with its device fitted to \(file) by cim device fit.", sources: [:])
                let present = Set((try? JSONValue.parse(Array(doc.jsonText.utf8))).map { tree in
                    ChipDocument.specKeyPaths.filter { tree[$0.split(separator: ".").map(String.init)] != nil } } ?? [])
                let checked = try ChipDocument.parse(Array(ChipDocument(spec: doc.spec, description: doc.description,
                                                                        sources: sources.filter { present.contains($0.key) }).jsonText.utf8),
                                                     label: "chip \(chipOut)")
                try AtomicFile.write(Array(checked.jsonText.utf8), to: chipOut)
                print("wrote \(chipOut) (chip \(name))")
            }
            if let plot {
                try AtomicFile.write(Array(DeviceFitPlot.svg(result, title: "cim device fit: \(file)").utf8), to: plot)
                print("wrote \(plot)")
            }
        }
    }

    /// `cim device sample`.
    struct Sample: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Draw synthetic measurements from a device (a device preset, a chip, or a device JSON file) in the fit's CSV format.")

        @Argument(help: "A device preset, a chip preset or chip file (its device), or a device JSON file.")
        var device: String

        @Option(help: "Number of devices.")
        var devices = 1000

        @Option(help: "Read times after programming, s, ascending, comma-separated (the first is t₀ of the fit).")
        var times = "1,3600,86400"

        @Option(help: "Reads per device and time.")
        var reads = 4

        @Option(name: .customLong("target-range"), help: "Targets uniform in LOW,HIGH µS (default: the device's window).")
        var targetRange: String?

        @Option(help: "Seed.")
        var seed: UInt64 = 1

        @Option(help: "Output CSV file.")
        var out: String

        func run() throws {
            func list(_ text: String, _ field: String) throws(CIMError) -> [Double] {
                let values = text.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
                guard !values.isEmpty, values.allSatisfy({ $0?.isFinite == true }) else {
                    throw CIMError.invalidConfig(field: field, reason: "'\(text)' must be comma-separated numbers")
                }
                return values.map { $0! }
            }
            let sampler = MeasurementSampler(device: try Device.device(device), devices: devices, times: try list(times, "times"), reads: reads,
                                             targetRange: try targetRange.map { (t: String) throws(CIMError) in try list(t, "target-range") }, seed: seed)
            let text = try sampler.csv()
            try AtomicFile.write(Array(text.utf8), to: out)
            print("wrote \(out): \(devices) devices × \(sampler.times.count) times × \(reads) reads of device \(sampler.device.name) (seed \(seed))")
        }
    }
}

/// The record `cim device fit` writes next to the device (`--fit-out`).
struct DeviceFitRecord: Encodable {
    struct Input: Encodable { var file: String; var sha256: String; var rows: Int; var devices: Int }
    var format = "cimkit-device-fit-v1"
    var input: Input
    var baseChip: String?
    var method = "σ_prog: maximum likelihood (Fisher scoring) of the first-read residuals; σ_read: pooled within-cell variance; "
        + "ν: per-device least-squares slopes of ln G on ln(t/t₀), mean by least squares on ln x, σ_ν by moments; "
        + "95 % intervals: percentiles of a seeded bootstrap over devices"
    var result: DeviceFitResult
    var device: DeviceModel

    /// The device keys the fit sets (present in the device).
    static func fittedKeys(_ d: DeviceModel) -> [String] {
        var keys = ["programmingSigmaMicroSiemens", "programmingSigmaPolynomialMicroSiemens", "readSigmaMicroSiemens", "maxWriteTrials", "driftNu"]
        if d.driftNuLogSlope != nil { keys += ["driftNuLogSlope", "driftNuMeanRange"] }
        if d.driftNuSigma != nil { keys.append("driftNuSigma") }
        if d.driftReferenceSeconds != nil { keys.append("driftReferenceSeconds") }
        return keys
    }
}

extension DeviceFitResult {
    /// The estimates and intervals behind a device key, as text (nil for keys the fit sets by rule).
    func intervalText(key: String) -> String? {
        func f(_ v: Double) -> String { String(format: "%.4g", v) }
        let ps = parameters.filter { $0.key == key || ($0.key?.hasPrefix(key + "[") ?? false) }
        if !ps.isEmpty {
            return ps.map { "\($0.name) \(f($0.estimate)) [\(f($0.lower)), \(f($0.upper))] 95 % bootstrap interval" }.joined(separator: "; ")
        }
        switch key {
        case "programmingSigmaMicroSiemens": return "0, replaced by the fitted polynomial"
        case "maxWriteTrials": return "1, the measured σ_prog is the residual of however the devices were programmed"
        case "driftNuMeanRange": return "the fitted mean ν over the measured targets"
        case "driftReferenceSeconds": return "t₀ = the first read time (not fitted)"
        default: return nil
        }
    }
}
