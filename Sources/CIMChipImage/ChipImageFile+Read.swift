import CIMCore
import CIMCrossbar
import CIMHDF5
import CIMMap
import CIMNetwork
import Foundation

extension ChipImageFile {
    /// Reads and checks an image; the first problem found is the error (see ``verify(path:)``
    /// for all of them).
    public static func read(path: String) throws(CIMError) -> ChipImage {
        var reader = Reader(path: path)
        let image = reader.run()
        if let first = reader.problems.first { throw CIMError.format(path: path, reason: first) }
        guard let image else { throw CIMError.format(path: path, reason: "unreadable chip image") }
        return image
    }

    /// Every problem of the file, one line each (empty = sound): schema version, required
    /// objects, types, shapes, ranges, placement, checksums.
    public static func verify(path: String) -> [String] { verifyWithVersion(path: path).problems }

    /// ``verify(path:)`` and the file's schema version (as far as it was read).
    public static func verifyWithVersion(path: String) -> (problems: [String], version: Int) {
        var reader = Reader(path: path)
        _ = reader.run()
        return (reader.problems, reader.version)
    }

    /// The image and the problems of a snapshot already taken (``HDF5Snapshot``), without the
    /// seal: what ``read(path:)`` does after the file is open (the fuzz target's entry).
    public static func check(snapshot root: HDF5Node) -> (image: ChipImage?, problems: [String]) {
        var reader = Reader(path: root.file)
        let image = reader.run(root: root)
        return (reader.problems.isEmpty ? image : nil, reader.problems)
    }
}

/// Reads an image while collecting problems instead of stopping at the first (except where
/// nothing after could be read).
struct Reader {
    let path: String
    var problems: [String] = []
    /// The file's schema version (1, 2 or 3), once read.
    var version = ChipImageFile.version

    init(path: String) { self.path = path }

    mutating func problem(_ object: String, _ what: String) { problems.append("\(object): \(what)") }

    mutating func attributeProblem(_ g: HDF5Node, _ name: String, _ error: HDF5Error) {
        problem(g.path + (g.path.hasSuffix("/") ? "" : "/") + name,
                error.kind == .typeMismatch ? "wrong type: \(error.message)" : "missing or unreadable attribute")
    }

    /// String, integer and floating-point attributes, or `nil` with a problem.
    mutating func str(_ g: HDF5Node, _ name: String) -> String? {
        do { return try g.stringAttribute(name) } catch { attributeProblem(g, name, error); return nil }
    }
    mutating func int(_ g: HDF5Node, _ name: String) -> Int? {
        do { return try g.intAttribute(name) } catch { attributeProblem(g, name, error); return nil }
    }
    mutating func dbl(_ g: HDF5Node, _ name: String) -> Double? {
        do { return try g.doubleAttribute(name) } catch { attributeProblem(g, name, error); return nil }
    }

    /// A dataset of exactly type T (and shape, if given) whose checksum matches, or `nil`.
    mutating func data<T: HDF5Scalar>(_ g: HDF5Node, _ name: String, shape: [Int]?, as: T.Type, maxCount: Int = 1 << 31) -> [T]? {
        let object = g.path + (g.path.hasSuffix("/") ? "" : "/") + name
        do {
            guard try g.exists(name), try g.isDataset(name) else { problem(object, "missing dataset"); return nil }
            let d = try g.openDataset(name)
            guard d.dataType == T.hdf5DataType else { problem(object, "dtype \(d.dataType), expected \(T.hdf5DataType)"); return nil }
            if let shape, d.shape != shape { problem(object, "shape \(d.shape), expected \(shape)"); return nil }
            var count = 1, overflow = false
            for n in d.shape where !overflow { (count, overflow) = count.multipliedReportingOverflow(by: n) }
            if overflow || count > maxCount { problem(object, "shape \(d.shape) holds more than the \(maxCount) elements it can need"); return nil }
            let values = try d.read(as: T.self)
            if !(try d.hasAttribute("sha256")) {
                problem(object, "no sha256 attribute")
            } else if try d.stringAttribute("sha256") != ChipImageFile.checksum(values) {
                problem(object, "sha256 does not match the data (the file was altered or damaged)")
            }
            return values
        } catch {
            problem(object, "unreadable: \(error.message)")
            return nil
        }
    }

    mutating func run() -> ChipImage? {
        if let why = ChipImageFile.sealProblem(path: path) {
            problem("/", why)
            return nil
        }
        let fileSize = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        let root: HDF5Node
        do {
            root = try HDF5Snapshot.read(path: path, policy: ChipImageFile.readPolicy(fileSize: fileSize))
        } catch {
            problem(error.object.isEmpty ? "/" : error.object, error.kind == .library ? "not a readable HDF5 file (\(error.message))" : error.message)
            return nil
        }
        return run(root: root)
    }

    /// Checks and reads the image held by `root` (a snapshot of the file, already past its seal).
    mutating func run(root: HDF5Node) -> ChipImage? {
        guard let format = str(root, "format") else { return nil }
        guard format == ChipImageFile.format else {
            problem("/format", "'\(format)' is not a CIMKit chip image ('\(ChipImageFile.format)')")
            return nil
        }
        guard let version = int(root, "format_version") else { return nil }
        guard ChipImageFile.readableVersions.contains(version) else {
            problem("/format_version", "schema version \(version); this CIMKit reads versions \(ChipImageFile.readableVersions.lowerBound)…\(ChipImageFile.readableVersions.upperBound)")
            return nil
        }
        self.version = version
        let info = ImageInfo(creator: str(root, "creator") ?? "",
                             createdUTC: str(root, "created_utc") ?? "",
                             seed: UInt64(bitPattern: Int64(int(root, "seed") ?? 0)),
                             source: str(root, "source") ?? "",
                             weightsFrom: str(root, "weights_from") ?? "")
        guard let spec = readChip(root) else { return nil }
        guard let (architecture, layers, affineLayers, preprocessing) = readNetwork(root, spec: spec) else { return nil }
        checkLayout(root, architecture: architecture)
        // placement is checked against readable tiles only (else every block would be "outside")
        let readable = readTiles(root, spec: spec), tiles = readable ?? []
        if readable != nil { checkPlacement(layers, tiles: tiles.count, spec: spec) }
        let source = readSource(root, architecture: architecture)
        if (source != nil) != info.source.hasPrefix("on-chip") {
            problem("/source", "\(source == nil ? "missing" : "present"), but the image's source is '\(info.source)'")
        }
        var provenance: [String: String] = [:]
        var report = MappingReport(chip: spec.name, tilesUsed: tiles.count, tileCapacity: spec.tileCount, utilisation: 0, layers: [], checks: [])
        if let g = group(root, "provenance"), let names = try? g.attributeNames() {
            for n in names where n != "mapping_report" { provenance[n] = str(g, n) }
            checkCalibrationRecord(provenance[CalibrationRecord.provenanceKey], layers: layers)
            if let text = str(g, "mapping_report") {
                if let r = try? JSONDecoder().decode(MappingReport.self, from: Data(text.utf8)) { report = r } else {
                    problem("/provenance/mapping_report", "not a valid mapping report")
                }
            }
        }
        return ChipImage(info: info, spec: spec, architecture: architecture, layers: layers, tiles: tiles, source: source,
                         provenance: provenance, report: report, preprocessing: preprocessing, affineLayers: affineLayers)
    }

    mutating func group(_ parent: HDF5Node, _ name: String) -> HDF5Node? {
        do {
            guard try parent.exists(name), try parent.isGroup(name) else {
                problem((parent.path == "/" ? "" : parent.path) + "/" + name, "missing group")
                return nil
            }
            return try parent.openGroup(name)
        } catch {
            problem("/" + name, "unreadable group: \(error.message)")
            return nil
        }
    }

    mutating func readChip(_ root: HDF5Node) -> ChipSpec? {
        guard let chip = group(root, "chip"), let text = str(chip, "spec_json") else { return nil }
        if version >= 3 {
            // stored once, read strictly: no unknown key, every value of its type, then validated
            do { return try ChipDocument.parse(Array(text.utf8), label: "spec_json").spec } catch {
                problem("/chip/spec_json", error.description)
                return nil
            }
        }
        guard let spec = try? JSONDecoder().decode(ChipSpec.self, from: Data(text.utf8)) else {
            problem("/chip/spec_json", "not a valid chip spec")
            return nil
        }
        do { try spec.validate() } catch { problem("/chip/spec_json", error.description); return nil }
        for (name, value) in [("tile_rows", spec.tileRows), ("tile_columns", spec.tileColumns), ("tile_count", spec.tileCount ?? 0)] {
            if let v = int(chip, name), v != value {
                problem("/chip/\(name)", "\(v) disagrees with spec_json (\(value))")
            }
        }
        if let dev = group(chip, "device") {
            for (name, value) in [("g_min_uS", spec.device.gMinMicroSiemens), ("g_max_uS", spec.device.gMaxMicroSiemens),
                                  ("read_voltage_V", spec.device.readVoltage), ("programming_sigma_uS", spec.device.programmingSigmaMicroSiemens),
                                  ("read_sigma_uS", spec.device.readSigmaMicroSiemens)] {
                if let v = dbl(dev, name), v != value {
                    problem("/chip/device/\(name)", "\(v) disagrees with spec_json (\(value))")
                }
            }
            for (name, value) in [("levels", spec.device.levels), ("max_write_trials", spec.device.maxWriteTrials)] {
                if let v = int(dev, name), v != value { problem("/chip/device/\(name)", "\(v) disagrees with spec_json (\(value))") }
            }
            for (name, value) in [("verify_tolerance_levels", spec.device.verifyToleranceLevels), ("stuck_rate", spec.device.stuckRate),
                                  ("drift_nu", spec.device.driftNu)] {
                if let v = dbl(dev, name), v != value { problem("/chip/device/\(name)", "\(v) disagrees with spec_json (\(value))") }
            }
        }
        if let dac = group(chip, "dac") {
            for (name, value) in [("bits", spec.dac.bits), ("bit_serial", spec.dac.bitSerial ? 1 : 0)] {
                if let v = int(dac, name), v != value { problem("/chip/dac/\(name)", "\(v) disagrees with spec_json (\(value))") }
            }
        }
        if let adc = group(chip, "adc") {
            for (name, value) in [("bits", spec.adc.bits), ("columns_per_adc", spec.adc.columnsPerADC)] {
                if let v = int(adc, name), v != value { problem("/chip/adc/\(name)", "\(v) disagrees with spec_json (\(value))") }
            }
            for (name, value) in [("full_scale_uA", spec.adc.fullScaleMicroAmps), ("noise_sigma_uA", spec.adc.noiseSigmaMicroAmps)] {
                if let v = dbl(adc, name), v != value { problem("/chip/adc/\(name)", "\(v) disagrees with spec_json (\(value))") }
            }
        }
        return spec
    }
}

extension Reader {
    /// A calibrated image (v3) records its calibration in `/provenance/calibration`, and the
    /// layers agree with it: column scales in every weighted layer, static input ranges exactly
    /// when the settings ask for them, tile ADC full scales exactly with `adcRange` `mse` (and
    /// a quantising ADC). An uncalibrated image has no such record.
    mutating func checkCalibrationRecord(_ text: String?, layers: [LayerImage]) {
        let object = "/provenance/" + CalibrationRecord.provenanceKey
        let calibrated = layers.filter { $0.calibration != nil }
        guard let text else {
            if !calibrated.isEmpty { problem(object, "missing, but layer \(calibrated[0].index) is calibrated") }
            return
        }
        guard version >= 3 else { problem(object, "a calibration record in a version \(version) image (calibration needs version 3)"); return }
        guard let record = try? JSONDecoder().decode(CalibrationRecord.self, from: Data(text.utf8)) else {
            problem(object, "not a valid calibration record")
            return
        }
        if let why = record.problem { problem(object, why); return }
        let wantRanges = record.settings.inputRange != .absMax
        for l in layers {
            let name = "/network/" + ChipImageFile.layerName(l.index)
            guard let c = l.calibration else { problem(name, "not calibrated, but the image records a calibration"); continue }
            if (c.inputRanges != nil) != wantRanges {
                problem(name + "/input_range", "\(c.inputRanges == nil ? "missing" : "present"), but the calibration's input range is \(record.settings.inputRange)")
            }
            if c.adcFullScalesMicroAmps != nil, record.settings.adcRange != .mse {
                problem(name + "/adc_full_scale_uA", "present, but the calibration's ADC range is \(record.settings.adcRange.rawValue)")
            }
        }
    }
}
