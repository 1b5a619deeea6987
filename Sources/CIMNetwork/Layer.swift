import CIMCore

/// A layer with a forward and a backward pass over a batch.
///
/// Parameters live outside the layer, in the network's single flat parameter vector; each
/// call receives pointers to the layer's own slice (weights first, then biases). A layer
/// keeps what its backward pass needs from the last `forward(training: true)`.
public protocol Layer: Sendable {
    /// Forward pass over a batch (`x.shape[0]` is the batch size).
    mutating func forward(_ x: Tensor, parameters: UnsafePointer<Float>, training: Bool) -> Tensor

    /// Forward pass whose weighted product (if the layer has weights) is computed by `engine`;
    /// `layer` is this layer's index in the architecture. Layers without weights ignore both.
    mutating func forward<E: WeightProduct>(_ x: Tensor, parameters: UnsafePointer<Float>, training: Bool,
                                            engine: inout E, layer: Int) -> Tensor

    /// Backward pass for the last training forward pass.
    ///
    /// - Parameters:
    ///   - dy: gradient of the loss with respect to the layer's output.
    ///   - gradients: the layer's slice of the gradient vector; overwritten (not accumulated).
    ///   - needInputGradient: false for the first layer, which skips computing `dx`.
    /// - Returns: the gradient with respect to the input (or `nil` if not needed).
    mutating func backward(_ dy: Tensor, parameters: UnsafePointer<Float>,
                           gradients: UnsafeMutablePointer<Float>, needInputGradient: Bool) -> Tensor?
}

extension Layer {
    public mutating func forward<E: WeightProduct>(_ x: Tensor, parameters: UnsafePointer<Float>, training: Bool,
                                                   engine: inout E, layer: Int) -> Tensor {
        forward(x, parameters: parameters, training: training)
    }
}

extension LayerSpec {
    /// A fresh layer object for this spec.
    func makeLayer() -> any Layer {
        switch self {
        case let .conv2d(i, o, k): return Conv2D(inChannels: i, outChannels: o, kernel: k)
        case let .dense(i, o): return Dense(inFeatures: i, outFeatures: o)
        case let .maxPool(s): return MaxPool2D(size: s)
        case .relu: return Activation(kind: .relu)
        case .tanh: return Activation(kind: .tanh)
        case .sigmoid: return Activation(kind: .sigmoid)
        case .flatten: return Flatten()
        case let .convolution(c): return Convolution(spec: c)
        case let .avgPool(p): return AvgPool2D(spec: p)
        case .globalAvgPool: return AvgPool2D(spec: nil)
        case let .leakyRelu(slope): return ParametricActivation(kind: .leakyRelu(slope: slope))
        case let .clip(lo, hi): return ParametricActivation(kind: .clip(min: lo, max: hi))
        case .add: return Identity()  // the network adds the two inputs itself
        case let .affine(c): return ChannelAffine(channels: c)
        }
    }
}
