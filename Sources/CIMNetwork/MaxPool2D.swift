import CCIMKernels
import CIMCore

/// Non-overlapping max pooling (window = stride = `size`) on NHWC tensors; rows and columns
/// that do not fill a window are dropped (floor), as in PyTorch's default.
public struct MaxPool2D: Layer {
    public let size: Int
    private var argmax: [Int32] = []
    private var inputShape: [Int] = []

    public init(size: Int) { self.size = size }

    public mutating func forward(_ x: Tensor, parameters: UnsafePointer<Float>, training: Bool) -> Tensor {
        precondition(x.shape.count == 4, "MaxPool2D: bad input shape \(x.shape)")
        let (n, h, w, c) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (oh, ow) = (h / size, w / size)
        var y = Tensor(zeros: [n, oh, ow, c])
        if !training {
            // inference: no argmax; the channel loop is innermost so it vectorises
            x.data.withUnsafeBufferPointer { xp in
                y.data.withUnsafeMutableBufferPointer { yp in
                    cim_maxpool(xp.baseAddress!, n, h, w, c, size, yp.baseAddress!)
                }
            }
            return y
        }
        if argmax.count != y.count { argmax = [Int32](repeating: 0, count: y.count) }
        precondition(x.count <= Int(Int32.max), "MaxPool2D: \(x.count) inputs do not fit Int32 indices")
        x.data.withUnsafeBufferPointer { xp in
            y.data.withUnsafeMutableBufferPointer { yp in
                argmax.withUnsafeMutableBufferPointer { ap in
                    cim_maxpool_argmax(xp.baseAddress!, n, h, w, c, size, yp.baseAddress!, ap.baseAddress!)
                }
            }
        }
        inputShape = x.shape
        return y
    }

    public mutating func backward(_ dy: Tensor, parameters: UnsafePointer<Float>,
                                  gradients: UnsafeMutablePointer<Float>, needInputGradient: Bool) -> Tensor? {
        guard needInputGradient else { return nil }
        precondition(dy.count == argmax.count, "MaxPool2D.backward without a matching forward pass")
        var dx = Tensor(zeros: inputShape)
        dx.data.withUnsafeMutableBufferPointer { dxp in
            dy.data.withUnsafeBufferPointer { dyp in
                argmax.withUnsafeBufferPointer { ap in
                    cim_maxpool_backward(dyp.baseAddress!, ap.baseAddress!, ap.count, dxp.baseAddress!)
                }
            }
        }
        return dx
    }
}
