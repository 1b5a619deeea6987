import ArgumentParser
import CIMChipImage
import CIMCore
import CIMMap
import CIMONNX
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
            With --to onnx, writes instead the network as the programmed chip computes it (effective weights
            s·(G⁺ − G⁻) from the stored targets and scales, digital biases, no periphery) as an ONNX model
            (opset 17, input NCHW float32 `input`, output `logits`) that onnxruntime runs:
            cim convert exported/lenet-inference.h5 --to onnx --out lenet-deployed.onnx
            """)

    @Argument(help: "The chip image to convert (.h5).")
    var image: String

    @Option(help: "Write another format instead of a chip image: onnx (the effective weights as an ONNX model, to --out).")
    var to: String?

    @OptionGroup var options: MappingOptions

    func run() throws {
        if let to {
            guard to == "onnx" else { throw CIMError.invalidConfig(field: "--to", reason: "'\(to)' is not a format (onnx)") }
            guard options.out.lowercased().hasSuffix(".onnx") else {
                throw CIMError.invalidConfig(field: "--out", reason: "'\(options.out)' must end in .onnx with --to onnx")
            }
            if !options.overwrite, FileManager.default.fileExists(atPath: options.out) {
                throw CIMError.io(path: options.out, reason: "already exists (use --overwrite)")
            }
            let network = try ChipImageFile.read(path: image).quantizedNetwork()
            try ONNXWriter.write(network, producer: "CIMKit \(CIMKitVersion.string) (cim convert \((image as NSString).lastPathComponent))",
                                 to: options.out)
            print("wrote \(options.out): \(network.architecture.layers.count) layers, \(network.architecture.weightCount) weights "
                + "as the chip image holds them (effective weights, no periphery)")
            return
        }
        let old = try ChipImageFile.read(path: image)
        let oldNetwork = try old.quantizedNetwork()
        let model = TrainedModel(network: oldNetwork, source: old.source, provenance: old.provenance, seed: old.info.seed,
                                 preprocessing: old.preprocessing)
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
