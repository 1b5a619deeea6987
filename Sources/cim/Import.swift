import ArgumentParser
import CIMCore
import CIMData
import CIMMap
import CIMNetwork
import CIMONNX
import CIMTrain
import Foundation

/// `cim import`: an ONNX model → CIMKit's weights file.
struct Import: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import an ONNX model (PyTorch's exporters, opsets 13–21) as a CIMKit model.safetensors.",
        discussion: """
            Writes DIR/model.safetensors (schemas/weights-v1.md) with the ONNX file's name, SHA-256, producer,
            opset and what the import folded in its metadata. BatchNorm, bias adds and input normalisation are
            folded into the conv and dense layers; a softmax at the output is dropped (the predicted class is
            the same). Imported: layer graphs with residual adds; convolutions with stride, padding, dilation and
            groups; dense layers; ReLU, leaky ReLU, clip, tanh, sigmoid; max, average and global average pooling;
            flatten. Anything else is one error naming the node. `cim export` also takes an .onnx file directly
            (chip image v2 holds the whole graph).
            Example: cim import model.onnx --out runs/imported
            """)

    @Argument(help: "The ONNX model (.onnx, weights inside the file).")
    var model: String

    @Option(help: "Output directory (created if needed).")
    var out: String

    @Flag(help: "Replace an existing DIR/model.safetensors.")
    var overwrite = false

    @Option(help: ArgumentHelp("Also print the imported network's digital accuracy on a test set: \(DatasetName.allCases.map(\.rawValue).joined(separator: ", ")), "
        + "a directory of IDX files, or a .npz or .h5 file (see --layout, --test-keys).", valueName: "dataset"))
    var accuracy: String?

    @OptionGroup var fileFlags: DatasetFileFlags

    func run() throws {
        let target = out + "/model.safetensors"
        if !overwrite, FileManager.default.fileExists(atPath: target) {
            throw CIMError.io(path: target, reason: "already exists (use --overwrite or another --out)")
        }
        let (imported, metadata) = try Self.load(model)
        let network = try imported.network()
        if accuracy == nil { _ = try fileFlags.options(data: nil) }  // --layout, --test-keys need --accuracy FILE
        let test = try accuracy.map { name throws(CIMError) in try Self.testSet(name, fileFlags: fileFlags) }
        if let test, let problem = try test.mismatch(with: network.architecture) {
            throw CIMError.invalidConfig(field: "--accuracy", reason: "the test " + problem)
        }
        try OutputDirectory.prepare(out)
        try WeightsFile.write(network, metadata: metadata, to: target)
        let a = imported.architecture
        print("imported \(model): \(a.layers.map(\.description).joined(separator: ", "))")
        print("input \(a.inputShape[0])×\(a.inputShape[1])×\(a.inputShape[2]) (H×W×C), \(a.parameterCount) parameters, \(a.weightCount) weights")
        for note in imported.notes { print("  " + note) }
        if let test, let name = accuracy {
            try BLAS.load()
            let r = Evaluator.evaluate(network, on: test)
            print(String(format: "digital accuracy on the %d %@ test images: %.2f %% (%d correct)", test.count, name, 100 * r.accuracy, r.correct))
        }
        print("wrote \(target)")
    }

    /// The test split for `--accuracy`: a named dataset, or a path (IDX directory, .npz, .h5).
    static func testSet(_ value: String, fileFlags: DatasetFileFlags) throws(CIMError) -> ImageDataset {
        if let name = DatasetName(rawValue: value) {
            _ = try fileFlags.options(data: nil)  // --layout and --test-keys need a file
            return try DatasetCatalog.loadTest(name)
        }
        guard DatasetFile.format(of: value) != nil || FileManager.default.fileExists(atPath: value) else {
            throw CIMError.invalidConfig(field: "--accuracy", reason:
                "'\(value)' is neither a dataset (\(DatasetName.allCases.map(\.rawValue).joined(separator: ", "))) nor a directory or .npz/.h5 file")
        }
        return try DatasetCatalog.loadTest(path: value, options: try fileFlags.options(data: value))
    }

    /// Reads and imports an ONNX file; the metadata records where it came from.
    static func load(_ path: String) throws(CIMError) -> (ImportedModel, [String: String]) {
        let bytes = try ONNXFile.bytes(path: path)
        let onnx = try ONNXFile.decode(bytes, path: path)
        let name = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
        let imported = try ONNXImporter.importModel(onnx, name: name, path: path)
        let sha = SHA256.hex(of: bytes)
        var metadata = ["source": "onnx", "onnx_file": (path as NSString).lastPathComponent,
                        "onnx_sha256": sha, "onnx_opset": String(onnx.opset), "onnx_ir_version": String(onnx.irVersion),
                        "onnx_output_transform": imported.outputTransform.rawValue]
        if !onnx.producer.isEmpty { metadata["onnx_producer"] = onnx.producer }
        if !imported.notes.isEmpty { metadata["onnx_import_notes"] = imported.notes.joined(separator: "; ") }
        if let n = imported.preprocessing.foldedNormalization, let json = try? JSONEncoder().encode(n) {
            metadata[InputPreprocessing.metadataKey] = String(decoding: json, as: UTF8.self)
        }
        return (imported, metadata)
    }

    /// A trained model from `model.safetensors` or, for `.onnx`, by importing it.
    static func trainedModel(_ path: String) throws(CIMError) -> TrainedModel {
        guard path.lowercased().hasSuffix(".onnx") else { return try TrainedModel.load(path: path) }
        let (imported, metadata) = try load(path)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let meta = (try? encoder.encode(metadata)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        return TrainedModel(network: try imported.network(), provenance: ["weights_metadata": meta], preprocessing: imported.preprocessing)
    }
}
