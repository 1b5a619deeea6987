import CIMCore
import CIMNetwork
import Testing

/// Finite-difference checks: every layer's backward pass against central differences of
/// L = Σ r ⊙ layer(x) with a fixed random r (so ∂L/∂y = r).
@Suite("Backward passes against finite differences")
struct GradientTests {
    static let cases: [(String, Architecture)] = [
        ("conv", Architecture(name: "conv", inputShape: [6, 5, 2],
                              layers: [.conv2d(inChannels: 2, outChannels: 3, kernel: 3), .flatten,
                                       .dense(inFeatures: 36, outFeatures: 2)])),
        ("dense+tanh", Architecture(name: "dense", inputShape: [7],
                                    layers: [.dense(inFeatures: 7, outFeatures: 5), .tanh, .dense(inFeatures: 5, outFeatures: 3)])),
        ("sigmoid", Architecture(name: "sig", inputShape: [4],
                                 layers: [.dense(inFeatures: 4, outFeatures: 6), .sigmoid, .dense(inFeatures: 6, outFeatures: 2)])),
        ("relu+pool", Architecture(name: "pool", inputShape: [8, 8, 1],
                                   layers: [.conv2d(inChannels: 1, outChannels: 2, kernel: 3), .relu, .maxPool(size: 2),
                                            .conv2d(inChannels: 2, outChannels: 2, kernel: 2), .flatten,
                                            .dense(inFeatures: 8, outFeatures: 3)])),
        ("lenet-wu2023", ModelPreset.lenetWu2023.architecture),
        // strided, asymmetrically padded, dilated, grouped and depthwise convolutions; leaky
        // ReLU, clip, average pooling with padding (cells outside not counted), global pooling
        ("general conv+pools", Architecture(name: "general", inputShape: [7, 6, 2], layers: [
            .convolution(spec: ConvolutionSpec(inChannels: 2, outChannels: 4, kernelHeight: 3, kernelWidth: 2, strideHeight: 2, strideWidth: 1,
                                         padding: [1, 0, 2, 1], dilationHeight: 1, dilationWidth: 2, groups: 2)),
            .leakyRelu(slope: 0.1),
            .convolution(spec: ConvolutionSpec(inChannels: 4, outChannels: 4, kernelHeight: 3, kernelWidth: 3, padding: [1, 1, 1, 1], groups: 4)),
            .clip(min: -0.3, max: 0.4),
            .avgPool(spec: PoolSpec(kernelHeight: 2, kernelWidth: 2, strideHeight: 2, strideWidth: 2, padding: [0, 0, 0, 1])),
            .globalAvgPool, .flatten, .dense(inFeatures: 4, outFeatures: 3)])),
        // an ungrouped strided convolution (through the WeightProduct hook), overlapping average
        // pooling counting the padding, flatten of a C > 1 map
        ("strided conv", Architecture(name: "strided", inputShape: [9, 8, 3], layers: [
            .convolution(spec: ConvolutionSpec(inChannels: 3, outChannels: 5, kernelHeight: 3, kernelWidth: 3, strideHeight: 2, strideWidth: 2,
                                         padding: [1, 1, 1, 1])),
            .relu,
            .avgPool(spec: PoolSpec(kernelHeight: 3, kernelWidth: 3, strideHeight: 1, strideWidth: 1, padding: [1, 1, 1, 1], countIncludePad: true)),
            .flatten, .dense(inFeatures: 5 * 5 * 4, outFeatures: 2)])),
        // a layer graph: an identity shortcut, a strided block with a 1×1 projection shortcut
        ("residual graph", Architecture(name: "res", inputShape: [6, 6, 2], layers: [
            .convolution(spec: ConvolutionSpec(inChannels: 2, outChannels: 3, kernelHeight: 3, kernelWidth: 3, padding: [1, 1, 1, 1])), .relu,
            .convolution(spec: ConvolutionSpec(inChannels: 3, outChannels: 3, kernelHeight: 3, kernelWidth: 3, padding: [1, 1, 1, 1])), .add, .relu,
            .convolution(spec: ConvolutionSpec(inChannels: 3, outChannels: 4, kernelHeight: 3, kernelWidth: 3, strideHeight: 2, strideWidth: 2,
                                               padding: [1, 1, 1, 1])),
            .convolution(spec: ConvolutionSpec(inChannels: 3, outChannels: 4, kernelHeight: 1, kernelWidth: 1, strideHeight: 2, strideWidth: 2)),
            .add, .globalAvgPool, .flatten, .dense(inFeatures: 4, outFeatures: 2),
        ], inputs: [[-1], [0], [1], [2, 1], [3], [4], [4], [5, 6], [7], [8], [9]])),
        // affine layers (random scales and shifts, see check): on the input (the first layer
        // with parameters), after a conv, after a residual add, on a flattened map
        ("affine", Architecture(name: "affine", inputShape: [5, 4, 3], layers: [
            .affine(channels: 3),
            .convolution(spec: ConvolutionSpec(inChannels: 3, outChannels: 2, kernelHeight: 3, kernelWidth: 3, padding: [1, 1, 1, 1])),
            .affine(channels: 2), .relu, .add, .affine(channels: 2), .flatten, .affine(channels: 40), .dense(inFeatures: 40, outFeatures: 3),
        ], inputs: [[-1], [0], [1], [2], [3, 1], [4], [5], [6], [7]])),
    ]

    @Test("the general convolution with default settings equals the valid conv2d exactly")
    func generalEqualsValid() throws {
        let plain = Architecture(name: "a", inputShape: [6, 6, 2], layers: [.conv2d(inChannels: 2, outChannels: 3, kernel: 3), .flatten,
                                                                              .dense(inFeatures: 48, outFeatures: 2)])
        var general = plain
        general.layers[0] = .convolution(spec: ConvolutionSpec(inChannels: 2, outChannels: 3, kernelHeight: 3, kernelWidth: 3))
        var a = try Network(architecture: plain, seed: 4), b = try Network(architecture: general, parameters: a.parameters)
        var rng = RandomGenerator(seed: 5)
        var x = Tensor(zeros: [3, 6, 6, 2])
        for i in 0..<x.count { x.data[i] = rng.uniform(-1, 1) }
        #expect(a.forward(x, training: false).data == b.forward(x, training: false).data)
    }

    @Test("digital inference through oneDNN equals im2col + GEMM to float32 rounding (strides, asymmetric padding, dilation, groups, depthwise)",
          arguments: [
            ConvolutionSpec(inChannels: 4, outChannels: 6, kernelHeight: 3, kernelWidth: 2, strideHeight: 2, strideWidth: 1,
                            padding: [1, 0, 2, 1], dilationHeight: 2, dilationWidth: 1, groups: 2),
            ConvolutionSpec(inChannels: 16, outChannels: 16, kernelHeight: 3, kernelWidth: 3, padding: [1, 1, 1, 1]),
            ConvolutionSpec(inChannels: 8, outChannels: 8, kernelHeight: 3, kernelWidth: 3, strideHeight: 2, strideWidth: 2,
                            padding: [1, 1, 1, 1], groups: 8),
            ConvolutionSpec(inChannels: 8, outChannels: 16, kernelHeight: 1, kernelWidth: 1, strideHeight: 2, strideWidth: 2),
          ])
    func dnnlEqualsIm2col(_ c: ConvolutionSpec) throws {
        let (h, w, n) = (9, 8, 5)
        let net = try Network(architecture: Architecture(name: "c", inputShape: [h, w, c.inChannels], layers: [.convolution(spec: c)]
                              + [.flatten, .dense(inFeatures: try #require(c.outputSize(height: h, width: w)).0
                                                  * c.outputSize(height: h, width: w)!.1 * c.outChannels, outFeatures: 2)]), seed: 3)
        var rng = RandomGenerator(seed: 8)
        var x = Tensor(zeros: [n, h, w, c.inChannels])
        for i in 0..<x.count { x.data[i] = rng.uniform(-1, 1) }
        var a = Convolution(spec: c), b = Convolution(spec: c)
        let viaDNNL = net.parameters.withUnsafeBufferPointer { a.forward(x, parameters: $0.baseAddress!, training: false) }
        let viaGEMM = net.parameters.withUnsafeBufferPointer { b.forward(x, parameters: $0.baseAddress!, training: true) }
        #expect(a.lastForwardUsedDNNL && !b.lastForwardUsedDNNL)
        #expect(viaDNNL.shape == viaGEMM.shape)
        let worst = zip(viaDNNL.data, viaGEMM.data).map { abs($0 - $1) / max(1, abs($1)) }.max() ?? 1
        #expect(worst < 1e-5, "max relative difference \(worst)")
    }

    /// An engine that is not ``DigitalProduct`` (so inference takes the chunked chip path) but
    /// computes digitally.
    struct PlainEngine: WeightProduct {
        var calls = 0
        mutating func accumulateProduct(layer: Int, weights: UnsafePointer<Float>, input: UnsafePointer<Float>, rows: Int,
                                        inFeatures: Int, outFeatures: Int, output: UnsafeMutablePointer<Float>) {
            calls += 1
            BLAS.sgemm(transB: true, m: rows, n: outFeatures, k: inFeatures, a: input, lda: inFeatures,
                       b: weights, ldb: inFeatures, beta: 1, c: output, ldc: outFeatures)
        }
    }

    @Test("inference on an engine works through the batch in cached chunks (row-range im2col, per-group products) and equals the full im2col pass",
          arguments: [ConvolutionSpec(inChannels: 1, outChannels: 4, kernelHeight: 3, kernelWidth: 3, padding: [1, 1, 1, 1]),
                      ConvolutionSpec(inChannels: 6, outChannels: 6, kernelHeight: 3, kernelWidth: 3, strideHeight: 2, strideWidth: 1,
                                      padding: [0, 1, 2, 1], dilationHeight: 2, dilationWidth: 1, groups: 3)])
    func chunkedInference(_ c: ConvolutionSpec) throws {
        let (h, w, n) = (64, 61, 3)   // 11,712 output rows for the first spec: two chunks of 7,281 (65,536 / 9)
        let (oh, ow) = try #require(c.outputSize(height: h, width: w))
        let net = try Network(architecture: Architecture(name: "c", inputShape: [h, w, c.inChannels], layers: [.convolution(spec: c)]
                              + [.flatten, .dense(inFeatures: oh * ow * c.outChannels, outFeatures: 2)]), seed: 5)
        var rng = RandomGenerator(seed: 9)
        var x = Tensor(zeros: [n, h, w, c.inChannels])
        for i in 0..<x.count { x.data[i] = rng.uniform(-1, 1) }
        var a = Convolution(spec: c), b = Convolution(spec: c)
        var engine = PlainEngine(), full = PlainEngine()
        let chunked = net.parameters.withUnsafeBufferPointer { a.forward(x, parameters: $0.baseAddress!, training: false, engine: &engine, layer: 0) }
        let whole = net.parameters.withUnsafeBufferPointer { b.forward(x, parameters: $0.baseAddress!, training: true, engine: &full, layer: 0) }
        #expect(chunked.shape == whole.shape)
        let rows = n * oh * ow, chunk = 65_536 / c.fanIn
        if c.groups == 1 {
            #expect(engine.calls == (rows + chunk - 1) / chunk && engine.calls >= 2, "\(engine.calls) chunks for \(rows) rows")
        }
        let worst = zip(chunked.data, whole.data).map { abs($0 - $1) / max(1, abs($1)) }.max() ?? 1
        #expect(worst < 1e-6, "max relative difference \(worst)")
    }

    @Test("a strided, padded, dilated, grouped convolution equals a direct loop over the definition")
    func convolutionOracle() throws {
        let c = ConvolutionSpec(inChannels: 4, outChannels: 6, kernelHeight: 3, kernelWidth: 2, strideHeight: 2, strideWidth: 1,
                                padding: [1, 0, 2, 1], dilationHeight: 2, dilationWidth: 1, groups: 2)
        let (h, w, n) = (7, 5, 2)
        let (oh, ow) = try #require(c.outputSize(height: h, width: w))
        let net = try Network(architecture: Architecture(name: "c", inputShape: [h, w, 4], layers: [.convolution(spec: c), .flatten,
                                                         .dense(inFeatures: oh * ow * 6, outFeatures: 2)]), seed: 9)
        var rng = RandomGenerator(seed: 6)
        var x = Tensor(zeros: [n, h, w, 4])
        for i in 0..<x.count { x.data[i] = rng.uniform(-1, 1) }
        var layer = Convolution(spec: c)
        let y = net.parameters.withUnsafeBufferPointer { layer.forward(x, parameters: $0.baseAddress!, training: false) }
        let p = net.parameters, cg = 2, ocg = 3
        for b in 0..<n { for i in 0..<oh { for j in 0..<ow { for o in 0..<6 {
            var sum = Double(p[6 * c.fanIn + o])
            let g = o / ocg
            for kh in 0..<3 { for kw in 0..<2 { for ci in 0..<cg {
                let yy = i * 2 - 1 + kh * 2, xx = j - 0 + kw
                guard yy >= 0, yy < h, xx >= 0, xx < w else { continue }
                let weight: Float = p[o * c.fanIn + (kh * 2 + kw) * cg + ci]
                let input: Float = x.data[((b * h + yy) * w + xx) * 4 + g * cg + ci]
                sum += Double(weight) * Double(input)
            } } }
            let got = y.data[((b * oh + i) * ow + j) * 6 + o]
            #expect(abs(Double(got) - sum) < 1e-5, "(\(b), \(i), \(j), \(o)): \(got) vs \(sum)")
        } } } }
    }

    /// Loss in Double of the network's logits against fixed weights r.
    func loss(_ net: inout Network, _ x: Tensor, _ r: [Float]) -> Double {
        let y = net.forward(x, training: false)
        return zip(y.data, r).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
    }

    @Test("parameter and input gradients match central differences", arguments: 0..<9)
    func check(caseIndex: Int) throws {
        let (name, arch) = Self.cases[caseIndex]
        var rng = RandomGenerator(seed: 11)
        var net = try Network(architecture: arch, seed: 2)
        // affine layers start as the identity; random signed scales and shifts test them properly
        for (i, layer) in arch.layers.enumerated() {
            guard case let .affine(c) = layer else { continue }
            for k in 0..<c {
                net.parameters[net.offsets[i] + k] = rng.uniform(0.5, 1.5) * (k % 2 == 0 ? 1 : -1)
                net.parameters[net.offsets[i] + c + k] = rng.uniform(-0.5, 0.5)
            }
        }
        let batch = 3
        var x = Tensor(zeros: [batch] + arch.inputShape)
        for i in 0..<x.count { x.data[i] = rng.uniform(-1, 1) }
        let outShape = net.forward(x, training: false).shape
        let r = (0..<outShape.reduce(1, *)).map { _ in rng.uniform(-1, 1) }
        _ = net.forward(x, training: true)
        net.backward(Tensor(shape: outShape, data: r))
        let analytic = net.gradients
        let eps: Float = 2e-3
        // Check up to 60 parameters spread over the vector.
        let stride = max(1, net.parameters.count / 60)
        var worst = 0.0
        for i in Swift.stride(from: 0, to: net.parameters.count, by: stride) {
            let saved = net.parameters[i]
            net.parameters[i] = saved + eps
            let lp = loss(&net, x, r)
            net.parameters[i] = saved - eps
            let lm = loss(&net, x, r)
            net.parameters[i] = saved
            let numeric = (lp - lm) / (2 * Double(eps))
            let err = abs(numeric - Double(analytic[i])) / max(1, abs(numeric))
            worst = max(worst, err)
            #expect(err < 2e-2, "\(name): parameter \(i): analytic \(analytic[i]), numeric \(numeric)")
        }
        #expect(worst < 2e-2)
    }

    @Test("softmax cross-entropy: loss by hand and gradient against finite differences")
    func softmaxCrossEntropy() {
        let logits = Tensor(shape: [2, 3], data: [1, 2, 3, 0.5, -1, 0])
        let labels: [Int32] = [2, 0]
        let r = SoftmaxCrossEntropy.evaluate(logits: logits, labels: labels)
        let l0 = log(exp(1.0) + exp(2.0) + exp(3.0)) - 3
        let l1 = log(exp(0.5) + exp(-1.0) + exp(0.0)) - 0.5
        #expect(abs(Double(r.loss) - (l0 + l1) / 2) < 1e-6)
        #expect(r.correct == 2)
        for i in 0..<6 {
            var p = logits, m = logits
            p.data[i] += 1e-3
            m.data[i] -= 1e-3
            let numeric = (Double(SoftmaxCrossEntropy.evaluate(logits: p, labels: labels).loss)
                - Double(SoftmaxCrossEntropy.evaluate(logits: m, labels: labels).loss)) / 2e-3
            #expect(abs(numeric - Double(r.gradient.data[i])) < 1e-3)
        }
    }
}

import Foundation

@Suite("Max pooling")
struct MaxPoolTests {
    @Test("the inference path (no argmax) gives exactly the training path's outputs, ties and negatives included")
    func inferenceEqualsTraining() {
        var rng = RandomGenerator(seed: 9)
        let shape = [3, 9, 8, 5]
        let data = (0..<shape.reduce(1, *)).map { _ in Float(rng.nextInt(below: 7)) - 3 }  // many ties
        let x = Tensor(shape: shape, data: data)
        var a = MaxPool2D(size: 2), b = MaxPool2D(size: 2)
        let none = [Float]()
        let (ya, yb) = none.withUnsafeBufferPointer { p in
            (a.forward(x, parameters: p.baseAddress ?? UnsafePointer(bitPattern: 8)!, training: true),
             b.forward(x, parameters: p.baseAddress ?? UnsafePointer(bitPattern: 8)!, training: false))
        }
        #expect(ya.shape == [3, 4, 4, 5])
        #expect(ya.data == yb.data)
    }
}
