import CIMCore
import Foundation

/// Element-wise activation: ReLU, tanh or the logistic sigmoid (tanh and sigmoid via ``FastMath``).
public struct Activation: Layer {
    /// Which function.
    public enum Kind: String, Codable, Sendable { case relu, tanh, sigmoid }
    public let kind: Kind
    private var output: Tensor = Tensor(zeros: [0])

    public init(kind: Kind) { self.kind = kind }

    public mutating func forward(_ x: Tensor, parameters: UnsafePointer<Float>, training: Bool) -> Tensor {
        var y = x
        y.data.withUnsafeMutableBufferPointer { p in
            switch kind {
            case .relu: for i in p.indices { p[i] = p[i] < 0 ? 0 : p[i] }  // a select: vectorises
            case .tanh: FastMath.tanh(p)
            case .sigmoid: FastMath.sigmoid(p)
            }
        }
        if training { output = y }
        return y
    }

    public mutating func backward(_ dy: Tensor, parameters: UnsafePointer<Float>,
                                  gradients: UnsafeMutablePointer<Float>, needInputGradient: Bool) -> Tensor? {
        guard needInputGradient else { return nil }
        precondition(dy.shape == output.shape, "Activation.backward without a matching forward pass")
        var dx = dy
        dx.data.withUnsafeMutableBufferPointer { d in
            output.data.withUnsafeBufferPointer { y in
                switch kind {
                case .relu: for i in d.indices where y[i] <= 0 { d[i] = 0 }
                case .tanh: for i in d.indices { d[i] *= 1 - y[i] * y[i] }
                case .sigmoid: for i in d.indices { d[i] *= y[i] * (1 - y[i]) }
                }
            }
        }
        return dx
    }
}

/// Reshapes `[N, …]` to `[N, features]` (NHWC order is kept).
public struct Flatten: Layer {
    private var inputShape: [Int] = []
    public init() {}

    public mutating func forward(_ x: Tensor, parameters: UnsafePointer<Float>, training: Bool) -> Tensor {
        inputShape = x.shape
        return x.reshaped([x.shape[0], x.count / max(x.shape[0], 1)])
    }

    public mutating func backward(_ dy: Tensor, parameters: UnsafePointer<Float>,
                                  gradients: UnsafeMutablePointer<Float>, needInputGradient: Bool) -> Tensor? {
        needInputGradient ? dy.reshaped(inputShape) : nil
    }
}

/// Passes its input through (the placeholder of an `add` node, which ``Network`` computes).
public struct Identity: Layer {
    public init() {}
    public mutating func forward(_ x: Tensor, parameters: UnsafePointer<Float>, training: Bool) -> Tensor { x }
    public mutating func backward(_ dy: Tensor, parameters: UnsafePointer<Float>,
                                  gradients: UnsafeMutablePointer<Float>, needInputGradient: Bool) -> Tensor? {
        needInputGradient ? dy : nil
    }
}
