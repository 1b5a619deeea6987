import CIMCore
import CIMONNX
import Foundation
import SwiftProtobuf
import Testing

/// Damaged and crafted ONNX files: one `CIMError` naming the problem, never a crash or a huge
/// allocation.
@Suite("ONNX bad input")
struct BadInputTests {
    /// A valid tiny model: input N×1×4×4 → Flatten → Gemm(16 → 2) → logits.
    static func tinyModel() -> Onnx_ModelProto {
        var m = Onnx_ModelProto()
        m.irVersion = 8
        var opset = Onnx_OperatorSetIdProto()
        opset.version = 17
        m.opsetImport = [opset]
        var g = Onnx_GraphProto()
        var input = Onnx_ValueInfoProto()
        input.name = "input"
        input.type.tensorType.elemType = 1
        input.type.tensorType.shape.dim = [dim(param: "batch"), dim(1), dim(4), dim(4)]
        g.input = [input]
        var output = Onnx_ValueInfoProto()
        output.name = "logits"
        g.output = [output]
        g.initializer = [tensor("W", dims: [2, 16], floats: (0..<32).map { Float($0) / 32 }), tensor("B", dims: [2], floats: [0.5, -0.5])]
        g.node = [node("flat", "Flatten", ["input"], ["f"]), node("fc", "Gemm", ["f", "W", "B"], ["logits"], ints: ["transB": 1])]
        m.graph = g
        return m
    }

    static func dim(_ v: Int64) -> Onnx_TensorShapeProto.Dimension {
        var d = Onnx_TensorShapeProto.Dimension()
        d.dimValue = v
        return d
    }

    static func dim(param: String) -> Onnx_TensorShapeProto.Dimension {
        var d = Onnx_TensorShapeProto.Dimension()
        d.dimParam = param
        return d
    }

    static func tensor(_ name: String, dims: [Int64], floats: [Float]) -> Onnx_TensorProto {
        var t = Onnx_TensorProto()
        t.name = name
        t.dims = dims
        t.dataType = 1
        t.floatData = floats
        return t
    }

    static func node(_ name: String, _ op: String, _ inputs: [String], _ outputs: [String], ints: [String: Int64] = [:]) -> Onnx_NodeProto {
        var n = Onnx_NodeProto()
        n.name = name
        n.opType = op
        n.input = inputs
        n.output = outputs
        n.attribute = ints.map { key, value in
            var a = Onnx_AttributeProto()
            a.name = key
            a.type = .int
            a.i = value
            return a
        }
        return n
    }

    /// Decodes and imports serialized bytes; the error text, or nil when it imports.
    static func importError(_ data: Data, path: String = "/tmp/x.onnx") -> String? {
        do {
            _ = try ONNXImporter.importModel(try ONNXFile.decode(data, path: path), name: "x", path: path)
            return nil
        } catch {
            return error.description
        }
    }

    @Test("the tiny model imports and computes W·x + b")
    func tinyImports() throws {
        let data: Data = try Self.tinyModel().serializedBytes()
        let imported = try ONNXImporter.importModel(try ONNXFile.decode(data, path: "t.onnx"), name: "t", path: "t.onnx")
        #expect(imported.architecture.layers.map(\.description) == ["flatten", "fc 16→2"])
        #expect(imported.parameters.count == 34 && imported.parameters.suffix(2) == [0.5, -0.5])
    }

    @Test("crafted models give one line naming what is wrong", arguments: [
        "huge initializer", "raw data too short", "external data missing", "external data present", "unsupported op",
        "opset 12", "float16 weights", "NaN weight", "huge input", "two inputs", "custom domain", "IR version 99", "empty",
        "reshape overflow",
    ])
    func crafted(_ attack: String) throws {
        var m = Self.tinyModel()
        var expected = ""
        switch attack {
        case "huge initializer":
            m.graph.initializer[0] = Onnx_TensorProto()
            m.graph.initializer[0].name = "W"
            m.graph.initializer[0].dims = [1 << 40, 1 << 40]
            m.graph.initializer[0].dataType = 1
            expected = "initializer 'W': bad dimensions"
        case "raw data too short":
            m.graph.initializer[0].floatData = []
            m.graph.initializer[0].rawData = Data(count: 60)
            expected = "60 bytes of raw data for shape [2, 16] (float32), expected 128"
        case "external data missing", "external data present":
            m.graph.initializer[0].floatData = []
            m.graph.initializer[0].dataLocation = .external
            var entry = Onnx_StringStringEntryProto()
            entry.key = "location"
            entry.value = attack.hasSuffix("missing") ? "weights.bin" : "present.bin"
            m.graph.initializer[0].externalData = [entry]
            expected = attack.hasSuffix("missing") ? "external data file 'weights.bin', which is missing" : "are not read; save the model with its weights inside"
        case "unsupported op":
            m.graph.node[0].opType = "Resize"
            expected = "node 'flat' (Resize): operator not supported"
        case "opset 12":
            m.opsetImport[0].version = 12
            expected = "opset 12 is not supported"
        case "float16 weights":
            m.graph.initializer[0].floatData = []
            m.graph.initializer[0].dataType = 10
            m.graph.initializer[0].rawData = Data(count: 64)
            expected = "element type float16 is not supported"
        case "NaN weight":
            m.graph.initializer[0].floatData[3] = .nan
            expected = "node 'fc' (Gemm): weights or biases are not finite"
        case "huge input":
            m.graph.input[0].type.tensorType.shape.dim[1] = Self.dim(1 << 40)
            expected = "is out of range"
        case "two inputs":
            m.graph.input.append(m.graph.input[0])
            m.graph.input[1].name = "second"
            expected = "the graph has 2 inputs"
        case "custom domain":
            m.graph.node[1].domain = "com.example"
            expected = "node 'fc' (Gemm): operators of domain 'com.example' are not supported"
        case "IR version 99":
            m.irVersion = 99
            expected = "IR version 99 is not supported"
        case "reshape overflow":  // found by scripts/fuzz.sh: the target's product trapped
            var shape = Onnx_TensorProto()
            shape.name = "S"
            shape.dims = [4]
            shape.dataType = 7
            shape.int64Data = [0, 1 << 40, 1 << 40, 1 << 40]
            m.graph.initializer.append(shape)
            m.graph.node[0] = Self.node("flat", "Reshape", ["input", "S"], ["f"])
            expected = "node 'flat' (Reshape): target shape"
        default:
            m = Onnx_ModelProto()
            expected = "not an ONNX model"
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cimkit-onnx-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Data(count: 128).write(to: URL(fileURLWithPath: dir + "/present.bin"))
        let message = Self.importError(try m.serializedBytes(), path: dir + "/m.onnx")
        #expect(message?.contains(expected) == true && message?.contains("\n") == false, "\(message ?? "imported")")
    }

    @Test("every truncation of a real model is refused with one line")
    func truncations() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("lenet.torchscript_keepbn.onnx")))
        var refused = 0
        for length in stride(from: 0, to: data.count, by: 101) {
            if let message = Self.importError(data.prefix(length)) {
                #expect(!message.contains("\n"))
                refused += 1
            }
        }
        #expect(refused == (data.count + 100) / 101, "\(refused) refusals")
    }

    @Test("3,000 seeded random byte mutations of a real model: each imports or is refused with one line")
    func mutations() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("lenet.torchscript_keepbn.onnx")))
        var rng = RandomGenerator(seed: 7, stream: "onnx-mutations")
        var refused = 0, imported = 0
        for _ in 0..<3000 {
            var bytes = [UInt8](data)
            for _ in 0..<(1 + Int(rng.next() % 8)) {
                let at = Int(rng.next() % UInt64(bytes.count))
                bytes[at] = UInt8(truncatingIfNeeded: rng.next())
            }
            if let message = Self.importError(Data(bytes)) {
                #expect(!message.isEmpty && !message.contains("\n"))
                refused += 1
            } else {
                imported += 1
            }
        }
        #expect(refused + imported == 3000 && refused > 0 && imported > 0, "refused \(refused), imported \(imported)")
    }
}
