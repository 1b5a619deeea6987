import CIMChipImage
import CIMCore
import CIMCrossbar
import CIMHDF5
import CIMMap
import CIMNetwork
import CIMTrain
import Foundation
import Testing

extension ChipImageTests {
    /// Affine layers (a BatchNormalization kept digital): their float32 scales and shifts go
    /// into the image as checksummed datasets and come back bit for bit; they never take a tile.
    @Suite("affine layers (v2)")
    struct AffineImage {
        /// An affine layer on the input, one after a residual add, one on a flattened map.
        static let architecture = Architecture(
            name: "affine-test", inputShape: [6, 6, 3],
            layers: [.affine(channels: 3), GraphModel.conv(3, 4, 3, padding: [1, 1, 1, 1]), .relu, .add,
                     .affine(channels: 4), .maxPool(size: 2), .flatten, .affine(channels: 36), .dense(inFeatures: 36, outFeatures: 10)],
            inputs: [[-1], [0], [1], [2, 1], [3], [4], [5], [6], [7]])

        /// The network with random signed scales and random shifts.
        static func network() throws -> Network {
            var net = try Network(architecture: architecture, seed: 4)
            var rng = RandomGenerator(seed: 5, stream: "affine")
            for (i, layer) in architecture.layers.enumerated() {
                guard case let .affine(c) = layer else { continue }
                for k in 0..<c {
                    net.parameters[net.offsets[i] + k] = rng.uniform(0.5, 2) * (k % 3 == 1 ? -1 : 1)
                    net.parameters[net.offsets[i] + c + k] = rng.uniform(-1, 1)
                }
            }
            return net
        }

        static func image(_ spec: ChipSpec) throws -> ChipImage {
            var config = MappingConfig(spec: spec)
            config.monteCarloDraws = 2
            let x = Tensor(shape: [8, 6, 6, 3], data: (0..<(8 * 108)).map { Float($0 % 17) / 16 })
            return try Mapper(config: config).map(TrainedModel(network: try network()), calibration: x, creator: "test")
        }

        @Test("scale and shift are written as float32 datasets with checksums, read back bit for bit, and verify is clean")
        func roundTrip() throws {
            let dir = TempDir("affine")
            defer { dir.remove() }
            let image = try Self.image(ChipPreset.wu2023Inference.spec)
            #expect(image.layers.map(\.index) == [1, 8] && image.affineLayers.map(\.index) == [0, 4, 7])
            let net = try Self.network()
            for a in image.affineLayers {
                let off = net.offsets[a.index], c = a.scale.count
                #expect((a.scale + a.shift).map(\.bitPattern) == net.parameters[off..<(off + 2 * c)].map(\.bitPattern))
            }
            let path = dir.file("affine.h5")
            try ChipImageFile.write(image, to: path)
            #expect(ChipImageFile.verify(path: path).isEmpty)
            let walk = try FileWalk.contents(of: path)
            #expect(walk["/network/layer_004@kind"] == "string affine" && walk["/network/layer_004@channels"] == "int64 4")
            #expect(walk["/network/layer_004/scale@sha256"] != nil && walk["/network/layer_007/shift@sha256"] != nil)
            #expect(walk["/network/layer_004@rows"] == nil && walk["/network/layer_004/bias"] == nil)
            let back = try ChipImageFile.read(path: path)
            #expect(back.affineLayers == image.affineLayers)
            let q = try back.quantizedNetwork(), q0 = try image.quantizedNetwork()
            #expect(q.parameters.map(\.bitPattern) == q0.parameters.map(\.bitPattern))
            // the quantised network keeps the affine parameters exactly; only the weights are quantised
            for a in image.affineLayers {
                let off = q.offsets[a.index], c = a.scale.count
                #expect(Array(q.parameters[off..<(off + 2 * c)]) == a.scale + a.shift)
            }
        }

        @Test("ideal chip: the image computes the FP32 network with its affine layers")
        func idealChipEqualsFloat() throws {
            let image = try Self.image(ChipPreset.ideal.spec.withIdealPeriphery)
            var net = try Self.network()
            let x = Tensor(shape: [4, 6, 6, 3], data: (0..<(4 * 108)).map { Float(($0 * 7) % 23) / 22 })
            let fp32 = net.forward(x, training: false).data
            var q = try image.quantizedNetwork()
            var engine = try image.engine(noise: nil)
            let chip = q.forward(x, training: false, engine: &engine).data
            let scale = fp32.map(abs).max()!
            let e = zip(chip, fp32).map { abs($0 - $1) }.max()! / scale
            #expect(e < 1e-5, "chip vs FP32: \(e)")
        }

        @Test("a damaged, non-finite or missing scale or shift is one problem each")
        func damaged() throws {
            let dir = TempDir("affine-bad")
            defer { dir.remove() }
            let good = dir.file("good.h5")
            try ChipImageFile.write(try Self.image(ChipPreset.wu2023Inference.spec), to: good)
            func variant(_ name: String, _ edit: (String) throws -> Void) throws -> [String] {
                let path = dir.file(name)
                try FileManager.default.copyItem(atPath: good, toPath: path)
                try edit(path)
                try ChipImageFile.seal(path: path)
                return ChipImageFile.verify(path: path)
            }
            let nan = try variant("nan.h5") { try Edit.modify($0, "/network/layer_004/scale", as: Float.self) { $0[2] = .nan } }
            #expect(nan == ["/network/layer_004/scale: element 2 is nan"], "\(nan)")
            let edited = try variant("edited.h5") { path in
                let f = try HDF5File.open(path: path, writable: true)
                let (_, v) = try f.root.readDataset("network/layer_007/shift", as: Float.self)
                try f.root.openDataset("network/layer_007/shift").setAttribute("sha256", checksum(v.map { $0 + 1 }))
                try f.close()
            }
            #expect(edited.count == 1 && edited[0].hasPrefix("/network/layer_007/shift: sha256 does not match"), "\(edited)")
            let short = try variant("short.h5") { try Edit.replace($0, "/network/layer_000/shift", shape: [2], [Float](repeating: 0, count: 2)) }
            #expect(short.count == 1 && short[0].hasPrefix("/network/layer_000/shift: shape [2], expected [3]"), "\(short)")
            let missing = try variant("missing.h5") { try RawHDF5.delete("/network/layer_000/scale", in: $0) }
            #expect(missing == ["/network/layer_000/scale: missing dataset"], "\(missing)")
        }
    }
}
