import CIMCore
import CIMCrossbar
import CIMNetwork
import CIMTrain
import Foundation
import Testing

/// Affine layers (BatchNormalization kept digital) in training and in the weights file.
@Suite("Affine layers in training")
struct AffineTrainingTests {
    static let architecture = Architecture(name: "affine-mnist", inputShape: [28, 28, 1], layers: [
        .affine(channels: 1), .conv2d(inChannels: 1, outChannels: 4, kernel: 5), .relu, .maxPool(size: 4), .affine(channels: 4), .flatten,
        .affine(channels: 144), .dense(inFeatures: 144, outFeatures: 10),
    ])

    @Test("on chip: the scales and shifts take the optimizer's update digitally (no tile), the weights go through the rule")
    func onChipUpdate() throws {
        var net = try Network(architecture: Self.architecture, seed: 2)
        let oc = OnChipConfig(rule: .mixedPrecision, chip: ChipPreset.wu2023SoC.rawValue, threshold: 1, periphery: false)
        var chip = try ChipTrainingState(config: oc, network: &net, seed: 2)
        #expect(chip.weightedLayers == [1, 7])
        let expected = Self.architecture.layers.indices.filter { if case .affine = Self.architecture.layers[$0] { return true }; return false }
            .map { net.offsets[$0]..<(net.offsets[$0] + Self.architecture.layers[$0].parameterCount) }
        #expect(chip.digitalParameters == expected && expected.count == 3)
        var rng = RandomGenerator(seed: 3)
        let update = (0..<net.parameters.count).map { _ in rng.uniform(-1e-3, 1e-3) }
        let before = net.parameters
        var after = before
        chip.apply(update: update, to: &after, offsets: net.offsets)
        for r in expected { for k in r { #expect(after[k] == before[k] + update[k], "parameter \(k)") } }
        // a weight's tiny update only accumulates (below the write threshold): W_FP unchanged
        let w0 = net.offsets[1]
        #expect(after[w0] == before[w0])
    }

    @Test("digital training learns the scales and shifts, and they round-trip bit for bit through the weights file")
    func digitalTrainingAndFile() throws {
        var c = TrainingConfig()
        c.customArchitecture = Self.architecture
        c.model = Self.architecture.name
        c.trainLimit = 512
        c.testLimit = 100
        c.batchesPerEpoch = 4
        c.epochs = 1
        var t = try Trainer(config: c, data: try limitedData(c))
        let start = t.network.parameters
        t.run()
        let end = t.network.parameters
        for (i, layer) in Self.architecture.layers.enumerated() {
            guard case let .affine(ch) = layer else { continue }
            let r = t.network.offsets[i]..<(t.network.offsets[i] + 2 * ch)
            #expect(end[r] != start[r], "layer \(i): scale and shift did not train")
        }
        let bytes = try WeightsFile.encode(t.network)
        let header = String(decoding: bytes[8..<min(bytes.count, 4096)], as: UTF8.self)
        #expect(header.contains("\"layers.0.scale\"") && header.contains("\"layers.6.shift\"") && !header.contains("\"layers.0.weight\""))
        let (back, _) = try WeightsFile.decode(bytes, path: "mem")
        #expect(back.architecture == Self.architecture && back.parameters.map(\.bitPattern) == end.map(\.bitPattern))
    }
}
