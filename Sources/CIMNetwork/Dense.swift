import CCIMKernels
import CIMCore

/// Fully connected layer: `Y[N, out] = X[N, in] · Wᵀ + b`, W stored `[out, in]`.
public struct Dense: Layer {
    public let inFeatures: Int
    public let outFeatures: Int
    private var input: Tensor = Tensor(zeros: [0])

    public init(inFeatures: Int, outFeatures: Int) {
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
    }

    public mutating func forward(_ x: Tensor, parameters: UnsafePointer<Float>, training: Bool) -> Tensor {
        var engine = DigitalProduct()
        return forward(x, parameters: parameters, training: training, engine: &engine, layer: 0)
    }

    public mutating func forward<E: WeightProduct>(_ x: Tensor, parameters: UnsafePointer<Float>, training: Bool,
                                                   engine: inout E, layer: Int) -> Tensor {
        precondition(x.shape.count == 2 && x.shape[1] == inFeatures, "Dense: bad input shape \(x.shape)")
        let n = x.shape[0]
        let bias = parameters + outFeatures * inFeatures
        var y = Tensor(shape: [n, outFeatures], data: [Float](unsafeUninitializedCapacity: n * outFeatures) { buffer, count in
            if let b = buffer.baseAddress { cim_broadcast_rows(b, n, outFeatures, bias) }  // every element written: no zero-fill
            count = n * outFeatures
        })
        y.data.withUnsafeMutableBufferPointer { yp in
            let out = yp.baseAddress!
            x.data.withUnsafeBufferPointer { xp in
                engine.accumulateProduct(layer: layer, weights: parameters, input: xp.baseAddress!, rows: n,
                                         inFeatures: inFeatures, outFeatures: outFeatures, output: out)
            }
        }
        if training { input = x }
        return y
    }

    public mutating func backward(_ dy: Tensor, parameters: UnsafePointer<Float>,
                                  gradients: UnsafeMutablePointer<Float>, needInputGradient: Bool) -> Tensor? {
        let n = dy.shape[0]
        precondition(input.shape == [n, inFeatures], "Dense.backward without a matching forward pass")
        dy.data.withUnsafeBufferPointer { dyp in
            input.data.withUnsafeBufferPointer { xp in
                BLAS.sgemm(transA: true, m: outFeatures, n: inFeatures, k: n, a: dyp.baseAddress!, lda: outFeatures,
                           b: xp.baseAddress!, ldb: inFeatures, c: gradients, ldc: inFeatures)
            }
            columnSums(dyp.baseAddress!, rows: n, cols: outFeatures, into: gradients + outFeatures * inFeatures)
        }
        guard needInputGradient else { return nil }
        var dx = Tensor(zeros: [n, inFeatures])
        dy.data.withUnsafeBufferPointer { dyp in
            dx.data.withUnsafeMutableBufferPointer { dxp in
                BLAS.sgemm(m: n, n: inFeatures, k: outFeatures, a: dyp.baseAddress!, lda: outFeatures,
                           b: parameters, ldb: inFeatures, c: dxp.baseAddress!, ldc: inFeatures)
            }
        }
        return dx
    }
}
