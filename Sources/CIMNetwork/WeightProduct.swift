import CIMCore

/// Who computes a weighted layer's vector-matrix product: the digital weights (BLAS) or a
/// simulated chip. This is the hook that lets the same network run on a crossbar.
public protocol WeightProduct {
    /// `output[r, o] += Σ_i input[r, i] · W[o, i]` for `rows` rows of a weighted layer.
    ///
    /// - Parameters:
    ///   - layer: index of the layer in the architecture.
    ///   - weights: the network's digital weights of that layer, `[outFeatures, inFeatures]`
    ///     (an engine that holds its own weights, like a chip, ignores them).
    ///   - output: `[rows, outFeatures]`, already holding the bias.
    mutating func accumulateProduct(layer: Int, weights: UnsafePointer<Float>, input: UnsafePointer<Float>, rows: Int,
                                    inFeatures: Int, outFeatures: Int, output: UnsafeMutablePointer<Float>)

    /// The product of group `group` of a grouped convolution:
    /// `output[r·outputStride + o] += Σ_i input[r, i] · W_g[o, i]`, `o < outFeatures` (the
    /// group's output channels), `W_g` = `weights` (the group's rows of the layer's
    /// `[outChannels, fanIn]` matrix). The default computes it digitally; a chip that maps the
    /// layer's groups computes it on their crossbars.
    mutating func accumulateGroupProduct(layer: Int, group: Int, weights: UnsafePointer<Float>, input: UnsafePointer<Float>, rows: Int,
                                         inFeatures: Int, outFeatures: Int, output: UnsafeMutablePointer<Float>, outputStride: Int)
}

extension WeightProduct {
    public mutating func accumulateGroupProduct(layer: Int, group: Int, weights: UnsafePointer<Float>, input: UnsafePointer<Float>, rows: Int,
                                                inFeatures: Int, outFeatures: Int, output: UnsafeMutablePointer<Float>, outputStride: Int) {
        DigitalProduct.accumulate(weights: weights, input: input, rows: rows, inFeatures: inFeatures, outFeatures: outFeatures,
                                  output: output, outputStride: outputStride)
    }
}

/// The digital product with the network's own FP32 weights (one GEMM).
public struct DigitalProduct: WeightProduct {
    public init() {}

    public mutating func accumulateProduct(layer: Int, weights: UnsafePointer<Float>, input: UnsafePointer<Float>, rows: Int,
                                           inFeatures: Int, outFeatures: Int, output: UnsafeMutablePointer<Float>) {
        Self.accumulate(weights: weights, input: input, rows: rows, inFeatures: inFeatures, outFeatures: outFeatures,
                        output: output, outputStride: outFeatures)
    }

    /// `output[r·outputStride + o] += Σ_i input[r, i] · weights[o, i]` (one GEMM).
    public static func accumulate(weights: UnsafePointer<Float>, input: UnsafePointer<Float>, rows: Int, inFeatures: Int,
                                  outFeatures: Int, output: UnsafeMutablePointer<Float>, outputStride: Int) {
        BLAS.sgemm(transB: true, m: rows, n: outFeatures, k: inFeatures, a: input, lda: inFeatures,
                   b: weights, ldb: inFeatures, beta: 1, c: output, ldc: outputStride)
    }
}
