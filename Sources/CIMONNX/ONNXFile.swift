import CIMCore
import Foundation
import SwiftProtobuf

/// Reads `.onnx` files (protobuf `ModelProto`, IR versions 3–11, default-domain opsets 13–21)
/// into ``ONNXModel`` values, checking every size against ``ONNXLimits`` before allocating.
///
/// Refused by name: other opsets, sparse initializers, tensor types other than float32,
/// int64 and int32, tensors whose data does not match their shape, and weights stored in
/// external files (the message says whether the data file is missing).
public enum ONNXFile {
    /// The default-domain opsets CIMKit imports (PyTorch's exporters write 13–20).
    public static let opsets = 13...21
    /// The IR versions CIMKit reads.
    public static let irVersions = 3...11

    /// Reads and decodes `path`.
    public static func read(path: String, limits: ONNXLimits = ONNXLimits()) throws(CIMError) -> ONNXModel {
        try decode(try bytes(path: path, limits: limits), path: path, limits: limits)
    }

    /// The bytes of `path`: a regular file within `limits.maxFileBytes`.
    public static func bytes(path: String, limits: ONNXLimits = ONNXLimits()) throws(CIMError) -> Data {
        let attributes: [FileAttributeKey: Any]
        do { attributes = try FileManager.default.attributesOfItem(atPath: path) } catch {
            throw .io(path: path, reason: "no such file")
        }
        guard attributes[.type] as? FileAttributeType == .typeRegular else { throw .io(path: path, reason: "not a regular file") }
        let size = (attributes[.size] as? Int) ?? 0
        guard size <= limits.maxFileBytes else {
            throw .format(path: path, reason: "\(size) bytes is larger than the \(limits.maxFileBytes >> 20) MB limit for ONNX files")
        }
        guard let data = FileManager.default.contents(atPath: path) else { throw .io(path: path, reason: "cannot read file") }
        return data
    }

    /// Decodes the bytes of an `.onnx` file; `path` names it in errors and locates external data.
    public static func decode(_ data: Data, path: String, limits: ONNXLimits = ONNXLimits()) throws(CIMError) -> ONNXModel {
        guard !data.isEmpty else { throw .format(path: path, reason: "empty file, not an ONNX model") }
        let proto: Onnx_ModelProto
        do {
            var options = BinaryDecodingOptions()
            options.messageDepthLimit = 64
            proto = try Onnx_ModelProto(serializedBytes: data, options: options)
        } catch {
            throw .format(path: path, reason: "not an ONNX model (protobuf: \(error))")
        }
        guard proto.hasGraph, proto.irVersion > 0 else { throw .format(path: path, reason: "not an ONNX model (no graph or IR version)") }
        guard irVersions.contains(Int(clamping: proto.irVersion)) else {
            throw .format(path: path, reason: "IR version \(proto.irVersion) is not supported (\(irVersions.lowerBound)–\(irVersions.upperBound))")
        }
        guard let opsetEntry = proto.opsetImport.first(where: { $0.domain == "" || $0.domain == "ai.onnx" }) else {
            throw .format(path: path, reason: "no opset for the default ONNX domain")
        }
        let opset = Int(clamping: opsetEntry.version)
        guard opsets.contains(opset) else {
            throw .format(path: path, reason: "opset \(opset) is not supported (\(opsets.lowerBound)–\(opsets.upperBound)); re-export with opset_version=17")
        }
        let g = proto.graph
        guard g.node.count <= limits.maxNodes else { throw .format(path: path, reason: "\(g.node.count) nodes exceed the limit of \(limits.maxNodes)") }
        guard g.sparseInitializer.isEmpty else {
            throw .format(path: path, reason: "sparse initializer '\(g.sparseInitializer[0].values.name)' is not supported")
        }
        var budget = limits.maxTotalElements
        var initializers: [String: ONNXTensor] = [:]
        for t in g.initializer {
            guard initializers[t.name] == nil else { throw .format(path: path, reason: "initializer '\(t.name)' is defined twice") }
            initializers[t.name] = try tensor(t, what: "initializer '\(t.name)'", path: path, limits: limits, budget: &budget)
        }
        var nodes: [ONNXNode] = []
        nodes.reserveCapacity(g.node.count)
        for (k, n) in g.node.enumerated() {
            let name = n.name.isEmpty ? "#\(k)" : n.name
            var attrs: [String: ONNXAttribute] = [:]
            for a in n.attribute {
                attrs[a.name] = try attribute(a, what: "node '\(name)' (\(n.opType)) attribute '\(a.name)'", path: path,
                                              limits: limits, budget: &budget)
            }
            nodes.append(ONNXNode(name: name, opType: n.opType, domain: n.domain == "ai.onnx" ? "" : n.domain,
                                  inputs: n.input, outputs: n.output, attributes: attrs))
        }
        let inputs = try g.input.filter { initializers[$0.name] == nil }.map { v throws(CIMError) in try valueInfo(v, path: path) }
        let outputs = try g.output.map { v throws(CIMError) in try valueInfo(v, path: path) }
        let producer = [proto.producerName, proto.producerVersion].filter { !$0.isEmpty }.joined(separator: " ")
        return ONNXModel(irVersion: Int(proto.irVersion), opset: opset, producer: producer,
                         graph: ONNXGraph(nodes: nodes, initializers: initializers, inputs: inputs, outputs: outputs))
    }

    static func valueInfo(_ v: Onnx_ValueInfoProto, path: String) throws(CIMError) -> ONNXValueInfo {
        guard v.hasType, case .tensorType(let t)? = v.type.value else {
            return ONNXValueInfo(name: v.name, elementType: 0, shape: nil)
        }
        let shape: [Int?]? = t.hasShape ? t.shape.dim.map { d in
            if case .dimValue(let x)? = d.value, x > 0 { return Int(clamping: x) }
            return nil
        } : nil
        return ONNXValueInfo(name: v.name, elementType: Int(t.elemType), shape: shape)
    }

    /// ONNX `TensorProto.DataType` names, for messages.
    static func typeName(_ code: Int32) -> String {
        let names = [1: "float32", 2: "uint8", 3: "int8", 4: "uint16", 5: "int16", 6: "int32", 7: "int64", 8: "string", 9: "bool",
                     10: "float16", 11: "float64", 12: "uint32", 13: "uint64", 14: "complex64", 15: "complex128", 16: "bfloat16"]
        return names[Int(code)] ?? "type \(code)"
    }

    static func tensor(_ t: Onnx_TensorProto, what: String, path: String, limits: ONNXLimits,
                       budget: inout Int) throws(CIMError) -> ONNXTensor {
        if t.dataLocation == .external || !t.externalData.isEmpty {
            let location = t.externalData.first { $0.key == "location" }?.value ?? ""
            let dir = (path as NSString).deletingLastPathComponent
            let file = location.isEmpty ? "" : (dir.isEmpty ? location : dir + "/" + location)
            if !location.isEmpty, !FileManager.default.fileExists(atPath: file) {
                throw .format(path: path, reason: "\(what): its weights are in an external data file '\(location)', which is missing")
            }
            throw .format(path: path, reason: "\(what): weights in an external data file ('\(location)') are not read; "
                + "save the model with its weights inside (onnx.save_model(model, path, save_as_external_data=False))")
        }
        guard t.dims.allSatisfy({ $0 >= 0 && $0 <= Int64(limits.maxTensorElements) }) else {
            throw .format(path: path, reason: "\(what): bad dimensions \(t.dims)")
        }
        let shape = t.dims.map { Int($0) }
        let n = try limits.elementCount(shape, what: what, path: path)
        guard n <= budget else { throw .format(path: path, reason: "\(what): the model's tensors exceed \(limits.maxTotalElements) elements in all") }
        budget -= n
        let raw = t.rawData
        func check(_ count: Int, _ width: Int, _ field: String) throws(CIMError) {
            let (bytes, _) = n.multipliedReportingOverflow(by: width)
            if !raw.isEmpty {
                guard raw.count == bytes else {
                    throw .format(path: path, reason: "\(what): \(raw.count) bytes of raw data for shape \(shape) (\(typeName(t.dataType))), expected \(bytes)")
                }
            } else if count != n {
                throw .format(path: path, reason: "\(what): \(count) values in \(field) for shape \(shape), expected \(n)")
            }
        }
        switch t.dataType {
        case 1:
            try check(t.floatData.count, 4, "float_data")
            let values = raw.isEmpty ? t.floatData : raw.withUnsafeBytes { b in
                (0..<n).map { Float(bitPattern: UInt32(littleEndian: b.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self))) }
            }
            return ONNXTensor(shape: shape, values: .floats(values))
        case 7:
            try check(t.int64Data.count, 8, "int64_data")
            let values = raw.isEmpty ? t.int64Data.map { Int($0) } : raw.withUnsafeBytes { b in
                (0..<n).map { Int(Int64(littleEndian: b.loadUnaligned(fromByteOffset: 8 * $0, as: Int64.self))) }
            }
            return ONNXTensor(shape: shape, values: .ints(values))
        case 6:
            try check(t.int32Data.count, 4, "int32_data")
            let values = raw.isEmpty ? t.int32Data.map { Int($0) } : raw.withUnsafeBytes { b in
                (0..<n).map { Int(Int32(littleEndian: b.loadUnaligned(fromByteOffset: 4 * $0, as: Int32.self))) }
            }
            return ONNXTensor(shape: shape, values: .ints(values))
        default:
            throw .format(path: path, reason: "\(what): element type \(typeName(t.dataType)) is not supported (float32, int64, int32)")
        }
    }

    static func attribute(_ a: Onnx_AttributeProto, what: String, path: String, limits: ONNXLimits,
                          budget: inout Int) throws(CIMError) -> ONNXAttribute {
        switch a.type {
        case .int: return .int(Int(a.i))
        case .float: return .float(a.f)
        case .ints:
            guard a.ints.count <= limits.maxTensorElements else { throw .format(path: path, reason: "\(what): too many values") }
            return .ints(a.ints.map { Int($0) })
        case .floats:
            guard a.floats.count <= limits.maxTensorElements else { throw .format(path: path, reason: "\(what): too many values") }
            return .floats(a.floats)
        case .string: return .string(String(decoding: a.s, as: UTF8.self))
        case .tensor: return .tensor(try tensor(a.t, what: what, path: path, limits: limits, budget: &budget))
        default: return .unsupported("\(a.type)")
        }
    }
}
