import CIMCore

/// A digital per-channel affine map, channels last: `y[…, c] = x[…, c]·scale[c] + shift[c]`
/// (float32, two roundings: no fused multiply-add). It is what a BatchNormalization becomes
/// when no conv or dense layer precedes it to fold into (``LayerSpec/affine(channels:)``).
///
/// Parameters: `scale[C]` then `shift[C]` (dimensionless, in the units of the activations),
/// part of the network's flat parameter vector and trained like a bias (digitally, also in an
/// on-chip run: the layer never maps onto a crossbar). A fresh network starts at scale 1,
/// shift 0 (PyTorch's BatchNorm initialisation). Works on `[N, H, W, C]` and on `[N, C]`.
public struct ChannelAffine: Layer {
    public let channels: Int
    private var input = Tensor(zeros: [0])

    public init(channels: Int) { self.channels = channels }

    public mutating func forward(_ x: Tensor, parameters: UnsafePointer<Float>, training: Bool) -> Tensor {
        precondition(x.shape.last == channels, "ChannelAffine: input \(x.shape) does not end in \(channels) channels")
        var y = x
        let scale = parameters, shift = parameters + channels
        y.data.withUnsafeMutableBufferPointer { p in
            var i = 0
            while i < p.count {
                for c in 0..<channels { p[i + c] = p[i + c] * scale[c] + shift[c] }
                i += channels
            }
        }
        if training { input = x }
        return y
    }

    /// Gradients: `∂L/∂scale[c] = Σ dy·x`, `∂L/∂shift[c] = Σ dy` (sums over the batch and every
    /// pixel, float32 in storage order), `∂L/∂x = dy·scale[c]`.
    public mutating func backward(_ dy: Tensor, parameters: UnsafePointer<Float>,
                                  gradients: UnsafeMutablePointer<Float>, needInputGradient: Bool) -> Tensor? {
        precondition(dy.shape == input.shape, "ChannelAffine.backward without a matching forward pass")
        gradients.update(repeating: 0, count: 2 * channels)
        let dScale = gradients, dShift = gradients + channels
        dy.data.withUnsafeBufferPointer { d in
            input.data.withUnsafeBufferPointer { x in
                var i = 0
                while i < d.count {
                    for c in 0..<channels {
                        dScale[c] += d[i + c] * x[i + c]
                        dShift[c] += d[i + c]
                    }
                    i += channels
                }
            }
        }
        guard needInputGradient else { return nil }
        var dx = dy
        dx.data.withUnsafeMutableBufferPointer { d in
            var i = 0
            while i < d.count {
                for c in 0..<channels { d[i + c] *= parameters[c] }
                i += channels
            }
        }
        return dx
    }
}
