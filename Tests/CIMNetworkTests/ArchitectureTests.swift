import CIMCore
import CIMNetwork
import Testing

@Suite("Architectures and presets")
struct ArchitectureTests {
    @Test("lenet-wu2023 has the paper's ≈6.4 k devices (2 per weight) and the expected shapes")
    func lenetWu() throws {
        let a = ModelPreset.lenetWu2023.architecture
        #expect(a.weightCount == 200 + 1600 + 1280)
        #expect(2 * a.weightCount == 6160)
        #expect(try a.shapes().last == [10])
        #expect(try a.shapes()[3] == [12, 12, 8])
    }

    @Test("every preset validates and ends in 10 logits", arguments: ModelPreset.allCases)
    func presets(preset: ModelPreset) throws {
        #expect(try preset.architecture.shapes().last == [10])
    }

    @Test("mismatched layers are rejected with the layer named")
    func mismatch() {
        let bad = Architecture(name: "bad", inputShape: [28, 28, 1],
                               layers: [.conv2d(inChannels: 1, outChannels: 4, kernel: 5), .flatten,
                                        .dense(inFeatures: 100, outFeatures: 10)])
        #expect { try bad.validate() } throws: { e in
            "\(e)".contains("bad.layers[2]") && "\(e)".contains("expects [100] input, got [2304]")
        }
        let noLogits = Architecture(name: "x", inputShape: [1], layers: [.relu])
        #expect(throws: CIMError.self) { try noLogits.validate() }
    }

    @Test("initialisation is seeded and bounded by ±1/√fan_in; NaN parameters are refused")
    func initialisation() throws {
        let a = ModelPreset.lenetWu2023.architecture
        let n1 = try Network(architecture: a, seed: 1)
        #expect(n1.parameters == (try Network(architecture: a, seed: 1)).parameters)
        #expect(n1.parameters != (try Network(architecture: a, seed: 2)).parameters)
        #expect(n1.parameters[0..<208].allSatisfy { abs($0) <= 1 / 5 })  // conv1: fan_in 25
        var p = n1.parameters
        p[17] = .nan
        #expect { try Network(architecture: a, parameters: p) } throws: { e in "\(e)".contains("parameters[17]") }
    }

    @Test("a dense layer's forward pass equals x·Wᵀ + b")
    func denseOracle() throws {
        let a = Architecture(name: "d", inputShape: [3], layers: [.dense(inFeatures: 3, outFeatures: 2)])
        var net = try Network(architecture: a, parameters: [1, 2, 3, 4, 5, 6, 0.5, -0.5])
        let y = net.forward(Tensor(shape: [1, 3], data: [1, 0, -1]), training: false)
        let expected: [Float] = [-1.5, -2.5]  // [1 − 3 + 0.5, 4 − 6 − 0.5]
        #expect(y.data == expected)
    }
}
