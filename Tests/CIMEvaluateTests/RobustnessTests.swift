import CIMCore
import CIMCrossbar
import CIMData
import CIMEvaluate
import CIMMap
import CIMNetwork
import CIMTrain
import Foundation
import Testing

@Suite("Robustness evaluator", .serialized)
struct RobustnessTests {
    static let mnist = Result { try DatasetCatalog.load(.mnist) }

    /// lenet-wu2023 trained briefly (digital), mapped onto wu2023-inference.
    static let image = Result { () throws -> ChipImage in
        var c = TrainingConfig()
        c.trainLimit = 4000
        c.testLimit = 200
        c.batchesPerEpoch = 60
        c.epochs = 1
        var d = try mnist.get()
        d.train = d.train.prefix(4000)
        d.test = d.test.prefix(200)
        var t = try Trainer(config: c, data: d)
        t.run()
        return try Mapper(config: MappingConfig(spec: ChipPreset.wu2023Inference.spec)).map(TrainedModel(network: t.network), calibration: nil, creator: "test")
    }

    func evaluator(_ configure: (inout EvaluationConfig) -> Void) throws -> RobustnessEvaluator {
        var c = EvaluationConfig()
        c.trials = 6
        c.testLimit = 500
        configure(&c)
        return try RobustnessEvaluator(config: c, test: try Self.mnist.get().test, datasetName: "mnist")
    }

    @Test("with σ → 0 (programming, read and ADC noise off) every trial equals the noiseless accuracy")
    func zeroNoise() throws {
        var img = try Self.image.get()
        img.spec.adc.noiseSigmaMicroAmps = 0
        let e = try evaluator { $0.programmingSigma = .microSiemens(0); $0.readSigma = .levelSpacings(0) }
        let r = try e.run(images: [("a.h5", img)], shard: nil, jobs: 2, creator: "test")
        let noiseless = r.images[0].noiselessAccuracy
        #expect(r.points[0].trials.count == 6)
        #expect(r.points[0].trials.allSatisfy { $0.accuracy == noiseless }, "\(r.points[0].trials.map(\.accuracy)) vs \(noiseless)")
        #expect(r.points[0].statistics?.std == 0 && r.points[0].statistics?.drop == 0)
    }

    @Test("the spread of accuracy across trials grows with the programming error (sweep 0.25 → 1 → 2 Δ)")
    func spreadGrows() throws {
        let e = try evaluator { $0.trials = 8; $0.sweep = try! .parse("prog-sigma=0.25,1,2") }
        let r = try e.run(images: [("a.h5", try Self.image.get())], shard: nil, jobs: 2, creator: "test")
        let s = r.points.compactMap(\.statistics)
        #expect(s.count == 3)
        #expect(s[0].std < s[2].std, "std \(s.map(\.std))")
        #expect(s[0].mean > s[2].mean, "mean \(s.map(\.mean))")
        #expect(s[0].drop < s[1].drop && s[1].drop < s[2].drop, "drop \(s.map(\.drop))")
    }

    @Test("identical seeds give identical reports, whatever the number of jobs; another seed does not")
    func determinism() throws {
        let img = try Self.image.get()
        let a = try evaluator { _ in }.run(images: [("a.h5", img)], shard: nil, jobs: 1, creator: "test")
        let b = try evaluator { _ in }.run(images: [("a.h5", img)], shard: nil, jobs: 3, creator: "test")
        let c = try evaluator { $0.seed = 2 }.run(images: [("a.h5", img)], shard: nil, jobs: 2, creator: "test")
        #expect(a == b)
        #expect(a.points[0].trials != c.points[0].trials)
    }

    @Test("sharded and merged equals a single run exactly (3 shards, 2 images, a sweep)")
    func shardsMerge() throws {
        let img = try Self.image.get()
        var other = img
        other.spec.device.programmingSigmaMicroSiemens = 4
        let images: [(path: String, image: ChipImage)] = [("a.h5", img), ("b.h5", other)]
        let e = try evaluator { $0.trials = 5; $0.sweep = try! .parse("read-sigma=0.1,0.6") }
        let single = try e.run(images: images, shard: nil, jobs: 2, creator: "test")
        let shards = try (1...3).map { k in try e.run(images: images, shard: .init(index: k, count: 3), jobs: 2, creator: "test") }
        #expect(shards.map { $0.points[0].trials.count } == [2, 2, 1])
        // through JSON, as cim merge reads them
        let decoded = try shards.map { try JSONDecoder().decode(RobustnessReport.self, from: JSONEncoder().encode($0)) }
        let merged = try RobustnessReport.merge(decoded, paths: ["1", "2", "3"])
        #expect(merged == single)
        #expect(throws: CIMError.self) { try RobustnessReport.merge(Array(decoded.prefix(2)), paths: ["1", "2"]) }
        #expect(throws: CIMError.self) { try RobustnessReport.merge([decoded[0], decoded[0], decoded[2]], paths: ["1", "1", "3"]) }
        // Only shard 1 makes the noiseless passes; no shard carries statistics.
        #expect(shards[0].images.allSatisfy { $0.noiselessAccuracy != nil && $0.quantizedModelAccuracy != nil })
        #expect(shards[1...].allSatisfy { $0.images.allSatisfy { $0.noiselessAccuracy == nil && $0.quantizedModelAccuracy == nil } })
        #expect(shards.allSatisfy { $0.points.allSatisfy { $0.statistics == nil } })
        #expect(single.points.allSatisfy { $0.statistics != nil })
    }

    @Test("merge refuses tampered shards: bad counts and indices, missing points or trials, foreign formats, complete reports",
          arguments: ["count 0", "index 3 of 2", "fewer points", "a trial twice", "a trial of another shard", "format", "version",
                      "complete", "trials 10^15", "shard 1 without noiseless"])
    func mergeRefuses(_ attack: String) throws {
        let img = try Self.image.get()
        let e = try evaluator { $0.trials = 4; $0.testLimit = 100; $0.sweep = try! .parse("read-sigma=0.1,0.6") }
        var shards = try (1...2).map { k in try e.run(images: [("a.h5", img)], shard: .init(index: k, count: 2), jobs: 2, creator: "test") }
        #expect(try RobustnessReport.merge(shards, paths: ["1", "2"]).points.count == 2)
        switch attack {
        case "count 0": shards[1].shard = .init(index: 0, count: 0)
        case "index 3 of 2": shards[1].shard = .init(index: 3, count: 2)
        case "fewer points": shards[1].points.removeLast()
        case "a trial twice": shards[1].points[0].trials.append(shards[1].points[0].trials[0])
        case "a trial of another shard": shards[1].points[0].trials[0].index = 0
        case "format": shards[1].format = "something-else"
        case "version": shards[1].version = 2
        case "complete": shards[1].shard = nil
        case "trials 10^15": shards[0].config.trials = 1_000_000_000_000_000; shards[1].config.trials = 1_000_000_000_000_000
        default: shards[0].images[0].noiselessAccuracy = nil
        }
        #expect(throws: CIMError.self) { try RobustnessReport.merge(shards, paths: ["1", "2"]) }
    }

    @Test("statistics by hand: mean, sample std, percentiles, t-based 95 % interval")
    func statistics() {
        let s = TrialStatistics([0.9, 0.8, 1.0, 0.7], noiseless: 1.0)
        #expect(abs(s.mean - 0.85) < 1e-12)
        #expect(abs(s.std - 0.1290994448735806) < 1e-12)
        #expect(abs(s.median - 0.85) < 1e-12)
        #expect(abs(s.p5 - 0.715) < 1e-12)       // NumPy: np.percentile([.7,.8,.9,1], 5)
        #expect(abs(s.ci95High - (0.85 + 3.182 * 0.1290994448735806 / 2)) < 1e-12)
        #expect(abs(s.drop - 0.15) < 1e-12)
    }

    @Test("hardware cost of the paper's LeNet: tile operations per layer, latency and energy from the paper's figures")
    func cost() throws {
        let net = try Network(architecture: ModelPreset.lenetWu2023.architecture, seed: 1)
        let soc = try Mapper(config: MappingConfig(spec: ChipPreset.wu2023SoC.spec)).map(TrainedModel(network: net), calibration: nil, creator: "t")
        let c = HardwareCost(image: soc)
        // conv1: 24·24 positions × 1 block; conv2: 8·8 × 4 blocks (200 rows on 64-row tiles); fc: 1 × 2 blocks
        #expect(c.layers.map(\.tileOperations) == [576, 256, 2])
        #expect(c.tileOperationsPerImage == 834)
        #expect(c.cyclesPerTileOperation == 72)
        #expect(abs(c.energyMicrojoules - 834 * 2.66e-3) < 1e-9)
        #expect(abs(c.latencyMilliseconds - 834 * 72 / 1e5) < 1e-9)
    }

    @Test("noise settings parse in level spacings or µS; bad values and sweeps are refused")
    func parsing() throws {
        let d = ChipPreset.wu2023Inference.spec.device  // Δ = 4 µS
        #expect(try NoiseSetting.parse("0.5", field: "x").microSiemens(for: d) == 2)
        #expect(try NoiseSetting.parse("3uS", field: "x").microSiemens(for: d) == 3)
        #expect(throws: CIMError.self) { try NoiseSetting.parse("-1", field: "x") }
        #expect(throws: CIMError.self) { try NoiseSetting.parse("lots", field: "x") }
        #expect(throws: CIMError.self) { try EvaluationConfig.Sweep.parse("temperature=1,2") }
        #expect(throws: CIMError.self) { try EvaluationConfig.Sweep.parse("stuck-rate=0.1,2") }
    }
}
