import ArgumentParser
import CIMChipImage
import CIMEvaluate
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

    @Flag(help: "Also estimate the inference cost per image (tile operations, latency, energy; the paper's figures as the model).")
    var cost = false

    struct Summary: Codable {
        var info: ImageInfo
        var chip: String
        var tileRows: Int, tileColumns: Int, tiles: Int
        var layers: [String]
        var report: MappingReport
        var provenanceKeys: [String]
        var cost: HardwareCost?
    }

    func run() throws {
        let img = try ChipImageFile.read(path: image)
        if json {
            print(try jsonText(Summary(info: img.info, chip: img.spec.name, tileRows: img.spec.tileRows, tileColumns: img.spec.tileColumns,
                                       tiles: img.tiles.count, layers: img.architecture.layers.map(\.description),
                                       report: img.report, provenanceKeys: img.provenance.keys.sorted(),
                                       cost: cost ? HardwareCost(image: img) : nil)))
            return
        }
        print("\(image): \(img.info.creator), \(img.info.createdUTC), source \(img.info.source), seed \(img.info.seed)")
        let a = img.architecture
        if a.inputs == nil {
            print("network \(a.name) \(a.inputShape): " + a.layers.map(\.description).joined(separator: " → "))
        } else {  // a graph: each layer with its index, and its inputs where it does not read the layer before
            print("network \(a.name) \(a.inputShape), a layer graph (−1 = the input): " + a.layers.enumerated().map { i, l in
                "\(i) \(l)" + (a.inputsOf(i) == [i - 1] ? "" : " ← \(a.inputsOf(i).map(String.init).joined(separator: ", "))")
            }.joined(separator: "; "))
        }
        print(ReportText.summary(img))
        if img.spec.device.levels >= 2 {
            let top = img.spec.device.levels - 1
            print("level histogram (k = l⁺ − l⁻ from −\(top) to +\(top)):")
            for l in img.report.layers {
                print("  layer \(l.index): " + l.levelHistogram.map(String.init).joined(separator: " "))
            }
        }
        if let s = img.source { print("on-chip source: rule \(s.rule), \(s.layers.count) layers of programmed conductances") }
        if cost {
            let c = HardwareCost(image: img)
            print("cost per image (Wu et al. 2023 figures: \(c.cyclesPerTileOperation) cycles per tile operation at \(Int(c.clockMHz)) MHz, "
                + String(format: "%.2f nJ per operation):", c.energyPerTileOperationNanojoules))
            for l in c.layers {
                print("  layer \(l.index): \(l.vectorsPerImage) input vectors × \(l.blocks) blocks × \(l.phases) phase\(l.phases == 1 ? "" : "s") = \(l.tileOperations) tile operations")
            }
            print(String(format: "  %d tiles, %d tile operations, %.3f ms (operations one after another), %.2f µJ",
                         c.tiles, c.tileOperationsPerImage, c.latencyMilliseconds, c.energyMicrojoules))
        }
    }
}
