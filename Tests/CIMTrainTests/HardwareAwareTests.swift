import CIMCore
import CIMCrossbar
import CIMData
import CIMDevice
import CIMNetwork
import CIMTrain
import Foundation
import Testing

/// Hardware-aware training (`--rule hardware-aware`): the forward pass on a fresh realisation of
/// the target chip every batch, straight-through gradients.
@Suite("Hardware-aware training", .serialized)
struct HardwareAwareTests {
    func config(_ hw: HardwareAwareConfig, model: Architecture? = nil, epochs: Int = 1, batches: Int = 3) -> TrainingConfig {
        var c = TrainingConfig()
        if let model {
            c.model = model.name
            c.customArchitecture = model
        }
        c.trainLimit = 512
        c.testLimit = 100
        c.batchesPerEpoch = batches
        c.epochs = epochs
        c.hardwareAware = hw
        return c
    }

    /// wu2023-inference with the device made continuous and noiseless, and an ideal periphery.
    static func idealChip() -> HardwareAwareConfig {
        var spec = ChipPreset.wu2023Inference.spec
        spec.device.levels = 0
        spec.device.programmingSigmaMicroSiemens = 0
        spec.device.readSigmaMicroSiemens = 0
        var c = HardwareAwareConfig(periphery: false)
        c.chip = "ideal-test"
        c.customChip = spec
        return c
    }

    /// The first `n` training images and labels.
    func batch(_ data: DatasetSplits, _ n: Int = 16) -> (Tensor, [Int32]) {
        data.train.batch(indices: Array(0..<n)[...])
    }

    /// Loss and gradients of the plain digital network with `parameters`.
    static func digitalGradients(_ net: Network, parameters: [Float], x: Tensor, y: [Int32]) throws -> (logits: Tensor, loss: Float, gradients: [Float]) {
        var n = net
        try n.setParameters(parameters)
        let logits = n.forward(x, training: true)
        let e = SoftmaxCrossEntropy.evaluate(logits: logits, labels: y)
        n.backward(e.gradient)
        return (logits, e.loss, n.gradients)
    }

    static func worst(_ a: [Float], _ b: [Float]) -> (error: Float, scale: Float) {
        (zip(a, b).map { abs($0 - $1) }.max() ?? 0, a.map { abs($0) }.max() ?? 0)
    }

    @Test("oracle: on an ideal chip (continuous device, no noise, ideal periphery) the forward pass and the gradients equal the digital ones (lenet-wu2023 and a grouped/depthwise CNN)",
          arguments: [false, true])
    func idealEqualsDigital(grouped: Bool) throws {
        let c = config(Self.idealChip(), model: grouped ? GroupedOnChipTests.separable : nil)
        var t = try Trainer(config: c, data: try limitedData(c))
        let (x, y) = batch(t.data)
        let w = t.network.parameters
        let digital = try Self.digitalGradients(t.network, parameters: w, x: x, y: y)
        var realised = try t.hardwareAware!.realise(parameters: w, step: 0)
        let e = Self.worst(realised.parameters, w)
        #expect(e.error <= 1e-6 * e.scale, "realised weights differ from W by \(e.error)")
        var net = t.network
        let chipLogits = net.forward(x, training: false, engine: &realised.engine)
        let f = Self.worst(digital.logits.data, chipLogits.data)
        #expect(f.error <= 1e-4 * f.scale, "max |logit difference| \(f.error) (|logit| ≤ \(f.scale))")
        let r = t.hardwareAwareGradients(x: x, y: y)
        #expect(abs(r.loss - digital.loss) <= 1e-4 * max(1, digital.loss))
        let g = Self.worst(digital.gradients, t.network.gradients)
        #expect(g.error <= 1e-3 * g.scale, "max |gradient difference| \(g.error) (|g| ≤ \(g.scale))")
        #expect(t.network.parameters == w, "the parameters are W again after the batch")
    }

    @Test("STE oracle: the weight gradient is the digital gradient at the realised weights W̃ (checked against central finite differences at W̃), not at W")
    func straightThrough() throws {
        var hw = HardwareAwareConfig(periphery: false)  // wu2023-inference: 16 levels, σ_prog = 0.5 Δ
        var spec = ChipPreset.wu2023Inference.spec
        spec.device.readSigmaMicroSiemens = 0  // the forward is then exactly the digital one at W̃
        hw.chip = "no-read-noise"
        hw.customChip = spec
        let c = config(hw)
        var t = try Trainer(config: c, data: try limitedData(c))
        let (x, y) = batch(t.data)
        let w = t.network.parameters
        let tilde = try t.hardwareAware!.realise(parameters: w, step: t.optimizer.step).parameters
        _ = t.hardwareAwareGradients(x: x, y: y)
        let ste = t.network.gradients
        let atTilde = try Self.digitalGradients(t.network, parameters: tilde, x: x, y: y).gradients
        let atW = try Self.digitalGradients(t.network, parameters: w, x: x, y: y).gradients
        let e = Self.worst(atTilde, ste)
        #expect(e.error <= 1e-4 * e.scale, "STE gradient differs from the digital gradient at W̃ by \(e.error)")
        let d = Self.worst(atW, ste)
        #expect(d.error > 1e-2 * d.scale, "the realisation should move the gradient away from the one at W")
        // finite differences of the loss at W̃ for the largest gradients of the dense layer (Double-free: ε = 1e-2 on f32 loss)
        let dense = t.network.offsets[7]
        let top = (dense..<(dense + 1280)).sorted { abs(ste[$0]) > abs(ste[$1]) }.prefix(5)
        for k in top {
            var p = tilde, m = tilde
            let eps: Float = 1e-2
            p[k] += eps; m[k] -= eps
            let lp = try Self.digitalGradients(t.network, parameters: p, x: x, y: y).loss
            let lm = try Self.digitalGradients(t.network, parameters: m, x: x, y: y).loss
            let fd = (lp - lm) / (2 * eps)
            #expect(abs(fd - ste[k]) <= 0.05 * abs(ste[k]) + 1e-4, "weight \(k): finite difference \(fd), STE gradient \(ste[k])")
        }
    }

    @Test("noise is drawn afresh for every batch, the same for the same (seed, step), and a run is bit-identical for a seed")
    func freshAndReproducible() throws {
        let c = config(HardwareAwareConfig(), batches: 4)
        let data = try limitedData(c)
        let t = try Trainer(config: c, data: data)
        let hw = t.hardwareAware!
        let w = t.network.parameters
        let a0 = try hw.realise(parameters: w, step: 0).parameters, a1 = try hw.realise(parameters: w, step: 1).parameters
        let again = try hw.realise(parameters: w, step: 0).parameters
        #expect(a0 == again)
        let changed = zip(a0, a1).filter { $0 != $1 }.count
        #expect(changed > w.count / 4, "only \(changed) weights differ between two batches' chips")
        var r1 = try Trainer(config: c, data: data), r2 = try Trainer(config: c, data: data)
        r1.run(); r2.run()
        #expect(r1.network.parameters == r2.network.parameters)
        #expect(r1.epochs.map(\.trainLoss) == r2.epochs.map(\.trainLoss))
        let seed2 = try HardwareAwareChip(config: c.hardwareAware!, architecture: t.network.architecture, seed: 2)
        #expect(try seed2.realise(parameters: w, step: 0).parameters != a0, "another seed draws another chip")
    }

    @Test("oracle: the programming error's σ is the device's σ × the noise scale (continuous device, one write, no read noise: G − target has σ = K·σ_prog)",
          arguments: [0.5, 1.0, 2.0])
    func noiseScale(_ k: Double) throws {
        var spec = ChipPreset.wu2023Inference.spec
        spec.device.levels = 0
        spec.device.maxWriteTrials = 1
        spec.device.readSigmaMicroSiemens = 0
        var hw = HardwareAwareConfig(noiseScale: k, periphery: false)
        hw.chip = "continuous"
        hw.customChip = spec
        let arch = Architecture(name: "fc", inputShape: [200], layers: [.dense(inFeatures: 200, outFeatures: 100)])
        let chip = try HardwareAwareChip(config: hw, architecture: arch, seed: 7)
        // every weight 0.5·max: targets G⁺ = gMin + 30 µS, G⁻ = gMin; W̃/scale = G⁺ − G⁻
        var w = [Float](repeating: 0.25, count: 20_000 + 100)
        w[0] = 0.5
        let r = try chip.realise(parameters: w, step: 3)
        let scale = 0.5 / 60.0
        let diffs = r.parameters[1..<20_000].map { Double($0) / scale - 30 }
        let mean = diffs.reduce(0, +) / Double(diffs.count)
        let sd = (diffs.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(diffs.count - 1)).squareRoot()
        let expected = k * 2.0 * 2.0.squareRoot()  // two devices, each σ = K · 2 µS
        #expect(abs(sd - expected) <= 0.03 * expected, "σ(G⁺ − G⁻) = \(sd) µS, expected \(expected)")
        #expect(abs(mean) <= 4 * expected / Double(diffs.count).squareRoot())
    }

    @Test("oracle: --hw-drift-time reads the devices after drifting: with one ν, no spread and no programming error every realised weight is W̃₀ · (t/t₀)^(−ν)")
    func drift() throws {
        var spec = ChipPreset.wu2023Inference.spec
        spec.device.driftNu = 0.05
        var hw = HardwareAwareConfig(noiseScale: 0, periphery: false)
        hw.chip = "drifting"
        hw.customChip = spec
        let arch = Architecture(name: "fc", inputShape: [20], layers: [.dense(inFeatures: 20, outFeatures: 10)])
        let w = try Network(architecture: arch, seed: 4).parameters  // 200 weights, then 10 biases
        let now = try HardwareAwareChip(config: hw, architecture: arch, seed: 1).realise(parameters: w, step: 0).parameters
        hw.driftSeconds = 3600
        let later = try HardwareAwareChip(config: hw, architecture: arch, seed: 1).realise(parameters: w, step: 0).parameters
        let factor = Float(Foundation.pow(3600.0, -0.05))
        let e = Self.worst(now.prefix(200).map { $0 * factor }, Array(later.prefix(200)))
        #expect(e.error <= 1e-5 * e.scale, "max deviation from W̃₀·(t/t₀)^(−ν): \(e.error)")
        #expect(e.scale > 0 && later.prefix(200) != now.prefix(200) && later.suffix(10) == now.suffix(10), "weights drift, biases do not")
    }

    @Test("a run resumed from its checkpoint ends bit-identical to an uninterrupted one")
    func resume() throws {
        let c = config(HardwareAwareConfig(), epochs: 2, batches: 2)
        let data = try limitedData(c)
        var whole = try Trainer(config: c, data: data)
        whole.run()
        var first = try Trainer(config: c, data: data)
        _ = first.runEpoch(1)
        let archive = try TensorArchive.decode(try first.checkpoint().encode(), path: "checkpoint")
        var resumed = try Trainer(resuming: archive, data: data, path: "checkpoint")
        resumed.run()
        #expect(resumed.network.parameters == whole.network.parameters)
    }

    @Test("configuration errors name the field: negative or NaN noise scale, non-positive drift time, combined with an on-chip rule")
    func validation() throws {
        func message(_ body: () throws -> Void) -> String {
            do { try body() } catch { return "\(error)" }
            return ""
        }
        #expect(message { try HardwareAwareConfig(noiseScale: -1).validate() }.contains("hardwareAware.noiseScale"))
        #expect(message { try HardwareAwareConfig(noiseScale: .nan).validate() }.contains("hardwareAware.noiseScale"))
        #expect(message { try HardwareAwareConfig(driftSeconds: .nan).validate() }.contains("hardwareAware.driftSeconds"))
        #expect(message { try HardwareAwareConfig(driftSeconds: 0).validate() }.contains("hardwareAware.driftSeconds"))
        var c = config(HardwareAwareConfig())
        c.onChip = OnChipConfig()
        #expect(message { try c.validate() }.contains("hardwareAware"))
        let decoded = try JSONDecoder().decode(HardwareAwareConfig.self, from: Data("{}".utf8))
        #expect(decoded == HardwareAwareConfig())
    }
}
