import CIMCore
import CIMData
import CIMNetwork
import CIMTrain
import Foundation
import Testing

@Suite("Trainer", .serialized)
struct TrainerTests {
    func config(model: String = "lenet-wu2023", seed: UInt64 = 1) -> TrainingConfig {
        var c = TrainingConfig()
        c.model = model
        c.seed = seed
        c.trainLimit = 3000
        c.testLimit = 1000
        c.batchesPerEpoch = nil
        c.epochs = 2
        return c
    }

    func data(_ c: TrainingConfig) throws -> DatasetSplits { try limitedData(c) }

    @Test("a short run learns MNIST: test accuracy well above chance and loss falls")
    func learns() throws {
        let c = config()
        var t = try Trainer(config: c, data: data(c))
        t.run()
        #expect(t.epochs.count == 2)
        #expect(t.epochs[1].testAccuracy > 0.85, "test accuracy \(t.epochs[1].testAccuracy)")
        #expect(t.epochs[1].trainLoss < t.epochs[0].trainLoss)
    }

    @Test("the same seed gives bit-identical weights; another seed does not")
    func deterministic() throws {
        var c = config(model: "mlp")
        c.epochs = 1
        var a = try Trainer(config: c, data: data(c))
        var b = try Trainer(config: c, data: data(c))
        a.run()
        b.run()
        #expect(a.network.parameters == b.network.parameters)
        c.seed = 2
        var other = try Trainer(config: c, data: data(c))
        other.run()
        #expect(a.network.parameters != other.network.parameters)
    }

    @Test("an epoch visits every training image once with 'all'; otherwise draws exactly N batches")
    func order() throws {
        var c = config()
        let t = try Trainer(config: c, data: data(c))
        #expect(t.order(epoch: 1).sorted() == Array(0..<3000))
        #expect(t.order(epoch: 1) != t.order(epoch: 2))
        #expect(t.batchesPerEpoch == 47)
        c.batchesPerEpoch = 100  // 6,400 images from 3,000: wraps into a second permutation
        let t2 = try Trainer(config: c, data: data(c))
        let o = t2.order(epoch: 1)
        #expect(o.count == 6400)
        #expect(Array(o[0..<3000]).sorted() == Array(0..<3000))
    }

    @Test("bad configurations give errors naming the field",
          arguments: [("model", "unknown preset 'resnet'"), ("batchSize", "batchSize"), ("epochs", "epochs"),
                      ("dataset", "unknown dataset 'cifar'")])
    func badConfig(field: String, message: String) {
        var c = TrainingConfig()
        switch field {
        case "model": c.model = "resnet"
        case "batchSize": c.batchSize = 0
        case "epochs": c.epochs = 0
        default: c.dataset = "cifar"
        }
        #expect { try c.validate() } throws: { e in "\(e)".contains(message) }
    }
}

@Suite("Weights file (safetensors layout)")
struct WeightsFileTests {
    @Test("write → read is bit-exact, including metadata")
    func roundTrip() throws {
        var net = try Network(architecture: ModelPreset.cnn16.architecture, seed: 4)
        net.parameters[0] = -0.0
        net.parameters[1] = .leastNonzeroMagnitude
        let bytes = try WeightsFile.encode(net, metadata: ["seed": "4"])
        let (back, meta) = try WeightsFile.decode(bytes, path: "mem")
        #expect(back.architecture == net.architecture)
        #expect(back.parameters.map(\.bitPattern) == net.parameters.map(\.bitPattern))
        #expect(meta["seed"] == "4" && meta["format"] == "cimkit-weights")
        #expect(try WeightsFile.encode(back, metadata: ["seed": "4"]) == bytes, "encoding is not deterministic")
        // The header is 8-byte aligned, as the safetensors layout requires.
        let h = bytes[0..<8].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        #expect(h % 8 == 0 && bytes.count == 8 + h + 4 * net.parameters.count)
    }

    @Test("truncated, corrupt, wrong-version and NaN files are refused with a reason")
    func bad() throws {
        let net = try Network(architecture: ModelPreset.mlp.architecture, seed: 1)
        let good = try WeightsFile.encode(net)
        func expectError(_ bytes: [UInt8], _ message: String) {
            #expect { try WeightsFile.decode(bytes, path: "w.safetensors") } throws: { e in
                "\(e)".hasPrefix("w.safetensors: ") && "\(e)".contains(message)
            }
        }
        expectError(Array(good.prefix(5)), "too short")
        expectError(Array(good.prefix(good.count - 4)), "outside the")
        var corrupt = good
        corrupt[9] = 0x7B
        corrupt[10] = 0x7B
        expectError(corrupt, "not a JSON object")
        let text = String(decoding: good, as: UTF8.self)
        expectError(Array(text.replacingOccurrences(of: "\"version\":\"1\"", with: "\"version\":\"9\"").utf8),
                    "unsupported version 9")
        var nan = good
        let firstValue = good.count - 4 * net.parameters.count
        nan[firstValue..<(firstValue + 4)] = [0, 0, 0xC0, 0x7F]
        expectError(nan, "is not finite")
    }
}

@Suite("Trainer: shards", .serialized)
struct ShardedTrainerTests {
    func config(shards: Int?) -> TrainingConfig {
        var c = TrainingConfig()
        c.model = "lenet-wu2023"
        c.trainLimit = 1500
        c.testLimit = 500
        c.batchesPerEpoch = nil
        c.epochs = 1
        c.shards = shards
        return c
    }

    func run(_ c: TrainingConfig, threads: Int) throws -> Trainer {
        var t = try Trainer(config: c, data: limitedData(c))
        t.threads = threads
        t.run()
        return t
    }

    @Test("2 shards give the same bits on 1 and 2 threads, and again on a second run; they learn like the whole batch")
    func reproducible() throws {
        let one = try run(config(shards: 2), threads: 1)
        let two = try run(config(shards: 2), threads: 2)
        let again = try run(config(shards: 2), threads: 2)
        #expect(one.network.parameters == two.network.parameters)
        #expect(two.network.parameters == again.network.parameters)
        #expect(one.epochs[0].testAccuracy == two.epochs[0].testAccuracy && one.epochs[0].trainLoss == two.epochs[0].trainLoss)
        let whole = try run(config(shards: nil), threads: 1)
        #expect(whole.network.parameters != two.network.parameters)  // another rounding of the same sums
        #expect(abs(whole.epochs[0].testAccuracy - two.epochs[0].testAccuracy) < 0.02,
                "whole batch \(whole.epochs[0].testAccuracy), 2 shards \(two.epochs[0].testAccuracy)")
    }

    @Test("bad shard counts are refused naming the field", arguments: [0, 65, 2])
    func badShards(_ shards: Int) {
        var c = config(shards: shards)
        if shards == 2 { c.onChip = OnChipConfig(rule: .mixedPrecision) }
        #expect { try c.validate() } throws: { e in "\(e)".contains("shards") }
    }
}
