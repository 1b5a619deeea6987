import ArgumentParser
import CIMChipImage
import CIMCore
import CIMData
import CIMMap
import CIMNetwork
import Foundation

/// `cim verify`: is a chip image sound?
struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check a chip image: schema version, required objects, types, shapes, ranges, placement, checksums.",
        discussion: "Prints one line per problem and exits 1, or prints 'ok' and exits 0 when the file is sound. With "
            + "--calibration-data, a calibrated image's calibration set is rebuilt (the first N training images, N as recorded) "
            + "and its SHA-256 compared with the one in the image's provenance.")

    @Argument(help: "The chip image (.h5).")
    var image: String

    @Option(help: "Check a calibrated image's calibration set against this data: a dataset name (mnist, fashion-mnist), a directory of IDX files, or a .npz/.h5 file (its training split).")
    var calibrationData: String?

    @Option(help: "Arrays of the training split in a --calibration-data file: IMAGES,LABELS (default x_train,y_train).")
    var trainKeys: String?

    @Option(help: "Axis order of 4-D image arrays in a --calibration-data file: nhwc (the default) or nchw.")
    var layout: String?

    func run() throws {
        let (problems, version) = ChipImageFile.verifyWithVersion(path: image)
        guard problems.isEmpty else { throw LineFailures(lines: problems.map { "\(image): \($0)" }) }
        let img = try ChipImageFile.read(path: image)
        let calibrated = img.provenance[CalibrationRecord.provenanceKey]
        var checked = ""
        if let calibrationData {
            guard let text = calibrated else {
                throw CIMError.invalidConfig(field: "--calibration-data", reason: "\(image) is not calibrated (it has no provenance 'calibration')")
            }
            let record = try JSONDecoder().decode(CalibrationRecord.self, from: Data(text.utf8))
            let hash = try Self.calibrationSHA256(calibrationData, record: record, options: DatasetFileFlags.options(data: calibrationData, layout: layout, testKeys: nil, trainKeys: trainKeys))
            guard hash == record.inputSHA256 else {
                throw CIMError.invalidConfig(field: "--calibration-data", reason: "the first \(record.images) training images of \(calibrationData) "
                    + "have SHA-256 \(hash), but \(image) was calibrated on inputs with SHA-256 \(record.inputSHA256)")
            }
            checked = ", calibration set matches \(calibrationData)"
        }
        print("ok: \(image) is a sound chip image (schema \(version), \(calibrated == nil ? "" : "calibrated, ")\(img.layers.first.map { $0.slicing.count > 1 ? "\($0.slicing.count) bit slices, " : "" } ?? "")chip \(img.spec.name), \(img.tiles.count) tiles, \(img.layers.count) weighted layers\(checked))")
    }

    /// SHA-256 of the first `record.images` training images of `data` (float32 little-endian, the
    /// network's input layout), as `cim export --calibrate` hashed them.
    static func calibrationSHA256(_ data: String, record: CalibrationRecord, options: DatasetFileOptions?) throws(CIMError) -> String {
        let images: ImageDataset
        if let name = DatasetName(rawValue: data), !FileManager.default.fileExists(atPath: data) {
            guard options == nil else { throw .invalidConfig(field: "--calibration-data", reason: "'\(data)' is a dataset name; --layout and the keys apply to files") }
            images = try DatasetCatalog.load(name).train
        } else {
            images = try DatasetCatalog.loadCalibration(path: data, options: options)
        }
        if let problem = images.mismatch(withInputShape: record.inputShape) {
            throw .invalidConfig(field: "--calibration-data", reason: problem)
        }
        guard images.count >= record.images else {
            throw .invalidConfig(field: "--calibration-data", reason: "\(data) has \(images.count) training images; the image was calibrated on \(record.images)")
        }
        let x = images.batch(indices: Array(0..<record.images)[...]).x
        return x.data.withUnsafeBytes { SHA256.hex(of: $0) }
    }
}
