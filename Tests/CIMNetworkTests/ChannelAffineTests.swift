import CIMCore
import CIMNetwork
import Testing

/// The digital per-channel affine layer (a BatchNormalization kept as a layer).
@Suite("Affine layer")
struct ChannelAffineTests {
    @Test("forward is x·scale[c] + shift[c] over the last axis, in float32, on images and on vectors")
    func forwardOracle() throws {
        let a = Architecture(name: "a", inputShape: [1, 2, 3], layers: [.affine(channels: 3), .flatten, .dense(inFeatures: 6, outFeatures: 2)])
        let scale: [Float] = [2, -0.5, 0.1], shift: [Float] = [1, 0.25, -3]
        var net = try Network(architecture: a, parameters: scale + shift + [Float](repeating: 0, count: 14))
        var layer = ChannelAffine(channels: 3)
        let x = Tensor(shape: [2, 1, 2, 3], data: (0..<12).map { Float($0) * 0.3 - 1.7 })
        let y = (scale + shift).withUnsafeBufferPointer { layer.forward(x, parameters: $0.baseAddress!, training: false) }
        #expect(y.shape == x.shape)
        for i in 0..<12 { #expect(y.data[i] == x.data[i] * scale[i % 3] + shift[i % 3], "element \(i)") }
        #expect(net.forward(x, training: false).shape == [2, 2])
        var vector = ChannelAffine(channels: 3)
        let v = Tensor(shape: [1, 3], data: [1, 1, 1])
        let w = (scale + shift).withUnsafeBufferPointer { vector.forward(v, parameters: $0.baseAddress!, training: false) }
        #expect(w.data == [3, -0.25, -2.9])
    }

    @Test("input and parameter gradients of the layer alone match central differences")
    func gradients() throws {
        var rng = RandomGenerator(seed: 3)
        let c = 4
        let params = (0..<c).map { k in rng.uniform(0.5, 2) * (k % 2 == 0 ? 1 : -1) } + (0..<c).map { _ in rng.uniform(-1, 1) }
        let x = Tensor(shape: [2, 3, 2, c], data: (0..<(2 * 3 * 2 * c)).map { _ in rng.uniform(-1, 1) })
        let r = (0..<x.count).map { _ in rng.uniform(-1, 1) }
        func loss(_ x: Tensor, _ p: [Float]) -> Double {
            var l = ChannelAffine(channels: c)
            let y = p.withUnsafeBufferPointer { l.forward(x, parameters: $0.baseAddress!, training: false) }
            return zip(y.data, r).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        }
        var layer = ChannelAffine(channels: c)
        var g = [Float](repeating: .nan, count: 2 * c)
        let dx = params.withUnsafeBufferPointer { p in
            _ = layer.forward(x, parameters: p.baseAddress!, training: true)
            return g.withUnsafeMutableBufferPointer { gp in
                layer.backward(Tensor(shape: x.shape, data: r), parameters: p.baseAddress!, gradients: gp.baseAddress!, needInputGradient: true)
            }
        }
        let eps: Float = 1e-2  // the loss is linear in every variable: central differences are exact up to rounding
        for k in 0..<(2 * c) {
            var p = params, m = params
            p[k] += eps; m[k] -= eps
            let numeric = (loss(x, p) - loss(x, m)) / Double(2 * eps)
            #expect(abs(numeric - Double(g[k])) < 1e-3 * max(1, abs(numeric)), "parameter \(k): \(g[k]) vs \(numeric)")
        }
        let dxData = try #require(dx).data
        for i in stride(from: 0, to: x.count, by: 5) {
            var p = x, m = x
            p.data[i] += eps; m.data[i] -= eps
            let numeric = (loss(p, params) - loss(m, params)) / Double(2 * eps)
            #expect(abs(numeric - Double(dxData[i])) < 1e-3 * max(1, abs(numeric)), "input \(i): \(dxData[i]) vs \(numeric)")
        }
    }

    @Test("a fresh network starts affine layers at scale 1, shift 0 without moving other layers' initialisation; channels must match")
    func initialisationAndShapes() throws {
        let plain = Architecture(name: "p", inputShape: [4, 4, 2], layers: [.conv2d(inChannels: 2, outChannels: 3, kernel: 3), .flatten,
                                                                            .dense(inFeatures: 12, outFeatures: 2)])
        var withAffine = plain
        withAffine.layers.insert(.affine(channels: 2), at: 0)
        withAffine.layers.insert(.affine(channels: 3), at: 2)
        let a = try Network(architecture: plain, seed: 7), b = try Network(architecture: withAffine, seed: 7)
        let first: [Float] = [1, 1, 0, 0], second: [Float] = [1, 1, 1, 0, 0, 0]
        let expected: [Float] = first + Array(a.parameters[0..<57]) + second + Array(a.parameters[57...])
        #expect(b.parameters == expected)
        #expect(withAffine.weightCount == plain.weightCount && withAffine.parameterCount == plain.parameterCount + 10)
        #expect(!LayerSpec.affine(channels: 2).hasWeights && LayerSpec.affine(channels: 2).hasParameters)
        let bad = Architecture(name: "bad", inputShape: [4, 4, 2], layers: [.affine(channels: 3), .flatten, .dense(inFeatures: 32, outFeatures: 2)])
        #expect { try bad.validate() } throws: { e in "\(e)".contains("bad.layers[0]") && "\(e)".contains("3 channels last") }
    }
}
