import CCIMKernels
import CIMCore

/// Valid 2-D convolution (stride 1, no padding) on NHWC tensors, computed as im2col + GEMM.
///
/// Forward: `Y[M, OC] = col[M, K] · Wᵀ + b` with M = N·OH·OW and K = KH·KW·C; Y is already
/// NHWC. Backward: `dW = dYᵀ · col`, `db = Σ_rows dY`, `dcol = dY · W`, then col2im.
public struct Conv2D: Layer {
    public let inChannels: Int
    public let outChannels: Int
    public let kernel: Int
    private var col: [Float] = []
    private var dcol: [Float] = []
    private var inputShape: [Int] = []

    public init(inChannels: Int, outChannels: Int, kernel: Int) {
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.kernel = kernel
    }

    /// Columns of the weight matrix: KH·KW·C.
    public var fanIn: Int { kernel * kernel * inChannels }

    public mutating func forward(_ x: Tensor, parameters: UnsafePointer<Float>, training: Bool) -> Tensor {
        var engine = DigitalProduct()
        return forward(x, parameters: parameters, training: training, engine: &engine, layer: 0)
    }

    public mutating func forward<E: WeightProduct>(_ x: Tensor, parameters: UnsafePointer<Float>, training: Bool,
                                                   engine: inout E, layer: Int) -> Tensor {
        precondition(x.shape.count == 4 && x.shape[3] == inChannels, "Conv2D: bad input shape \(x.shape)")
        let (n, h, w) = (x.shape[0], x.shape[1], x.shape[2])
        let (oh, ow) = Im2Col.outputSize(height: h, width: w, kernel: kernel)
        let m = n * oh * ow
        let k = fanIn
        if col.count != m * k { col = [Float](repeating: 0, count: m * k) }
        x.data.withUnsafeBufferPointer { xp in
            col.withUnsafeMutableBufferPointer { cp in
                cim_im2col_valid(xp.baseAddress!, n, h, w, inChannels, kernel, cp.baseAddress!)
            }
        }
        let bias = parameters + outChannels * k
        var y = Tensor(shape: [n, oh, ow, outChannels], data: [Float](unsafeUninitializedCapacity: m * outChannels) { buffer, count in
            if let b = buffer.baseAddress { cim_broadcast_rows(b, m, outChannels, bias) }  // every element written: no zero-fill
            count = m * outChannels
        })
        y.data.withUnsafeMutableBufferPointer { yp in
            col.withUnsafeBufferPointer { cp in
                engine.accumulateProduct(layer: layer, weights: parameters, input: cp.baseAddress!, rows: m,
                                         inFeatures: k, outFeatures: outChannels, output: yp.baseAddress!)
            }
        }
        inputShape = x.shape
        return y
    }

    public mutating func backward(_ dy: Tensor, parameters: UnsafePointer<Float>,
                                  gradients: UnsafeMutablePointer<Float>, needInputGradient: Bool) -> Tensor? {
        let (n, h, w) = (inputShape[0], inputShape[1], inputShape[2])
        let m = dy.count / outChannels
        let k = fanIn
        precondition(m * k == col.count, "Conv2D.backward without a matching forward pass")
        dy.data.withUnsafeBufferPointer { dyp in
            col.withUnsafeBufferPointer { cp in
                BLAS.sgemm(transA: true, m: outChannels, n: k, k: m, a: dyp.baseAddress!, lda: outChannels,
                           b: cp.baseAddress!, ldb: k, c: gradients, ldc: k)
            }
            columnSums(dyp.baseAddress!, rows: m, cols: outChannels, into: gradients + outChannels * k)
        }
        guard needInputGradient else { return nil }
        var dx = Tensor(zeros: inputShape)
        if dcol.count != m * k { dcol = [Float](repeating: 0, count: m * k) }
        dy.data.withUnsafeBufferPointer { dyp in
            dcol.withUnsafeMutableBufferPointer { cp in
                BLAS.sgemm(m: m, n: k, k: outChannels, a: dyp.baseAddress!, lda: outChannels,
                           b: parameters, ldb: k, c: cp.baseAddress!, ldc: k)
                dx.data.withUnsafeMutableBufferPointer { dxp in
                    Im2Col.col2im(cp.baseAddress!, batch: n, height: h, width: w, channels: inChannels,
                                  kernel: kernel, dx: dxp.baseAddress!)
                }
            }
        }
        return dx
    }
}

/// `out[j] = Σ_i a[i, j]` for a row-major `rows × cols` matrix (rows added in order).
@inlinable
func columnSums(_ a: UnsafePointer<Float>, rows: Int, cols: Int, into out: UnsafeMutablePointer<Float>) {
    cim_column_sums(a, rows, cols, out)
}
