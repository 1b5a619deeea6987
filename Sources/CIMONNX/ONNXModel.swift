import CIMCore

/// An ONNX model as CIMKit reads it: plain values decoded and checked from the protobuf, with
/// nothing of the protobuf runtime left in it (so the importer and its tests work on values).
public struct ONNXModel: Sendable, Equatable {
    /// The file's IR version (`ir_version`).
    public var irVersion: Int
    /// The opset version of the default domain (`""` / `ai.onnx`).
    public var opset: Int
    /// Who wrote the file (`producer_name` `producer_version`).
    public var producer: String
    public var graph: ONNXGraph

    public init(irVersion: Int, opset: Int, producer: String, graph: ONNXGraph) {
        self.irVersion = irVersion
        self.opset = opset
        self.producer = producer
        self.graph = graph
    }
}

/// The main graph: nodes in the file's (topological) order, constant tensors by name, and the
/// run-time inputs and outputs.
public struct ONNXGraph: Sendable, Equatable {
    public var nodes: [ONNXNode]
    /// Initializers (weights and constants), by name.
    public var initializers: [String: ONNXTensor]
    /// Graph inputs that are not initializers: what the caller feeds.
    public var inputs: [ONNXValueInfo]
    public var outputs: [ONNXValueInfo]

    public init(nodes: [ONNXNode], initializers: [String: ONNXTensor], inputs: [ONNXValueInfo], outputs: [ONNXValueInfo]) {
        self.nodes = nodes
        self.initializers = initializers
        self.inputs = inputs
        self.outputs = outputs
    }
}

/// One operator application.
public struct ONNXNode: Sendable, Equatable {
    /// The node's name, or `#k` (its position) when the file gives none.
    public var name: String
    public var opType: String
    /// `""` for the default domain.
    public var domain: String
    /// Input value names; `""` marks an omitted optional input.
    public var inputs: [String]
    public var outputs: [String]
    public var attributes: [String: ONNXAttribute]

    public init(name: String, opType: String, domain: String = "", inputs: [String], outputs: [String],
                attributes: [String: ONNXAttribute] = [:]) {
        self.name = name
        self.opType = opType
        self.domain = domain
        self.inputs = inputs
        self.outputs = outputs
        self.attributes = attributes
    }

    /// `NAME (OpType)`, how errors name a node.
    public var label: String { "node '\(name)' (\(opType))" }
}

/// The attribute kinds CIMKit reads; others are kept as `.unsupported(type)` and refused by
/// the operators that would need them.
public enum ONNXAttribute: Sendable, Equatable {
    case int(Int)
    case float(Float)
    case ints([Int])
    case floats([Float])
    case string(String)
    case tensor(ONNXTensor)
    case unsupported(String)
}

/// A constant tensor: float32 values, or integers (int64/int32, for shapes and indices).
public struct ONNXTensor: Sendable, Equatable {
    public enum Values: Sendable, Equatable {
        case floats([Float])
        case ints([Int])
    }
    public var shape: [Int]
    public var values: Values

    public init(shape: [Int], values: Values) {
        self.shape = shape
        self.values = values
    }

    /// Number of elements.
    public var count: Int {
        switch values {
        case let .floats(v): return v.count
        case let .ints(v): return v.count
        }
    }

    /// The values as floats (integers converted).
    public var floats: [Float] {
        switch values {
        case let .floats(v): return v
        case let .ints(v): return v.map(Float.init)
        }
    }

    /// The values as integers, or nil for a float tensor.
    public var ints: [Int]? {
        if case let .ints(v) = values { return v }
        return nil
    }
}

/// A graph input or output: name, element type and shape (`nil` entries are symbolic or
/// unknown dimensions, such as a dynamic batch).
public struct ONNXValueInfo: Sendable, Equatable {
    public var name: String
    /// ONNX `TensorProto.DataType` code (1 = float32).
    public var elementType: Int
    public var shape: [Int?]?

    public init(name: String, elementType: Int, shape: [Int?]?) {
        self.name = name
        self.elementType = elementType
        self.shape = shape
    }
}

/// Limits on what a file may ask CIMKit to allocate, checked before allocating.
public struct ONNXLimits: Sendable, Equatable {
    /// Largest file read (bytes).
    public var maxFileBytes = 1 << 30
    /// Most nodes in the graph.
    public var maxNodes = 100_000
    /// Most elements of one tensor, and of all tensors together.
    public var maxTensorElements = 1 << 28
    public var maxTotalElements = 1 << 29
    /// Highest tensor rank.
    public var maxRank = 8
    /// Largest single dimension of a graph input.
    public var maxDimension = 1 << 20
    /// Most elements of one tensor the importer computes by constant folding, and of all of
    /// them together (exporters fold a handful of shape and padding values).
    public var maxFoldedElements = 1 << 20
    public var maxFoldedTotal = 1 << 24

    public init() {}

    /// The element count of `shape`, overflow-checked against `maxTensorElements`.
    public func elementCount(_ shape: [Int], what: String, path: String) throws(CIMError) -> Int {
        guard shape.count <= maxRank else { throw .format(path: path, reason: "\(what): rank \(shape.count) exceeds \(maxRank)") }
        var n = 1
        for d in shape {
            guard d >= 0 else { throw .format(path: path, reason: "\(what): negative dimension \(d) in \(shape)") }
            let (p, overflow) = n.multipliedReportingOverflow(by: d)
            guard !overflow, p <= maxTensorElements else {
                throw .format(path: path, reason: "\(what): shape \(shape) has more than \(maxTensorElements) elements")
            }
            n = p
        }
        return n
    }
}
