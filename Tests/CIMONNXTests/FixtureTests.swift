import CIMCore
import CIMNetwork
import CIMONNX
import Foundation
import Testing

/// CIMKit's digital logits against onnxruntime's, stored with the fixtures (8 inputs each).
@Suite("ONNX fixtures from both PyTorch exporters")
struct FixtureTests {
    /// Logits of `model` on the fixture's stored inputs, and onnxruntime's stored logits.
    static func compare(_ file: String) throws -> (ours: [Float], theirs: [Float], classes: Int) {
        let path = Fixtures.path(file + ".onnx")
        let imported = try ONNXImporter.importModel(try ONNXFile.read(path: path), name: file, path: path)
        var net = try imported.network()
        let ref = try TensorArchive.read(path: Fixtures.path(file + ".ref.safetensors"))
        let shape = try #require(ref.entries["input"]?.shape)
        let input = try ref.floats("input", path: file)
        let (n, c, h, w) = (shape[0], shape[1], shape[2], shape[3])
        var nhwc = [Float](repeating: 0, count: input.count)
        for b in 0..<n { for ch in 0..<c { for y in 0..<h { for x in 0..<w {
            nhwc[((b * h + y) * w + x) * c + ch] = input[((b * c + ch) * h + y) * w + x]
        } } } }
        try BLAS.load()
        let logits = net.forward(Tensor(shape: [n, h, w, c], data: nhwc), training: false)
        let classes = logits.shape[1]
        let theirs = try ref.floats("logits", path: file)
        return (imported.outputTransform.apply(logits.data, classes: classes), theirs, classes)
    }

    @Test("imported networks give onnxruntime's logits (max relative error ≤ 1e-4) and the same argmax on every input",
          arguments: ["mlp.torchscript", "mlp.dynamo", "lenet.torchscript", "lenet.dynamo", "lenet.torchscript_keepbn",
                      "vgg_bn.torchscript", "vgg_bn.dynamo", "vgg_bn.torchscript_keepbn", "depthwise.torchscript", "depthwise.dynamo",
                      "depthwise.torchscript_keepbn", "normalized.torchscript", "normalized.dynamo", "asym_pad.dynamo", "asym_pad.torchscript",
                      "resnet.torchscript", "resnet.dynamo", "resnet.torchscript_keepbn", "bn_affine.torchscript", "bn_affine.dynamo"])
    func logitsMatch(_ file: String) throws {
        guard FileManager.default.fileExists(atPath: Fixtures.path(file + ".onnx")) else {
            Issue.record("fixture \(file).onnx is missing")
            return
        }
        let (ours, theirs, classes) = try Self.compare(file)
        #expect(ours.count == theirs.count)
        var worst: Float = 0
        for (a, b) in zip(ours, theirs) { worst = max(worst, abs(a - b) / max(1, abs(b))) }
        print("\(file): max relative error \(worst) against onnxruntime")
        #expect(worst <= 1e-4, "max relative error \(worst)")
        for r in 0..<(theirs.count / classes) {
            let row = r * classes..<(r + 1) * classes
            let argmax = { (v: ArraySlice<Float>) in v.indices.max { v[$0] < v[$1] }! }
            #expect(argmax(ours[row]) == argmax(theirs[row]), "row \(r)")
        }
    }

    @Test("BatchNorms with nothing to fold into become affine layers: on the input, after a max pool, after an add, on a flattened map",
          arguments: ["bn_affine.torchscript", "bn_affine.dynamo"])
    func batchNormKeptAsAffine(_ file: String) throws {
        let path = Fixtures.path(file + ".onnx")
        let imported = try ONNXImporter.importModel(try ONNXFile.read(path: path), name: file, path: path)
        let layers = imported.architecture.layers
        #expect(layers.map(\.description) == ["affine 1", "conv 1→8 3×3 pad 1", "relu", "maxpool 2", "affine 8", "conv 8→8 3×3 pad 1", "relu",
                                               "add", "affine 8", "maxpool 2", "flatten", "affine 392", "fc 392→10"], "\(layers)")
        #expect(imported.notes.filter { $0.contains("kept as digital per-channel affine layer") }.count == 4, "\(imported.notes)")
        #expect(!imported.notes.contains { $0.contains("folded") }, "\(imported.notes)")
    }

    @Test("the TorchScript exporter's Pad (its pads computed by a ConstantOfShape/Concat/Reshape/Slice/Transpose/Cast chain) folds into the next Conv: the same network as the dynamo file's")
    func torchScriptPadFolds() throws {
        func load(_ file: String) throws -> ImportedModel {
            let path = Fixtures.path(file + ".onnx")
            return try ONNXImporter.importModel(try ONNXFile.read(path: path), name: "asym_pad", path: path)
        }
        let torchScript = try load("asym_pad.torchscript"), dynamo = try load("asym_pad.dynamo")
        #expect(torchScript.architecture.layers.map(\.description).contains("conv 8→8 3×3 stride 2 pad [0, 0, 1, 1]"),
                "\(torchScript.architecture.layers)")
        #expect(torchScript.architecture == dynamo.architecture)
        #expect(torchScript.notes.contains { $0.hasPrefix("a preceding Pad's zero padding [0, 0, 1, 1] (top, left, bottom, right) folded into layer 2") },
                "\(torchScript.notes)")
        #expect(torchScript.parameters == dynamo.parameters)
    }
}
