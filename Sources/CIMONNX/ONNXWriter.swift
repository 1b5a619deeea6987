import CIMCore
import CIMNetwork
import Foundation
import SwiftProtobuf

/// Writes a CIMKit network as an ONNX model (opset 17, IR 8) that onnxruntime runs: input
/// `input` `[batch, C, H, W]` float32 (NCHW, as PyTorch feeds it), output `logits`
/// `[batch, classes]`. Weights go back to ONNX's layouts (`[OC, C/g, KH, KW]`; dense `[out, in]`
/// with `transB = 1`), and a dense layer after a flattened `H×W×C` map gets its columns back
/// in ONNX's `(c, h, w)` order. An affine layer becomes a BatchNormalization with mean 0,
/// variance 1 and ε = 0. ``ONNXImporter`` reads the file back to the same network, exactly
/// (tested); only an affine layer right after a conv or dense layer comes back folded into it.
public enum ONNXWriter {
    /// The serialized model.
    public static func serialize(_ network: Network, producer: String) throws(CIMError) -> Data {
        do {
            return try model(network, producer: producer).serializedBytes()
        } catch {
            throw .invalidConfig(field: "onnx", reason: "cannot serialize the model (\(error))")
        }
    }

    /// Writes the model to `path` atomically.
    public static func write(_ network: Network, producer: String, to path: String) throws {
        try AtomicFile.write(serialize(network, producer: producer), to: path)
    }

    public static func model(_ network: Network, producer: String) throws(CIMError) -> Onnx_ModelProto {
        let a = network.architecture
        let shapes = try a.shapes()
        guard a.inputShape.count == 3 else { throw .invalidConfig(field: "onnx", reason: "only image inputs H×W×C are written") }
        var g = Onnx_GraphProto()
        g.name = a.name
        g.input = [valueInfo("input", ["batch", a.inputShape[2], a.inputShape[0], a.inputShape[1]])]
        let classes = shapes.last?.first ?? 0
        g.output = [valueInfo("logits", ["batch", classes])]
        let last = a.layers.count - 1
        func name(_ j: Int) -> String { j < 0 ? "input" : j == last ? "logits" : "layer_\(j)" }
        /// For each output: the H×W×C map it is a flattening of (CIMKit's (h, w, c) feature order).
        var flattenedFrom = [[Int]?](repeating: nil, count: a.layers.count)
        for (i, spec) in a.layers.enumerated() {
            let from = a.inputsOf(i)
            let input = name(from[0]), out = name(i), inShape = shapes[from[0] + 1]
            let p = network.parameters, off = network.offsets[i]
            var node = Onnx_NodeProto()
            node.name = "\(i)"
            node.input = [input]
            node.output = [out]
            switch spec {
            case .conv2d, .convolution:
                let c: ConvolutionSpec
                if case let .convolution(s) = spec { c = s } else if case let .conv2d(ic, oc, k) = spec {
                    c = ConvolutionSpec(inChannels: ic, outChannels: oc, kernelHeight: k, kernelWidth: k)
                } else { continue }
                let cg = c.inChannels / c.groups, (kh, kw) = (c.kernelHeight, c.kernelWidth)
                var w = [Float](repeating: 0, count: c.outChannels * c.fanIn)
                for o in 0..<c.outChannels { for ch in 0..<cg { for y in 0..<kh { for x in 0..<kw {
                    w[((o * cg + ch) * kh + y) * kw + x] = p[off + o * c.fanIn + (y * kw + x) * cg + ch]
                } } } }
                g.initializer += [tensor("w\(i)", [c.outChannels, cg, kh, kw], w),
                                  tensor("b\(i)", [c.outChannels], Array(p[(off + c.outChannels * c.fanIn)..<(off + c.outChannels * c.fanIn + c.outChannels)]))]
                node.opType = "Conv"
                node.input += ["w\(i)", "b\(i)"]
                node.attribute = [ints("kernel_shape", [kh, kw]), ints("strides", [c.strideHeight, c.strideWidth]), ints("pads", c.padding),
                                  ints("dilations", [c.dilationHeight, c.dilationWidth]), int("group", c.groups)]
            case let .dense(inF, outF):
                var w = Array(p[off..<(off + inF * outF)])
                if from[0] >= 0, let m = flattenedFrom[from[0]] {
                    let (h, wd, ch) = (m[0], m[1], m[2])
                    for o in 0..<outF { for c in 0..<ch { for y in 0..<h { for x in 0..<wd {
                        w[o * inF + (c * h + y) * wd + x] = p[off + o * inF + (y * wd + x) * ch + c]
                    } } } }
                }
                g.initializer += [tensor("w\(i)", [outF, inF], w), tensor("b\(i)", [outF], Array(p[(off + inF * outF)..<(off + inF * outF + outF)]))]
                node.opType = "Gemm"
                node.input += ["w\(i)", "b\(i)"]
                node.attribute = [int("transB", 1)]
            case let .maxPool(s):
                node.opType = "MaxPool"
                node.attribute = [ints("kernel_shape", [s, s]), ints("strides", [s, s])]
            case let .avgPool(s):
                node.opType = "AveragePool"
                node.attribute = [ints("kernel_shape", [s.kernelHeight, s.kernelWidth]), ints("strides", [s.strideHeight, s.strideWidth]),
                                  ints("pads", s.padding), int("count_include_pad", s.countIncludePad ? 1 : 0)]
            case .globalAvgPool: node.opType = "GlobalAveragePool"
            case .relu: node.opType = "Relu"
            case .tanh: node.opType = "Tanh"
            case .sigmoid: node.opType = "Sigmoid"
            case let .leakyRelu(slope):
                node.opType = "LeakyRelu"
                node.attribute = [float("alpha", slope)]
            case let .clip(lo, hi):
                g.initializer += [tensor("min\(i)", [], [lo]), tensor("max\(i)", [], [hi])]
                node.opType = "Clip"
                node.input += ["min\(i)", "max\(i)"]
            case .flatten:
                node.opType = "Flatten"
                node.attribute = [int("axis", 1)]
                if inShape.count == 3, inShape[2] > 1, inShape[0] * inShape[1] > 1 { flattenedFrom[i] = inShape }
            case .add:
                node.opType = "Add"
                node.input = [input, name(from[1])]
            case let .affine(c):
                // BatchNormalization with mean 0, variance 1 and ε = 0: (x − 0)/√(1 + 0)·scale + shift
                // = x·scale + shift, which the importer reads back as this affine layer exactly.
                var scale = Array(p[off..<(off + c)]), shift = Array(p[(off + c)..<(off + 2 * c)])
                if from[0] >= 0, let m = flattenedFrom[from[0]] {  // per feature: back to ONNX's (c, h, w) order
                    let (h, wd, ch) = (m[0], m[1], m[2])
                    var s2 = scale, b2 = shift
                    for k in 0..<ch { for y in 0..<h { for x in 0..<wd {
                        s2[(k * h + y) * wd + x] = scale[(y * wd + x) * ch + k]
                        b2[(k * h + y) * wd + x] = shift[(y * wd + x) * ch + k]
                    } } }
                    (scale, shift) = (s2, b2)
                }
                g.initializer += [tensor("scale\(i)", [c], scale), tensor("shift\(i)", [c], shift),
                                  tensor("mean\(i)", [c], [Float](repeating: 0, count: c)),
                                  tensor("var\(i)", [c], [Float](repeating: 1, count: c))]
                node.opType = "BatchNormalization"
                node.input += ["scale\(i)", "shift\(i)", "mean\(i)", "var\(i)"]
                node.attribute = [float("epsilon", 0)]
            }
            g.node.append(node)
            // elementwise layers keep the feature order of a flattened map
            switch spec {
            case .relu, .tanh, .sigmoid, .leakyRelu, .clip, .add, .affine: flattenedFrom[i] = from[0] >= 0 ? flattenedFrom[from[0]] : nil
            default: break
            }
        }
        var m = Onnx_ModelProto()
        m.irVersion = 8
        m.producerName = producer
        var opset = Onnx_OperatorSetIdProto()
        opset.version = 17
        m.opsetImport = [opset]
        m.graph = g
        return m
    }

    static func valueInfo(_ name: String, _ dims: [Any]) -> Onnx_ValueInfoProto {
        var v = Onnx_ValueInfoProto()
        v.name = name
        v.type.tensorType.elemType = 1
        v.type.tensorType.shape.dim = dims.map { d in
            var x = Onnx_TensorShapeProto.Dimension()
            if let n = d as? Int { x.dimValue = Int64(n) } else { x.dimParam = "\(d)" }
            return x
        }
        return v
    }

    static func tensor(_ name: String, _ dims: [Int], _ values: [Float]) -> Onnx_TensorProto {
        var t = Onnx_TensorProto()
        t.name = name
        t.dims = dims.map(Int64.init)
        t.dataType = 1
        var raw = Data(capacity: 4 * values.count)
        for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { raw.append(contentsOf: $0) } }
        t.rawData = raw
        return t
    }

    static func ints(_ name: String, _ v: [Int]) -> Onnx_AttributeProto {
        var a = Onnx_AttributeProto()
        a.name = name
        a.type = .ints
        a.ints = v.map(Int64.init)
        return a
    }

    static func int(_ name: String, _ v: Int) -> Onnx_AttributeProto {
        var a = Onnx_AttributeProto()
        a.name = name
        a.type = .int
        a.i = Int64(v)
        return a
    }

    static func float(_ name: String, _ v: Float) -> Onnx_AttributeProto {
        var a = Onnx_AttributeProto()
        a.name = name
        a.type = .float
        a.f = v
        return a
    }
}
