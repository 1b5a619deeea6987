import ArgumentParser
import CIMChipImage
import CIMMap
import Foundation

/// `cim inspect`: what a chip image holds.
struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show a chip image: chip, layers, tiles, utilisation, level histogram per layer, checks.")

    @Argument(help: "The chip image (.h5).")
    var image: String

    @Flag(help: "Print JSON on stdout.")
    var json = false

    struct Summary: Codable {
        var info: ImageInfo
        var chip: String
        var tileRows: Int, tileColumns: Int, tiles: Int
        var layers: [String]
        var report: MappingReport
        var provenanceKeys: [String]
    }

    func run() throws {
        let img = try ChipImageFile.read(path: image)
        if json {
            print(try jsonText(Summary(info: img.info, chip: img.spec.name, tileRows: img.spec.tileRows, tileColumns: img.spec.tileColumns,
                                       tiles: img.tiles.count, layers: img.architecture.layers.map(\.description),
                                       report: img.report, provenanceKeys: img.provenance.keys.sorted())))
            return
        }
        print("\(image): \(img.info.creator), \(img.info.createdUTC), source \(img.info.source), seed \(img.info.seed)")
        print("network \(img.architecture.name) \(img.architecture.inputShape): " + img.architecture.layers.map(\.description).joined(separator: " → "))
        print(ReportText.summary(img))
        if img.spec.device.levels >= 2 {
            let top = img.spec.device.levels - 1
            print("level histogram (k = l⁺ − l⁻ from −\(top) to +\(top)):")
            for l in img.report.layers {
                print("  layer \(l.index): " + l.levelHistogram.map(String.init).joined(separator: " "))
            }
        }
        if let s = img.source { print("on-chip source: rule \(s.rule), \(s.layers.count) layers of programmed conductances") }
    }
}
