import ArgumentParser
import CIMChipImage
import CIMMap

/// `cim verify`: is a chip image sound?
struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check a chip image: schema version, required objects, types, shapes, ranges, placement, checksums.",
        discussion: "Prints one line per problem and exits 1, or prints 'ok' and exits 0 when the file is sound.")

    @Argument(help: "The chip image (.h5).")
    var image: String

    func run() throws {
        let (problems, version) = ChipImageFile.verifyWithVersion(path: image)
        guard problems.isEmpty else { throw LineFailures(lines: problems.map { "\(image): \($0)" }) }
        let img = try ChipImageFile.read(path: image)
        print("ok: \(image) is a sound chip image (schema \(version), \(img.provenance[CalibrationRecord.provenanceKey] == nil ? "" : "calibrated, ")\(img.layers.first.map { $0.slicing.count > 1 ? "\($0.slicing.count) bit slices, " : "" } ?? "")chip \(img.spec.name), \(img.tiles.count) tiles, \(img.layers.count) weighted layers)")
    }
}
