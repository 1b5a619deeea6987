import CIMCore

/// One layer of a feed-forward network, as stored in files (`Codable`).
///
/// Convolutions are "valid" (stride 1, no padding) on NHWC activations; a convolution's
/// weight matrix is `[outChannels, kernel·kernel·inChannels]` with columns ordered
/// (kh, kw, c), and a dense layer's is `[outFeatures, inFeatures]`. `flatten` keeps NHWC
/// order: feature index = (h·W + w)·C + c.
public enum LayerSpec: Codable, Equatable, Sendable, CustomStringConvertible {
    case conv2d(inChannels: Int, outChannels: Int, kernel: Int)
    case dense(inFeatures: Int, outFeatures: Int)
    case maxPool(size: Int)
    case relu
    case tanh
    case sigmoid
    case flatten
    /// A convolution with stride, padding, dilation or groups (``ConvolutionSpec``).
    case convolution(spec: ConvolutionSpec)
    /// Average pooling (``PoolSpec``), and global average pooling to `[1, 1, C]`.
    case avgPool(spec: PoolSpec)
    case globalAvgPool
    /// `x` for x ≥ 0, `slope·x` below.
    case leakyRelu(slope: Float)
    /// Clipping to `[min, max]` (ReLU6 = clip(0, 6)).
    case clip(min: Float, max: Float)
    /// The element-wise sum of two earlier outputs of the same shape (a residual connection);
    /// only in a layer graph (``Architecture/inputs``).
    case add
    /// A digital per-channel affine map `y[…, c] = x[…, c]·scale[c] + shift[c]` over the last
    /// axis (``ChannelAffine``): a BatchNormalization with no conv or dense layer before it.
    /// Its parameters, `scale[channels]` then `shift[channels]`, are trained like biases and
    /// never map onto a crossbar.
    case affine(channels: Int)

    public var description: String {
        switch self {
        case let .conv2d(i, o, k): return "conv \(i)→\(o) \(k)×\(k)"
        case let .dense(i, o): return "fc \(i)→\(o)"
        case let .maxPool(s): return "maxpool \(s)"
        case .relu: return "relu"
        case .tanh: return "tanh"
        case .sigmoid: return "sigmoid"
        case .flatten: return "flatten"
        case let .convolution(c): return c.description
        case let .avgPool(p): return p.description
        case .globalAvgPool: return "global avgpool"
        case let .leakyRelu(slope): return "leaky relu \(slope)"
        case let .clip(lo, hi): return "clip [\(lo), \(hi)]"
        case .add: return "add"
        case let .affine(c): return "affine \(c)"
        }
    }

    /// Number of trainable parameters (weights then biases; an affine layer's scale then shift).
    public var parameterCount: Int {
        switch self {
        case let .conv2d(i, o, k): return o * k * k * i + o
        case let .dense(i, o): return o * i + o
        case let .convolution(c): return c.outChannels * c.fanIn + c.outChannels
        case let .affine(c): return 2 * c
        case .maxPool, .relu, .tanh, .sigmoid, .flatten, .avgPool, .globalAvgPool, .leakyRelu, .clip, .add: return 0
        }
    }

    /// Whether the chip image format v1 can describe the layer (the layers CIMKit had before
    /// the general convolution and pooling; `schemas/chip-image-v1.md`).
    public var isChipImageV1: Bool {
        switch self {
        case .conv2d, .dense, .maxPool, .relu, .tanh, .sigmoid, .flatten: return true
        case .convolution, .avgPool, .globalAvgPool, .leakyRelu, .clip, .add, .affine: return false
        }
    }

    /// Whether the layer has a weight matrix (and so maps onto a crossbar).
    public var hasWeights: Bool { matrixShape != nil }

    /// Whether the layer has trainable parameters (a weighted layer, or an affine layer's
    /// digital scale and shift).
    public var hasParameters: Bool { parameterCount > 0 }
}

/// A network: a per-sample input shape and an ordered list of layers, either a chain (each
/// layer reads the one before) or a layer graph (``inputs``).
public struct Architecture: Codable, Equatable, Sendable {
    /// A name (a preset name, or anything the user chose).
    public var name: String
    /// Per-sample input shape, `[height, width, channels]` for images.
    public var inputShape: [Int]
    /// Layers in a topological order; the last must produce one logit per class.
    public var layers: [LayerSpec]
    /// For a layer graph: each layer's inputs as indices of earlier layers (−1 = the network's
    /// input); two for `add`, one otherwise. `nil` for a chain (layer i reads layer i − 1).
    public var inputs: [[Int]]?

    public init(name: String, inputShape: [Int], layers: [LayerSpec], inputs: [[Int]]? = nil) {
        self.name = name
        self.inputShape = inputShape
        self.layers = layers
        self.inputs = inputs
    }

    /// The inputs of layer `i` (−1 = the network's input).
    public func inputsOf(_ i: Int) -> [Int] { inputs?[i] ?? [i - 1] }

    /// Per-sample shapes after each layer (index 0 = input). Throws on any mismatch.
    public func shapes() throws(CIMError) -> [[Int]] {
        var shape = inputShape
        var all = [shape]
        guard !shape.isEmpty, shape.allSatisfy({ $0 > 0 }) else {
            throw CIMError.invalidConfig(field: "\(name).inputShape", reason: "\(shape) must be non-empty and positive")
        }
        if let inputs {
            guard inputs.count == layers.count else {
                throw CIMError.invalidConfig(field: "\(name).inputs", reason: "\(inputs.count) entries for \(layers.count) layers")
            }
        }
        for (index, layer) in layers.enumerated() {
            let at = "\(name).layers[\(index)] (\(layer))"
            let from = inputsOf(index)
            guard from.count == (layer == .add ? 2 : 1), from.allSatisfy({ (-1..<index).contains($0) }) else {
                throw CIMError.invalidConfig(field: at, reason: "inputs \(from) must be \(layer == .add ? "two" : "one") earlier layer(s) (−1 = the input)")
            }
            shape = all[from[0] + 1]
            switch layer {
            case let .conv2d(i, o, k):
                guard shape.count == 3, shape[2] == i else {
                    throw CIMError.invalidConfig(field: at, reason: "expects [H, W, \(i)] input, got \(shape)")
                }
                guard i > 0, o > 0, k > 0, shape[0] >= k, shape[1] >= k else {
                    throw CIMError.invalidConfig(field: at, reason: "kernel \(k) does not fit input \(shape)")
                }
                shape = [shape[0] - k + 1, shape[1] - k + 1, o]
            case let .dense(i, o):
                guard shape.count == 1, shape[0] == i else {
                    throw CIMError.invalidConfig(field: at, reason: "expects [\(i)] input, got \(shape)")
                }
                guard o > 0 else { throw CIMError.invalidConfig(field: at, reason: "needs ≥ 1 output") }
                shape = [o]
            case let .maxPool(s):
                guard shape.count == 3, s > 0, shape[0] >= s, shape[1] >= s else {
                    throw CIMError.invalidConfig(field: at, reason: "cannot pool \(shape) by \(s)")
                }
                shape = [shape[0] / s, shape[1] / s, shape[2]]
            case .flatten:
                shape = [shape.reduce(1, *)]
            case .relu, .tanh, .sigmoid, .leakyRelu, .clip:
                break
            case let .affine(c):
                guard c > 0, shape.last == c else {
                    throw CIMError.invalidConfig(field: at, reason: "expects input with \(c) channels last, got \(shape)")
                }
            case let .convolution(c):
                try c.validate(at: at)
                guard shape.count == 3, shape[2] == c.inChannels else {
                    throw CIMError.invalidConfig(field: at, reason: "expects [H, W, \(c.inChannels)] input, got \(shape)")
                }
                guard let (oh, ow) = c.outputSize(height: shape[0], width: shape[1]) else {
                    throw CIMError.invalidConfig(field: at, reason: "kernel does not fit input \(shape)")
                }
                shape = [oh, ow, c.outChannels]
            case let .avgPool(p):
                try p.validate(at: at)
                guard shape.count == 3, let (oh, ow) = p.outputSize(height: shape[0], width: shape[1]) else {
                    throw CIMError.invalidConfig(field: at, reason: "cannot pool \(shape)")
                }
                shape = [oh, ow, shape[2]]
            case .globalAvgPool:
                guard shape.count == 3 else { throw CIMError.invalidConfig(field: at, reason: "expects [H, W, C] input, got \(shape)") }
                shape = [1, 1, shape[2]]
            case .add:
                guard all[from[1] + 1] == shape else {
                    throw CIMError.invalidConfig(field: at, reason: "adds \(shape) and \(all[from[1] + 1])")
                }
            }
            all.append(shape)
        }
        return all
    }

    /// Checks that the layers chain and end in a vector of logits.
    public func validate() throws(CIMError) {
        let out = try shapes().last!
        guard out.count == 1, out[0] >= 2 else {
            throw CIMError.invalidConfig(field: "\(name).layers", reason: "must end in ≥ 2 logits, ends in \(out)")
        }
    }

    /// Total trainable parameters.
    public var parameterCount: Int { layers.reduce(0) { $0 + $1.parameterCount } }

    /// Number of weights (excluding biases): each is one differential device pair on a chip.
    public var weightCount: Int {
        layers.reduce(0) { acc, l in
            switch l {
            case let .conv2d(i, o, k): return acc + o * k * k * i
            case let .dense(i, o): return acc + o * i
            case let .convolution(c): return acc + c.outChannels * c.fanIn
            case .maxPool, .relu, .tanh, .sigmoid, .flatten, .avgPool, .globalAvgPool, .leakyRelu, .clip, .add, .affine: return acc
            }
        }
    }
}
