import CIMCore
import CIMCrossbar
import CIMData
import CIMEvaluate
import CIMMap
import CIMNetwork
import CIMTrain
import Foundation
import Testing

@Suite("Drift compensation")
struct DriftCompensationTests {
    /// lenet-wu2023 (random weights) on the ideal chip (noiseless device, no DAC or ADC), with a
    /// uniform drift ν = 0.1.
    static func image() throws -> ChipImage {
        let net = try Network(architecture: ModelPreset.lenetWu2023.architecture, seed: 1)
        var img = try Mapper(config: MappingConfig(spec: ChipPreset.ideal.spec)).map(TrainedModel(network: net), calibration: nil, creator: "test")
        img.spec.device.driftNu = 0.1
        return img
    }

    /// Every weighted layer's product of a fixed random input on `engine`.
    static func products<E: WeightProduct>(_ image: ChipImage, _ engine: inout E) -> [[Float]] {
        var rng = RandomGenerator(seed: 9)
        return image.layers.map { l in
            let rows = 4
            let x = (0..<(rows * l.rows)).map { _ in Float(rng.nextDouble()) }
            var y = [Float](repeating: 0, count: rows * l.columns)
            let w = [Float](repeating: 0, count: l.rows * l.columns)
            engine.accumulateProduct(layer: l.index, weights: w, input: x, rows: rows, inFeatures: l.rows, outFeatures: l.columns, output: &y)
            return y
        }
    }

    static func maxRelativeError(_ a: [[Float]], _ b: [[Float]]) -> Double {
        zip(a, b).map { (p, q) in
            let scale = Double(q.map { abs($0) }.max() ?? 1)
            return zip(p, q).map { Double(abs($0 - $1)) / scale }.max() ?? 0
        }.max() ?? 0
    }

    @Test("on a noiseless chip with uniform drift, global and per-column compensation give the undrifted products (1e-5); none gives (t/t₀)^−ν of them",
          arguments: [DriftCompensation.global, .column])
    func oracle(mode: DriftCompensation) throws {
        let img = try Self.image()
        var fresh = try ChipInstance.noiseless(img)
        let want = Self.products(img, &fresh)
        var c = EvaluationConfig()
        c.timeSeconds = 1e4
        var plain = try ChipInstance(image: img, config: c, trial: 0)
        #expect(plain.compensationGains == nil)
        let drifted = Self.products(img, &plain.engine)
        let factor = Float(pow(1e4, -0.1))
        #expect(Self.maxRelativeError(drifted, want.map { $0.map { $0 * factor } }) < 1e-5)
        #expect(Self.maxRelativeError(drifted, want) > 0.5)
        c.driftCompensation = mode
        let instance = try ChipInstance(image: img, config: c, trial: 0)
        var compensated = CompensatedEngine(engine: instance.engine, gains: try #require(instance.compensationGains))
        let got = Self.products(img, &compensated)
        #expect(Self.maxRelativeError(got, want) < 1e-5, "\(Self.maxRelativeError(got, want))")
    }

    @Test("the reference read is noisy: with ADC noise and no drift the gains scatter around 1, differently per trial")
    func noisyReference() throws {
        var img = try Self.image()
        img.spec.device.driftNu = 0
        img.spec.adc = ChipPreset.wu2023Inference.spec.adc
        img.spec.dac = ChipPreset.wu2023Inference.spec.dac
        var c = EvaluationConfig()
        c.driftCompensation = .global
        let g0 = try #require(try ChipInstance(image: img, config: c, trial: 0).compensationGains?.compactMap { $0?.first })
        let g1 = try #require(try ChipInstance(image: img, config: c, trial: 1).compensationGains?.compactMap { $0?.first })
        #expect(g0.count == 3 && g0 != g1)
        #expect(g0.allSatisfy { $0 != 1 && abs($0 - 1) < 0.2 }, "\(g0)")
    }

    /// A briefly trained lenet-wu2023 on pcm-like-inference with a uniform drift ν = 0.07 (no
    /// ν spread, no 1/f noise) and a noiseless ADC: after a year every conductance is 0.37 of
    /// its programmed value, which one gain per layer undoes up to the programming error.
    @Test("with uniform drift and a noiseless ADC, global compensation recovers nearly all of a year's loss (2 trials, 500 images)")
    func recoversUniformDrift() throws {
        let data = try DatasetCatalog.load(.mnist)
        var tc = TrainingConfig()
        tc.trainLimit = 4000
        tc.testLimit = 200
        tc.batchesPerEpoch = 60
        tc.epochs = 1
        var d = data
        d.train = d.train.prefix(4000)
        d.test = d.test.prefix(200)
        var t = try Trainer(config: tc, data: d)
        t.run()
        var img = try Mapper(config: MappingConfig(spec: ChipPreset.pcmLikeInference.spec)).map(TrainedModel(network: t.network), calibration: nil, creator: "test")
        img.spec.adc.noiseSigmaMicroAmps = 0
        img.spec.device.driftNu = 0.07
        img.spec.device.driftNuLogSlope = nil
        img.spec.device.driftNuMeanRange = nil
        img.spec.device.driftNuSigma = nil
        img.spec.device.driftNuSigmaLogSlope = nil
        img.spec.device.driftNuSigmaRange = nil
        img.spec.device.readNoise1fCoefficient = nil
        img.spec.device.readNoise1fExponent = nil
        img.spec.device.readNoise1fMaxRelative = nil
        img.spec.device.readNoise1fReadSeconds = nil
        try img.spec.validate()
        var c = EvaluationConfig()
        c.trials = 2
        c.testLimit = 500
        c.sweep = try .parse("time=1,31536000")
        let none = try RobustnessEvaluator(config: c, test: data.test, datasetName: "mnist").run(images: [("a.h5", img)], shard: nil, jobs: 2, creator: "test")
        c.driftCompensation = .global
        let global = try RobustnessEvaluator(config: c, test: data.test, datasetName: "mnist").run(images: [("a.h5", img)], shard: nil, jobs: 2, creator: "test")
        let mean = { (r: RobustnessReport, k: Int) in r.points[k].statistics?.mean ?? .nan }
        let lost = mean(none, 0) - mean(none, 1), left = mean(global, 0) - mean(global, 1)
        #expect(mean(none, 0) == mean(global, 0) || abs(mean(none, 0) - mean(global, 0)) < 0.01, "before t₀ the gain is 1 up to the noisy reference")
        #expect(lost > 0.05 && left < lost / 5, "lost \(lost) without and \(left) with compensation")
        #expect(global.config.driftCompensation == DriftCompensation.global)
    }
}
