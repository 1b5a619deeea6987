import ArgumentParser
import CIMChipImage
import CIMCore
import CIMMap
import Foundation

/// `cim convert`: re-maps a chip image onto another chip without retraining.
struct Convert: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Re-map a chip image onto another chip format without retraining, and report the weight error it adds.",
        discussion: """
            The weights are read back from the image: from the training chip's programmed conductances
            when the image carries them (an on-chip-trained source, --weights programmed) or from the
            image's tile targets (--weights digital), then quantised and placed for --chip.
            Example: cim convert exported/lenet-soc.h5 --chip wu2023-inference --out exported/lenet-inference.h5
            """)

    @Argument(help: "The chip image to convert (.h5).")
    var image: String

    @OptionGroup var options: MappingOptions

    func run() throws {
        let old = try ChipImageFile.read(path: image)
        let oldNetwork = try old.quantizedNetwork()
        let model = TrainedModel(network: oldNetwork, source: old.source, provenance: old.provenance, seed: old.info.seed)
        let from = old.source != nil && options.weights != "digital" ? options.weights : "image tile targets"
        try options.run(model: model) { image in
            // the error the conversion adds, against the weights the old image holds
            let newNetwork = try image.quantizedNetwork()
            var lines = ["converting \(self.image) (\(old.spec.name), \(old.tiles.count) tiles) → \(image.spec.name); weights read from \(from)"]
            for l in old.layers {
                let off = oldNetwork.offsets[l.index], n = l.rows * l.columns
                var e2 = 0.0, w2 = 0.0, worst = 0.0
                for k in off..<(off + n) {
                    let a = Double(oldNetwork.parameters[k]), b = Double(newNetwork.parameters[k])
                    e2 += (b - a) * (b - a); w2 += a * a; worst = max(worst, abs(b - a))
                }
                lines.append(String(format: "layer %d: weight error vs the old image: relative RMS %.4f, max %.5f", l.index,
                                    w2 > 0 ? (e2 / w2).squareRoot() : 0, worst))
            }
            return lines.joined(separator: "\n")
        }
    }
}
