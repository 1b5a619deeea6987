import CIMCore

/// A feed-forward network with all parameters in one flat vector.
///
/// The flat layout (each weighted layer's weights, row-major, then its biases, in layer order)
/// makes optimizers, checkpoints and the weights file one array each.
public struct Network: Sendable {
    /// The layers and input shape.
    public let architecture: Architecture
    /// All trainable parameters.
    public var parameters: [Float]
    /// Gradients of the last ``backward(_:)``, same layout as ``parameters``.
    public var gradients: [Float]
    /// Start of each layer's slice in ``parameters``.
    public let offsets: [Int]
    private var layers: [any Layer]
    private let lastUse: [Int]
    private let weightedUpstream: [Bool]

    /// A network with PyTorch's default initialisation for `nn.Conv2d` and `nn.Linear`:
    /// weights and biases uniform in ±1/√fan_in (kaiming-uniform with a = √5); an affine
    /// layer starts as the identity (scale 1, shift 0), as `nn.BatchNorm2d` does.
    ///
    /// - Parameters:
    ///   - architecture: must pass ``Architecture/validate()``.
    ///   - seed: seeds the `"init"` stream of ``RandomGenerator``.
    public init(architecture: Architecture, seed: UInt64) throws(CIMError) {
        try architecture.validate()
        var rng = RandomGenerator(seed: seed, stream: "init")
        var params: [Float] = []
        params.reserveCapacity(architecture.parameterCount)
        for spec in architecture.layers {
            let fanIn: Int
            switch spec {
            case let .conv2d(i, _, k): fanIn = i * k * k
            case let .dense(i, _): fanIn = i
            case let .convolution(c): fanIn = c.fanIn
            case let .affine(c):  // scale 1, shift 0 (draws nothing from the stream)
                params += [Float](repeating: 1, count: c) + [Float](repeating: 0, count: c)
                continue
            case .maxPool, .relu, .tanh, .sigmoid, .flatten, .avgPool, .globalAvgPool, .leakyRelu, .clip, .add: continue
            }
            let bound = 1 / Float(fanIn).squareRoot()
            for _ in 0..<spec.parameterCount { params.append(rng.uniform(-bound, bound)) }
        }
        try self.init(architecture: architecture, parameters: params)
    }

    /// A network with given parameters (e.g. loaded from a file).
    public init(architecture: Architecture, parameters: [Float]) throws(CIMError) {
        try architecture.validate()
        guard parameters.count == architecture.parameterCount else {
            throw CIMError.invalidConfig(field: "parameters", reason:
                "\(parameters.count) values, \(architecture.name) needs \(architecture.parameterCount)")
        }
        if let bad = parameters.firstIndex(where: { !$0.isFinite }) {
            throw CIMError.invalidConfig(field: "parameters[\(bad)]", reason: "\(parameters[bad]) is not finite")
        }
        self.architecture = architecture
        self.parameters = parameters
        self.gradients = [Float](repeating: 0, count: parameters.count)
        var offsets: [Int] = []
        var o = 0
        for spec in architecture.layers {
            offsets.append(o)
            o += spec.parameterCount
        }
        self.offsets = offsets
        self.layers = architecture.layers.map { $0.makeLayer() }
        // For a layer graph: the last layer reading each output, and whether a layer with
        // parameters lies upstream of it (only then does its gradient matter).
        var lastUse = [Int](repeating: -1, count: architecture.layers.count)
        var upstream = [Bool](repeating: false, count: architecture.layers.count)
        for i in architecture.layers.indices {
            let from = architecture.inputsOf(i)
            for j in from where j >= 0 { lastUse[j] = i }
            upstream[i] = architecture.layers[i].hasParameters || from.contains { $0 >= 0 && upstream[$0] }
        }
        self.lastUse = lastUse
        self.weightedUpstream = upstream
    }

    /// Logits `[N, classes]` for a batch `x` of shape `[N] + inputShape`.
    ///
    /// With `training: true` each layer keeps what ``backward(_:)`` needs.
    public mutating func forward(_ x: Tensor, training: Bool) -> Tensor {
        var engine = DigitalProduct()
        return forward(x, training: training, engine: &engine)
    }

    /// Logits with every weighted layer's product computed by `engine` (e.g. a simulated chip);
    /// biases, activations and pooling stay digital.
    public mutating func forward<E: WeightProduct>(_ x: Tensor, training: Bool, engine: inout E) -> Tensor {
        precondition(Array(x.shape.dropFirst()) == architecture.inputShape,
                     "Network.forward: input \(x.shape) does not match \(architecture.inputShape)")
        guard architecture.inputs != nil else {
            var h = x
            parameters.withUnsafeBufferPointer { p in
                for i in layers.indices {
                    h = layers[i].forward(h, parameters: p.baseAddress! + offsets[i], training: training, engine: &engine, layer: i)
                }
            }
            return h
        }
        // A layer graph: every output is kept until the layers that read it have run.
        var outputs = [Tensor?](repeating: nil, count: layers.count)
        func value(_ j: Int) -> Tensor { j < 0 ? x : outputs[j]! }
        parameters.withUnsafeBufferPointer { p in
            for i in layers.indices {
                let from = architecture.inputsOf(i)
                if architecture.layers[i] == .add {
                    var y = value(from[0])
                    let b = value(from[1])
                    y.data.withUnsafeMutableBufferPointer { yp in b.data.withUnsafeBufferPointer { bp in
                        for k in yp.indices { yp[k] += bp[k] }
                    } }
                    outputs[i] = y
                } else {
                    outputs[i] = layers[i].forward(value(from[0]), parameters: p.baseAddress! + offsets[i], training: training,
                                                   engine: &engine, layer: i)
                }
                for j in from where j >= 0 && lastUse[j] == i && j != layers.count - 1 { outputs[j] = nil }
            }
        }
        return outputs[layers.count - 1]!
    }

    /// Replaces the parameters (same count; all finite).
    public mutating func setParameters(_ values: [Float]) throws(CIMError) {
        guard values.count == parameters.count else {
            throw CIMError.invalidConfig(field: "parameters", reason: "\(values.count) values, need \(parameters.count)")
        }
        if let bad = values.firstIndex(where: { !$0.isFinite }) {
            throw CIMError.invalidConfig(field: "parameters[\(bad)]", reason: "\(values[bad]) is not finite")
        }
        parameters = values
    }

    /// Back-propagates `dLogits` through the last training forward pass, filling ``gradients``.
    public mutating func backward(_ dLogits: Tensor) {
        guard architecture.inputs != nil else {
            var d: Tensor? = dLogits
            let firstWeighted = architecture.layers.firstIndex(where: \.hasParameters) ?? 0
            parameters.withUnsafeBufferPointer { p in
                gradients.withUnsafeMutableBufferPointer { g in
                    for i in layers.indices.reversed() {
                        guard let dy = d else { break }
                        d = layers[i].backward(dy, parameters: p.baseAddress! + offsets[i],
                                               gradients: g.baseAddress! + offsets[i],
                                               needInputGradient: i > firstWeighted)
                    }
                }
            }
            return
        }
        // A layer graph: gradients of every output, summed over the layers that read it.
        var grads = [Tensor?](repeating: nil, count: layers.count)
        grads[layers.count - 1] = dLogits
        func accumulate(_ j: Int, _ d: Tensor) {
            guard j >= 0, weightedUpstream[j] else { return }
            if var g = grads[j] {
                g.data.withUnsafeMutableBufferPointer { gp in d.data.withUnsafeBufferPointer { dp in
                    for k in gp.indices { gp[k] += dp[k] }
                } }
                grads[j] = g
            } else {
                grads[j] = d
            }
        }
        parameters.withUnsafeBufferPointer { p in
            gradients.withUnsafeMutableBufferPointer { g in
                for i in layers.indices.reversed() {
                    let from = architecture.inputsOf(i)
                    guard let dy = grads[i] else {
                        // no gradient reaches this layer: its parameters' gradients are 0
                        let n = architecture.layers[i].parameterCount
                        if n > 0 { (g.baseAddress! + offsets[i]).update(repeating: 0, count: n) }
                        continue
                    }
                    grads[i] = nil
                    if architecture.layers[i] == .add {
                        accumulate(from[0], dy)
                        accumulate(from[1], dy)
                    } else if let dx = layers[i].backward(dy, parameters: p.baseAddress! + offsets[i], gradients: g.baseAddress! + offsets[i],
                                                          needInputGradient: from[0] >= 0 && weightedUpstream[from[0]]) {
                        accumulate(from[0], dx)
                    }
                }
            }
        }
    }

    /// Predicted class of every example (inference, no caches kept).
    public mutating func predict(_ x: Tensor) -> [Int] {
        var engine = DigitalProduct()
        return predict(x, engine: &engine)
    }

    /// Predicted classes with the weighted products computed by `engine`.
    public mutating func predict<E: WeightProduct>(_ x: Tensor, engine: inout E) -> [Int] {
        let logits = forward(x, training: false, engine: &engine)
        let classes = logits.shape[1]
        return (0..<logits.shape[0]).map { r in
            var best = 0
            for c in 1..<classes where logits.data[r * classes + c] > logits.data[r * classes + best] { best = c }
            return best
        }
    }
}
