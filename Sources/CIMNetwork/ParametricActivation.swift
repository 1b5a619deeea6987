import CIMCore

/// Leaky ReLU (`x` for x ≥ 0, `slope·x` below) or clipping to `[min, max]` (ReLU6 is
/// `clip(0, 6)`); the gradient of clip is 1 strictly inside the interval, 0 outside.
public struct ParametricActivation: Layer {
    public enum Kind: Sendable, Equatable {
        case leakyRelu(slope: Float)
        case clip(min: Float, max: Float)
    }
    public let kind: Kind
    private var input = Tensor(zeros: [0])

    public init(kind: Kind) { self.kind = kind }

    public mutating func forward(_ x: Tensor, parameters: UnsafePointer<Float>, training: Bool) -> Tensor {
        var y = x
        y.data.withUnsafeMutableBufferPointer { p in
            switch kind {
            case let .leakyRelu(slope): for i in p.indices where p[i] < 0 { p[i] *= slope }
            case let .clip(lo, hi): for i in p.indices { p[i] = Swift.min(Swift.max(p[i], lo), hi) }
            }
        }
        if training { input = x }
        return y
    }

    public mutating func backward(_ dy: Tensor, parameters: UnsafePointer<Float>,
                                  gradients: UnsafeMutablePointer<Float>, needInputGradient: Bool) -> Tensor? {
        guard needInputGradient else { return nil }
        precondition(dy.shape == input.shape, "ParametricActivation.backward without a matching forward pass")
        var dx = dy
        dx.data.withUnsafeMutableBufferPointer { d in
            input.data.withUnsafeBufferPointer { x in
                switch kind {
                case let .leakyRelu(slope): for i in d.indices where x[i] < 0 { d[i] *= slope }
                case let .clip(lo, hi): for i in d.indices where !(x[i] > lo && x[i] < hi) { d[i] = 0 }
                }
            }
        }
        return dx
    }
}
