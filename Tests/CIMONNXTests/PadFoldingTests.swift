import CIMCore
import CIMONNX
import Foundation
import SwiftProtobuf
import Testing

/// A separate `Pad` and the constant computations feeding it, on crafted models.
@Suite("ONNX Pad and constant folding")
struct PadFoldingTests {
    typealias B = BadInputTests

    static func attribute(_ name: String, ints: [Int64]) -> Onnx_AttributeProto {
        var a = Onnx_AttributeProto()
        a.name = name
        a.type = .ints
        a.ints = ints
        return a
    }

    static func attribute(_ name: String, string: String) -> Onnx_AttributeProto {
        var a = Onnx_AttributeProto()
        a.name = name
        a.type = .string
        a.s = Data(string.utf8)
        return a
    }

    static func ints(_ name: String, _ dims: [Int64], _ values: [Int64]) -> Onnx_TensorProto {
        var t = Onnx_TensorProto()
        t.name = name
        t.dims = dims
        t.dataType = 7
        t.int64Data = values
        return t
    }

    /// Input N×1×5×5 → [Pad] → `reader` (Conv 1→2 3×3 stride 2, AveragePool 2×2 or MaxPool 2×2, with
    /// `ownPads`) → Flatten → Gemm → logits. With `pads` nil there is no Pad node.
    static func model(pads: [Int64]?, reader: String = "Conv", ownPads: [Int64] = [0, 0, 0, 0], countIncludePad: Int64 = 0,
                      mode: String? = nil, value: Float? = nil) -> Onnx_ModelProto {
        var m = B.tinyModel()
        m.graph.input[0].type.tensorType.shape.dim = [B.dim(param: "batch"), B.dim(1), B.dim(5), B.dim(5)]
        let padded = (pads.map { _ in 1 } ?? 0)
        let side = Int64(5 + padded)  // the tests pad one row and one column
        let channels: Int64 = reader == "Conv" ? 2 : 1
        let out: Int64 = reader == "Conv" ? (side + ownPads[0] + ownPads[2] - 3) / 2 + 1 : (side + ownPads[0] + ownPads[2] - 2) / 2 + 1
        let features = channels * out * out
        m.graph.initializer = [B.tensor("K", dims: [2, 1, 3, 3], floats: (0..<18).map { Float($0 % 7) / 7 - 0.4 }),
                               B.tensor("KB", dims: [2], floats: [0.1, -0.2]),
                               B.tensor("W", dims: [2, features], floats: (0..<Int(2 * features)).map { Float($0 % 5) / 5 - 0.3 }),
                               B.tensor("B", dims: [2], floats: [0.5, -0.5])]
        var nodes: [Onnx_NodeProto] = []
        var x = "input"
        if let pads {
            m.graph.initializer.append(ints("P", [Int64(pads.count)], pads))
            var inputs = ["input", "P"]
            if let value {
                m.graph.initializer.append(B.tensor("V", dims: [], floats: [value]))
                inputs.append("V")
            }
            var pad = B.node("pad", "Pad", inputs, ["padded"])
            if let mode { pad.attribute = [attribute("mode", string: mode)] }
            nodes.append(pad)
            x = "padded"
        }
        var r = B.node("reader", reader, reader == "Conv" ? [x, "K", "KB"] : [x], ["r"],
                       ints: reader == "AveragePool" ? ["count_include_pad": countIncludePad] : [:])
        r.attribute += [attribute("kernel_shape", ints: reader == "Conv" ? [3, 3] : [2, 2]), attribute("strides", ints: [2, 2]),
                        attribute("pads", ints: ownPads)]
        nodes.append(r)
        nodes += [B.node("flat", "Flatten", ["r"], ["f"]), B.node("fc", "Gemm", ["f", "W", "B"], ["logits"], ints: ["transB": 1])]
        m.graph.node = nodes
        return m
    }

    static func imported(_ m: Onnx_ModelProto) throws -> ImportedModel {
        let data: Data = try m.serializedBytes()
        return try ONNXImporter.importModel(try ONNXFile.decode(data, path: "m.onnx"), name: "m", path: "m.onnx")
    }

    @Test("a zero Pad folds into the Conv after it: the same network as the Conv padding by itself, bit for bit")
    func padIntoConv() throws {
        let padded = try Self.imported(Self.model(pads: [0, 0, 1, 0, 0, 0, 0, 1]))
        let direct = try Self.imported(Self.model(pads: nil, ownPads: [1, 0, 0, 1]))
        #expect(padded.architecture == direct.architecture && padded.parameters == direct.parameters)
        #expect(padded.architecture.layers.first?.description == "conv 1→2 3×3 stride 2 pad [1, 0, 0, 1]")
        // the Conv's own padding adds up with the Pad's; an explicit zero value is accepted
        let both = try Self.imported(Self.model(pads: [0, 0, 1, 0, 0, 0, 0, 1], ownPads: [1, 1, 1, 1], value: 0))
        #expect(both.architecture.layers.first?.description == "conv 1→2 3×3 stride 2 pad [2, 1, 1, 2]")
    }

    @Test("a zero Pad before an AveragePool becomes counted padding (the padded zeros are averaged), exactly as ONNX computes it")
    func padIntoAveragePool() throws {
        let padded = try Self.imported(Self.model(pads: [0, 0, 1, 1, 0, 0, 0, 0], reader: "AveragePool"))
        let direct = try Self.imported(Self.model(pads: nil, reader: "AveragePool", ownPads: [1, 1, 0, 0], countIncludePad: 1))
        #expect(padded.architecture == direct.architecture && padded.parameters == direct.parameters)
        #expect(padded.architecture.layers.first?.description == "avgpool 2×2 pad [1, 1, 0, 0]")
    }

    @Test("a Pad that cannot be folded exactly is one line naming the Pad node", arguments: [
        ("reflect", "mode 'reflect' is not supported"), ("value", "only zero padding"), ("crop", "negative (cropping"),
        ("channels", "pad the batch or channel axis"), ("maxpool", "max pooling over padded zeros"),
        ("uncounted", "cannot be folded into one exactly"), ("length", "are not 2 × 4 values"),
    ])
    func refused(_ kind: String, _ expected: String) throws {
        let m: Onnx_ModelProto
        switch kind {
        case "reflect": m = Self.model(pads: [0, 0, 1, 1, 0, 0, 0, 0], mode: "reflect")
        case "value": m = Self.model(pads: [0, 0, 1, 1, 0, 0, 0, 0], value: 0.5)
        case "crop": m = Self.model(pads: [0, 0, 1, 1, 0, 0, -1, 0])
        case "channels": m = Self.model(pads: [0, 1, 0, 1, 0, 0, 0, 0])
        case "maxpool": m = Self.model(pads: [0, 0, 1, 1, 0, 0, 0, 0], reader: "MaxPool")
        case "uncounted": m = Self.model(pads: [0, 0, 1, 1, 0, 0, 0, 0], reader: "AveragePool", ownPads: [1, 1, 1, 1])
        default: m = Self.model(pads: [0, 0, 1, 1])
        }
        let message = B.importError(try m.serializedBytes(), path: "m.onnx")
        #expect(message?.hasPrefix("m.onnx: node 'pad' (Pad): ") == true && message?.contains(expected) == true
                && message?.contains("\n") == false, "\(message ?? "imported")")
    }

    @Test("constant folding checks every size from the file before allocating: one line naming the node", arguments: [
        "huge ConstantOfShape", "negative ConstantOfShape", "slice step 0", "bad perm", "reshape mismatch", "concat ranks",
        "cast to float16", "cast of a fraction", "deep unsqueeze",
    ])
    func foldingRefusals(_ kind: String) throws {
        var m = Self.model(pads: [0, 0, 1, 1, 0, 0, 0, 0])
        // replace the constant pads by a computed tensor feeding the Pad
        var extra: [Onnx_NodeProto] = []
        var op = ""
        switch kind {
        case "huge ConstantOfShape", "negative ConstantOfShape":
            m.graph.initializer.append(Self.ints("S", [3], kind.hasPrefix("huge") ? [1 << 21, 1 << 21, 1 << 21] : [2, -1, 4]))
            extra = [B.node("fold", "ConstantOfShape", ["S"], ["c"])]
            op = "ConstantOfShape"
        case "slice step 0":
            m.graph.initializer += [Self.ints("S0", [1], [0]), Self.ints("S1", [1], [8]), Self.ints("AX", [1], [0]), Self.ints("ST", [1], [0])]
            extra = [B.node("fold", "Slice", ["P", "S0", "S1", "AX", "ST"], ["c"])]
            op = "Slice"
        case "bad perm":
            var t = B.node("fold", "Transpose", ["P"], ["c"])
            t.attribute = [Self.attribute("perm", ints: [0, 0])]
            extra = [t]
            op = "Transpose"
        case "reshape mismatch":
            m.graph.initializer.append(Self.ints("S", [2], [3, 3]))
            extra = [B.node("fold", "Reshape", ["P", "S"], ["c"])]
            op = "Reshape"
        case "concat ranks":
            m.graph.initializer.append(Self.ints("M", [2, 2], [0, 0, 0, 0]))
            extra = [B.node("fold", "Concat", ["P", "M"], ["c"], ints: ["axis": 0])]
            op = "Concat"
        case "cast to float16":
            extra = [B.node("fold", "Cast", ["P"], ["c"], ints: ["to": 10])]
            op = "Cast"
        case "cast of a fraction":
            m.graph.initializer.append(B.tensor("F", dims: [8], floats: [0, 0, 0.5, 0, 0, 0, 0, 0]))
            extra = [B.node("fold", "Cast", ["F"], ["c"], ints: ["to": 7])]
            op = "Cast"
        default:
            m.graph.initializer.append(Self.ints("AX", [8], [0, 1, 2, 3, 4, 5, 6, 7]))
            extra = [B.node("fold", "Unsqueeze", ["P", "AX"], ["c"])]
            op = "Unsqueeze"
        }
        m.graph.node[0].input[1] = "c"
        m.graph.node.insert(contentsOf: extra, at: 0)
        let message = B.importError(try m.serializedBytes(), path: "m.onnx")
        #expect(message?.hasPrefix("m.onnx: node 'fold' (\(op)): ") == true && message?.contains("\n") == false, "\(message ?? "imported")")
    }
}
