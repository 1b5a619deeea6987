import CIMCore

/// Average pooling of ``PoolSpec`` on NHWC tensors (window, stride, zero padding; the divisor
/// is the window size with `countIncludePad`, else the cells inside the image), and global
/// average pooling (`window = H×W`, output `[N, 1, 1, C]`) when `spec` is nil.
public struct AvgPool2D: Layer {
    public let spec: PoolSpec?
    private var inputShape: [Int] = []

    public init(spec: PoolSpec?) { self.spec = spec }

    /// The pooling of an `h × w` input: the spec, or the whole image for global pooling.
    func window(_ h: Int, _ w: Int) -> PoolSpec {
        spec ?? PoolSpec(kernelHeight: h, kernelWidth: w, strideHeight: h, strideWidth: w)
    }

    /// Calls `body(outputIndex, firstRow, lastRow, firstColumn, lastColumn, divisor)` for every
    /// output pixel of one image (rows and columns clipped to the image).
    func forEachWindow(_ h: Int, _ w: Int, _ body: (Int, Int, Int, Int, Int, Float) -> Void) {
        let p = window(h, w)
        guard let (oh, ow) = p.outputSize(height: h, width: w) else { return }
        for i in 0..<oh {
            for j in 0..<ow {
                let y0 = i * p.strideHeight - p.padding[0], x0 = j * p.strideWidth - p.padding[1]
                let y1 = min(y0 + p.kernelHeight, h + p.padding[2]), x1 = min(x0 + p.kernelWidth, w + p.padding[3])
                let full = (y1 - y0) * (x1 - x0)
                let (ya, yb, xa, xb) = (max(y0, 0), min(y1, h), max(x0, 0), min(x1, w))
                let inside = max((yb - ya) * (xb - xa), 1)
                body(i * ow + j, ya, yb, xa, xb, Float(p.countIncludePad ? full : inside))
            }
        }
    }

    public mutating func forward(_ x: Tensor, parameters: UnsafePointer<Float>, training: Bool) -> Tensor {
        precondition(x.shape.count == 4, "AvgPool2D: bad input shape \(x.shape)")
        let (n, h, w, c) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (oh, ow) = window(h, w).outputSize(height: h, width: w) ?? (0, 0)
        var y = Tensor(zeros: [n, oh, ow, c])
        x.data.withUnsafeBufferPointer { xp in
            y.data.withUnsafeMutableBufferPointer { yp in
                for b in 0..<n {
                    forEachWindow(h, w) { o, ya, yb, xa, xb, divisor in
                        let dst = (b * oh * ow + o) * c
                        for yy in ya..<yb {
                            for xx in xa..<xb {
                                let src = ((b * h + yy) * w + xx) * c
                                for ch in 0..<c { yp[dst + ch] += xp[src + ch] }
                            }
                        }
                        for ch in 0..<c { yp[dst + ch] /= divisor }
                    }
                }
            }
        }
        inputShape = x.shape
        return y
    }

    public mutating func backward(_ dy: Tensor, parameters: UnsafePointer<Float>,
                                  gradients: UnsafeMutablePointer<Float>, needInputGradient: Bool) -> Tensor? {
        guard needInputGradient else { return nil }
        let (n, h, w, c) = (inputShape[0], inputShape[1], inputShape[2], inputShape[3])
        let (oh, ow) = (dy.shape[1], dy.shape[2])
        var dx = Tensor(zeros: inputShape)
        dy.data.withUnsafeBufferPointer { dp in
            dx.data.withUnsafeMutableBufferPointer { xp in
                for b in 0..<n {
                    forEachWindow(h, w) { o, ya, yb, xa, xb, divisor in
                        let src = (b * oh * ow + o) * c
                        for yy in ya..<yb {
                            for xx in xa..<xb {
                                let dst = ((b * h + yy) * w + xx) * c
                                for ch in 0..<c { xp[dst + ch] += dp[src + ch] / divisor }
                            }
                        }
                    }
                }
            }
        }
        return dx
    }
}
