import CIMCore
import CIMNetwork
import CIMONNX
import Foundation
import Testing

/// `ONNXWriter`: a network written as ONNX and imported again is the same network, exactly.
@Suite("ONNX writer")
struct WriterTests {
    @Test("write → import gives back the architecture and every parameter bit for bit (chains, graphs, every layer kind)",
          arguments: ["mlp.dynamo", "lenet.torchscript_keepbn", "vgg_bn.dynamo", "depthwise.torchscript", "normalized.dynamo",
                      "resnet.torchscript", "asym_pad.dynamo", "asym_pad.torchscript", "bn_affine.dynamo", "bn_affine.torchscript"])
    func roundTrip(_ file: String) throws {
        let path = Fixtures.path(file + ".onnx")
        let original = try ONNXImporter.importModel(try ONNXFile.read(path: path), name: file, path: path)
        let data = try ONNXWriter.serialize(try original.network(), producer: "CIMKit test")
        let again = try ONNXImporter.importModel(try ONNXFile.decode(data, path: "written.onnx"), name: file, path: "written.onnx")
        #expect(again.architecture == original.architecture)
        #expect(again.parameters.map(\.bitPattern) == original.parameters.map(\.bitPattern))
        // nothing is folded on the way back; affine layers come back as BatchNorms kept as such
        #expect(again.notes.allSatisfy { $0.contains("kept as digital per-channel affine") }, "\(again.notes)")
        #expect(again.notes.count == original.architecture.layers.filter { if case .affine = $0 { return true }; return false }.count)
    }

    @Test("the presets round-trip too (valid convolutions, max pooling, flatten of a C > 1 map, tanh, sigmoid)",
          arguments: ModelPreset.allCases)
    func presets(_ preset: ModelPreset) throws {
        let net = try Network(architecture: preset.architecture, seed: 3)
        let again = try ONNXImporter.importModel(try ONNXFile.decode(try ONNXWriter.serialize(net, producer: "t"), path: "w.onnx"),
                                                 name: preset.rawValue, path: "w.onnx")
        #expect(again.architecture == preset.architecture && again.parameters == net.parameters)
    }
}
