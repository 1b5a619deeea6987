import CIMCore
import CIMNetwork

/// Turns an ``ONNXModel`` into CIMKit's network: a chain of layers, or a layer graph when the
/// model has branches (residual connections).
///
/// What the import folds, exactly (in Float64, rounded once to float32):
/// - BatchNormalization after a conv or dense layer: `W' = s·W`, `b' = s·(b − μ) + β` with
///   `s = γ / √(var + ε)` per output channel. A BatchNormalization with nothing to fold into
///   (on the input, after pooling, an add or an activation) becomes a digital per-channel
///   affine layer: `scale = float32(s)`, `shift = float32(β − μ·s)`.
/// - A constant Add, Sub, Mul or Div right after a conv or dense layer: into its bias (and,
///   for Mul/Div, its weights).
/// - Input normalisation (Sub/Add/Mul/Div by scalar or per-channel constants before the first
///   layer): `x' = a·x + b` per channel, folded into the first weighted layer as
///   `W'[o, i] = W[o, i]·a[c(i)]`, `b'[o] = b[o] + Σᵢ W[o, i]·b[c(i)]` (exact for valid
///   convolutions and dense layers, which have no zero padding).
/// - Flatten of a `C×H×W` map: ONNX orders features `(c, h, w)`, CIMKit `(h, w, c)`; the next
///   dense layer's columns are permuted to match.
/// - The `Shape → Gather → Unsqueeze → Concat → Reshape` chains exporters emit for
///   `x.view(x.size(0), -1)`, Identity, Dropout and Cast to float32 (no-ops at inference).
/// - Computations on constants only (`ConstantOfShape`, `Concat`, `Reshape`, `Slice`,
///   `Transpose`, `Cast`, `Unsqueeze`, `Squeeze`): evaluated at import, sizes checked first.
/// - A constant-mode `Pad` with zeros on H and W (the TorchScript exporter's `nn.ZeroPad2d`):
///   into the padding of the Conv, or of the AveragePool counting padded cells, that reads it.
/// - Softmax/LogSoftmax as the last operation: recorded in ``ImportedModel/outputTransform``.
///
/// Anything else (another operator or domain, a Pad before anything else or of another mode,
/// value or axis, overlapping max pooling) is one ``CIMError`` naming the node, its operator
/// and the reason.
public struct ONNXImporter {
    let model: ONNXModel
    let path: String
    var values: [String: Value] = [:]
    var specs: [LayerSpec] = []
    /// Each layer's inputs (−1 = the network's input).
    var layerInputs: [[Int]] = []
    var weights: [[Float]] = []
    var biases: [[Float]] = []
    /// The index in `weights`/`biases` of each weighted layer.
    var weightSlot: [Int: Int] = [:]
    /// Scale and shift of each affine layer (a BatchNormalization kept digital), by layer index.
    var affines: [Int: (scale: [Float], shift: [Float])] = [:]
    /// How many nodes (and graph outputs) read each value.
    var uses: [String: Int] = [:]
    /// Input normalisation waiting for the first weighted layer to fold into.
    var inputAffine: (scale: [Double], shift: [Double])?
    /// The input normalisation once folded (recorded in the model's preprocessing).
    var inputNormalization: InputPreprocessing.FoldedNormalization?
    var inputChannels = 1
    var outputTransform = ImportedModel.OutputTransform.none
    var transformNode: String?
    var notes: [String] = []
    /// Elements computed by constant folding so far (bounded by ``ONNXLimits/maxFoldedTotal``).
    var foldedElements = 0

    /// Imports `model`; `name` becomes the architecture's name, `path` names the file in errors.
    public static func importModel(_ model: ONNXModel, name: String, path: String) throws(CIMError) -> ImportedModel {
        var importer = ONNXImporter(model: model, path: path)
        return try importer.run(name: name)
    }

    init(model: ONNXModel, path: String) {
        self.model = model
        self.path = path
    }

    /// A value flowing through the graph: the running activation, a constant, or a short
    /// integer vector that may hold the symbolic batch size (from `Shape`).
    enum Value {
        case activation(Activation)
        case constant(ONNXTensor)
        case symbolic([SymbolicInt], scalar: Bool)
    }

    /// A computed tensor: its per-sample shape in ONNX order (`[C, H, W]` or `[F]`), the layer
    /// that computes it (−1 = the network's input), after flattening a `C×H×W` map that map's
    /// shape (CIMKit's feature order differs from ONNX's then), whether it is a weighted layer's
    /// output with nothing applied yet (BatchNorm and bias fold into it), whether the
    /// pending input normalisation applies to it, and a zero padding `[top, left, bottom, right]`
    /// of a `Pad` node still to be folded into the Conv or AveragePool that reads it (`shape`
    /// is then the unpadded shape).
    struct Activation {
        var shape: [Int]
        var node: Int
        var flattenedFrom: [Int]? = nil
        var isLayerOutput = false
        var normalized = false
        var pad: [Int]? = nil
    }

    enum SymbolicInt: Equatable {
        case batch
        case value(Int)
    }

    func fail(_ node: ONNXNode, _ reason: String) -> CIMError {
        .format(path: path, reason: "\(node.label): \(reason)")
    }

    mutating func run(name: String) throws(CIMError) -> ImportedModel {
        let g = model.graph
        guard g.inputs.count == 1, let input = g.inputs.first else {
            throw .format(path: path, reason: "the graph has \(g.inputs.count) inputs; CIMKit imports models with one image input")
        }
        guard input.elementType == 1 else {
            throw .format(path: path, reason: "input '\(input.name)' is \(ONNXFile.typeName(Int32(clamping: input.elementType))), not float32")
        }
        guard let dims = input.shape, dims.count == 4, let c = dims[1], let h = dims[2], let w = dims[3] else {
            throw .format(path: path, reason: "input '\(input.name)' has shape \(input.shape.map { "\($0.map { $0.map(String.init) ?? "?" })" } ?? "unknown"); "
                + "CIMKit imports image inputs N×C×H×W with fixed C, H and W")
        }
        let limit = ONNXLimits().maxDimension
        guard [c, h, w].allSatisfy({ (1...limit).contains($0) }) else {
            throw .format(path: path, reason: "input '\(input.name)': C×H×W = \(c)×\(h)×\(w) is out of range (1…\(limit) each)")
        }
        inputChannels = c
        values[input.name] = .activation(Activation(shape: [c, h, w], node: -1))
        for n in g.nodes { for i in n.inputs where !i.isEmpty { uses[i, default: 0] += 1 } }
        for o in g.outputs { uses[o.name, default: 0] += 1 }
        for (name, t) in g.initializers { values[name] = .constant(t) }
        for node in g.nodes {
            guard transformNode == nil else {
                throw fail(node, "follows the output \(transformNode!); a softmax must be the last operation")
            }
            guard node.domain.isEmpty else { throw fail(node, "operators of domain '\(node.domain)' are not supported") }
            try apply(node)
        }
        guard g.outputs.count == 1, let out = g.outputs.first, case .activation(let a)? = values[out.name] else {
            throw .format(path: path, reason: "the graph must have one output computed from the input (it has \(g.outputs.count))")
        }
        guard a.node == specs.count - 1, a.shape.count == 1, a.shape[0] >= 2, a.flattenedFrom == nil else {
            throw .format(path: path, reason: "output '\(out.name)' has per-sample shape \(a.shape) and is not computed last; CIMKit needs a vector of ≥ 2 logits")
        }
        guard !specs.isEmpty, specs.contains(where: \.hasWeights) else {
            throw .format(path: path, reason: "the graph has no conv or dense layer")
        }
        if inputAffine != nil { throw .format(path: path, reason: "input normalisation is never followed by a weighted layer") }
        var parameters: [Float] = []
        for i in specs.indices {
            if let k = weightSlot[i] { parameters += weights[k] + biases[k] }
            if let a = affines[i] { parameters += a.scale + a.shift }
        }
        let chain = layerInputs.enumerated().allSatisfy { $0.element == [$0.offset - 1] }
        let architecture = Architecture(name: name, inputShape: [h, w, c], layers: specs, inputs: chain ? nil : layerInputs)
        try architecture.validate()
        return ImportedModel(architecture: architecture, parameters: parameters, outputTransform: outputTransform, notes: notes,
                             preprocessing: InputPreprocessing(foldedNormalization: inputNormalization))
    }

    // MARK: - Values

    /// The computed tensor at input `k` of `node`.
    func activation(_ node: ONNXNode, _ k: Int) throws(CIMError) -> Activation {
        guard k < node.inputs.count, case .activation(let a)? = values[node.inputs[k]] else {
            throw fail(node, "input \(k + 1) '\(k < node.inputs.count ? node.inputs[k] : "")' is not computed from the network's input")
        }
        // a pending Pad reaches only the Conv or AveragePool it was checked against
        if a.pad != nil, k != 0 || !["Conv", "AveragePool"].contains(node.opType) {
            throw fail(node, "reads a padded tensor; a Pad is only folded into a following Conv or AveragePool")
        }
        return a
    }

    /// Whether input `k` of `node` is read by this node only.
    func readOnce(_ node: ONNXNode, _ k: Int) -> Bool { uses[node.inputs[k], default: 0] == 1 }

    func constant(_ node: ONNXNode, _ k: Int, required: Bool = true) throws(CIMError) -> ONNXTensor? {
        guard k < node.inputs.count, !node.inputs[k].isEmpty else {
            if required { throw fail(node, "input \(k + 1) is missing") }
            return nil
        }
        guard let v = values[node.inputs[k]] else { throw fail(node, "input '\(node.inputs[k])' is not defined before the node") }
        guard case .constant(let t) = v else { throw fail(node, "input '\(node.inputs[k])' must be a constant (an initializer)") }
        return t
    }

    /// Appends a layer without weights reading `a`; returns its index.
    @discardableResult
    mutating func append(_ node: ONNXNode, _ spec: LayerSpec, reading a: Activation) throws(CIMError) -> Int {
        if a.normalized, spec != .flatten {
            throw fail(node, "comes between the input normalisation and the first conv or dense layer; that is not supported yet")
        }
        specs.append(spec)
        layerInputs.append([a.node])
        return specs.count - 1
    }

    /// The node's first output: a tensor computed by layer `layer`.
    mutating func produce(_ node: ONNXNode, shape: [Int], layer: Int, flattenedFrom: [Int]? = nil, isLayerOutput: Bool = false,
                          normalized: Bool = false) throws(CIMError) {
        guard let out = node.outputs.first, !out.isEmpty else { throw fail(node, "has no output") }
        values[out] = .activation(Activation(shape: shape, node: layer, flattenedFrom: flattenedFrom, isLayerOutput: isLayerOutput,
                                             normalized: normalized))
    }

    /// The node's first output names the same value as its input `k` (a no-op).
    mutating func alias(_ node: ONNXNode, _ k: Int = 0) throws(CIMError) {
        guard k < node.inputs.count, let v = values[node.inputs[k]] else { throw fail(node, "input \(k + 1) is not defined before the node") }
        guard let out = node.outputs.first else { throw fail(node, "has no output") }
        values[out] = v
    }

    // MARK: - Attributes

    func int(_ node: ONNXNode, _ name: String, _ fallback: Int) throws(CIMError) -> Int {
        switch node.attributes[name] {
        case nil: return fallback
        case .int(let v)?: return v
        default: throw fail(node, "attribute '\(name)' must be an integer")
        }
    }

    func ints(_ node: ONNXNode, _ name: String) throws(CIMError) -> [Int]? {
        switch node.attributes[name] {
        case nil: return nil
        case .ints(let v)?: return v
        default: throw fail(node, "attribute '\(name)' must be a list of integers")
        }
    }

    func float(_ node: ONNXNode, _ name: String, _ fallback: Float) throws(CIMError) -> Float {
        switch node.attributes[name] {
        case nil: return fallback
        case .float(let v)?: return v
        default: throw fail(node, "attribute '\(name)' must be a float")
        }
    }

    func string(_ node: ONNXNode, _ name: String, _ fallback: String) throws(CIMError) -> String {
        switch node.attributes[name] {
        case nil: return fallback
        case .string(let v)?: return v
        default: throw fail(node, "attribute '\(name)' must be a string")
        }
    }
}
