import CCIMKernels
import CIMCore

/// The general 2-D convolution of ``ConvolutionSpec`` (stride, asymmetric zero padding,
/// dilation, groups) on NHWC tensors, as im2col + one GEMM per group.
///
/// Forward, group j: `Y[:, j] = col_j · W_jᵀ + b_j` with `col_j` `[N·OH·OW, KH·KW·C/g]`.
/// Backward: `dW_j = dY_jᵀ · col_j`, `db = Σ_rows dY`, `dcol_j = dY_j · W_j`, then col2im.
/// Every product goes through the ``WeightProduct`` engine (so a chip can compute it): an
/// ungrouped one as one matrix, a grouped one group by group.
/// Digital inference uses oneDNN's convolution instead (`Convolution+DNNL.swift`; the same
/// sums in another order: results agree to float32 rounding, tested).
public struct Convolution: Layer {
    public let spec: ConvolutionSpec
    private var col: [Float] = []
    private var dcol: [Float] = []
    private var inputShape: [Int] = []
    var dnnl = DNNLConvolution()
    /// Whether the last forward pass ran on oneDNN (digital inference) rather than im2col + GEMM.
    public private(set) var lastForwardUsedDNNL = false

    public init(spec: ConvolutionSpec) { self.spec = spec }

    func geometry(_ shape: [Int]) -> Im2Col.Geometry {
        let (oh, ow) = spec.outputSize(height: shape[1], width: shape[2]) ?? (0, 0)
        return Im2Col.Geometry(height: shape[1], width: shape[2], channels: shape[3], kernelHeight: spec.kernelHeight,
                               kernelWidth: spec.kernelWidth, strideHeight: spec.strideHeight, strideWidth: spec.strideWidth,
                               padTop: spec.padding[0], padLeft: spec.padding[1], dilationHeight: spec.dilationHeight,
                               dilationWidth: spec.dilationWidth, outHeight: oh, outWidth: ow)
    }

    public mutating func forward(_ x: Tensor, parameters: UnsafePointer<Float>, training: Bool) -> Tensor {
        var engine = DigitalProduct()
        return forward(x, parameters: parameters, training: training, engine: &engine, layer: 0)
    }

    public mutating func forward<E: WeightProduct>(_ x: Tensor, parameters: UnsafePointer<Float>, training: Bool,
                                                   engine: inout E, layer: Int) -> Tensor {
        precondition(x.shape.count == 4 && x.shape[3] == spec.inChannels, "Convolution: bad input shape \(x.shape)")
        // Digital inference: oneDNN's convolution (training keeps im2col, whose columns the
        // backward pass reuses; a chip engine needs the im2col rows as its input vectors).
        if !training, E.self == DigitalProduct.self, DNNLConvolution.enabled, let y = dnnlForward(x, parameters: parameters) {
            lastForwardUsedDNNL = true
            return y
        }
        lastForwardUsedDNNL = false
        if !training { return chunkedForward(x, parameters: parameters, engine: &engine, layer: layer) }
        let g = geometry(x.shape)
        let n = x.shape[0], groups = spec.groups, oc = spec.outChannels
        let m = n * g.outHeight * g.outWidth, kg = spec.fanIn, cg = spec.inChannels / groups
        if col.count != groups * m * kg { col = [Float](repeating: 0, count: groups * m * kg) }
        var y = Tensor(zeros: [n, g.outHeight, g.outWidth, oc])
        let bias = parameters + oc * kg
        x.data.withUnsafeBufferPointer { xp in
            col.withUnsafeMutableBufferPointer { cp in
                y.data.withUnsafeMutableBufferPointer { yp in
                    let out = yp.baseAddress!
                    cim_broadcast_rows(out, m, oc, bias)
                    for j in 0..<groups {
                        let cj = cp.baseAddress! + j * m * kg
                        Im2Col.im2col(xp.baseAddress!, batch: n, geometry: g, firstChannel: j * cg, groupChannels: cg, col: cj)
                        Self.product(spec, group: j, rows: m, col: cj, parameters: parameters, output: out, engine: &engine, layer: layer)
                    }
                }
            }
        }
        inputShape = x.shape
        return y
    }

    /// `output[r, group's channels] += col · W_groupᵀ` for `rows` im2col rows of group `j`,
    /// through the engine (one matrix when ungrouped).
    private static func product<E: WeightProduct>(_ spec: ConvolutionSpec, group j: Int, rows: Int, col: UnsafePointer<Float>,
                                                  parameters: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, engine: inout E, layer: Int) {
        let oc = spec.outChannels, kg = spec.fanIn
        if spec.groups == 1 {
            engine.accumulateProduct(layer: layer, weights: parameters, input: col, rows: rows, inFeatures: kg, outFeatures: oc, output: output)
        } else {
            let ocg = oc / spec.groups
            engine.accumulateGroupProduct(layer: layer, group: j, weights: parameters + j * ocg * kg, input: col, rows: rows,
                                          inFeatures: kg, outFeatures: ocg, output: output + j * ocg, outputStride: oc)
        }
    }

    /// Inference on an engine (a simulated chip): im2col and the product in chunks of output
    /// rows whose im2col block (about 256 kB) stays in cache through the DAC, the array products
    /// and the ADC, instead of one batch-sized im2col matrix streamed from memory several times.
    /// Each chunk's product is one engine call, so a chip draws its read noise chunk by chunk.
    mutating func chunkedForward<E: WeightProduct>(_ x: Tensor, parameters: UnsafePointer<Float>, engine: inout E, layer: Int) -> Tensor {
        let g = geometry(x.shape)
        let n = x.shape[0], groups = spec.groups, oc = spec.outChannels
        let m = n * g.outHeight * g.outWidth, kg = spec.fanIn, cg = spec.inChannels / groups
        let chunk = Swift.max(16, Swift.min(m, 65_536 / Swift.max(kg, 1)))
        if col.count < chunk * kg { col = [Float](repeating: 0, count: chunk * kg) }
        var y = Tensor(zeros: [n, g.outHeight, g.outWidth, oc])
        let bias = parameters + oc * kg
        x.data.withUnsafeBufferPointer { xp in
            col.withUnsafeMutableBufferPointer { cp in
                y.data.withUnsafeMutableBufferPointer { yp in
                    for r0 in stride(from: 0, to: m, by: chunk) {
                        let rows = Swift.min(chunk, m - r0)
                        let out = yp.baseAddress! + r0 * oc
                        for r in 0..<rows { for o in 0..<oc { out[r * oc + o] = bias[o] } }
                        for j in 0..<groups {
                            Im2Col.im2col(xp.baseAddress!, geometry: g, firstChannel: j * cg, groupChannels: cg, rows: r0..<(r0 + rows),
                                          col: cp.baseAddress!)
                            Self.product(spec, group: j, rows: rows, col: cp.baseAddress!, parameters: parameters, output: out, engine: &engine, layer: layer)
                        }
                    }
                }
            }
        }
        inputShape = x.shape
        return y
    }

    public mutating func backward(_ dy: Tensor, parameters: UnsafePointer<Float>,
                                  gradients: UnsafeMutablePointer<Float>, needInputGradient: Bool) -> Tensor? {
        let g = geometry(inputShape)
        let n = inputShape[0], groups = spec.groups, oc = spec.outChannels
        let m = n * g.outHeight * g.outWidth, kg = spec.fanIn, ocg = oc / groups, cg = spec.inChannels / groups
        precondition(groups * m * kg == col.count && dy.count == m * oc, "Convolution.backward without a matching forward pass")
        dy.data.withUnsafeBufferPointer { dyp in
            col.withUnsafeBufferPointer { cp in
                for j in 0..<groups {
                    BLAS.sgemm(transA: true, m: ocg, n: kg, k: m, a: dyp.baseAddress! + j * ocg, lda: oc,
                               b: cp.baseAddress! + j * m * kg, ldb: kg, c: gradients + j * ocg * kg, ldc: kg)
                }
            }
            columnSums(dyp.baseAddress!, rows: m, cols: oc, into: gradients + oc * kg)
        }
        guard needInputGradient else { return nil }
        var dx = Tensor(zeros: inputShape)
        if dcol.count != m * kg { dcol = [Float](repeating: 0, count: m * kg) }
        dy.data.withUnsafeBufferPointer { dyp in
            dcol.withUnsafeMutableBufferPointer { cp in
                dx.data.withUnsafeMutableBufferPointer { dxp in
                    for j in 0..<groups {
                        BLAS.sgemm(m: m, n: kg, k: ocg, a: dyp.baseAddress! + j * ocg, lda: oc, b: parameters + j * ocg * kg, ldb: kg,
                                   c: cp.baseAddress!, ldc: kg)
                        Im2Col.col2im(cp.baseAddress!, batch: n, geometry: g, firstChannel: j * cg, groupChannels: cg, dx: dxp.baseAddress!)
                    }
                }
            }
        }
        return dx
    }
}
