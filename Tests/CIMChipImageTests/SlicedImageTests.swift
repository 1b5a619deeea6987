import CIMChipImage
import CIMCore
import CIMCrossbar
import CIMHDF5
import CIMMap
import CIMNetwork
import Foundation
import Testing

extension ChipImageTests {
    /// Schema v4: bit-sliced layers (`slices`, `slice_significance`).
    @Suite("schema v4: bit slices")
    struct Sliced {
        /// ``GraphModel`` (grouped and depthwise convs) on 2 slices of the 16-level device, calibrated.
        static let image: ChipImage = {
            var config = MappingConfig(spec: ChipPreset.wu2023Inference.spec)
            config.monteCarloDraws = 2
            config.calibration = CalibrationConfig()
            config.slices = 2
            let network = try! Network(architecture: GraphModel.architecture, seed: 3)
            return try! Mapper(config: config).map(TrainedModel(network: network, provenance: ["note": "graph"], seed: 3),
                                                   calibration: GraphModel.inputs(16, seed: 4), creator: "test")
        }()

        static func logits(_ image: ChipImage, _ x: Tensor) throws -> [Float] {
            var net = try image.quantizedNetwork()
            var engine = try image.engine(noise: nil)
            return net.forward(x, training: false, engine: &engine).data
        }

        @Test("a sliced, calibrated, grouped image round-trips bit-exactly, verifies, and computes the same")
        func roundTrip() throws {
            let dir = TempDir("sliced")
            defer { dir.remove() }
            let path = dir.file("sliced.h5")
            try ChipImageFile.write(Self.image, to: path)
            #expect(ChipImageFile.verify(path: path).isEmpty, "\(ChipImageFile.verify(path: path))")
            let back = try ChipImageFile.read(path: path)
            #expect(back == Self.image)
            #expect(back.layers.allSatisfy { $0.slicing.count == 2 && $0.slicing.base == 16 })
            let walk = try FileWalk.contents(of: path)
            #expect(walk["/@format_version"] == "int64 4")
            let layer = try #require(walk.keys.first { $0.hasSuffix("@slices") }?.dropLast("@slices".count))
            #expect(walk[layer + "@slices"] == "int64 2")
            #expect(walk[layer + "@slice_significance"] == "int64 1,16")
            let x = GraphModel.inputs(4, seed: 9)
            #expect(try Self.logits(back, x) == Self.logits(Self.image, x))
            // the same image unsliced writes no slice attributes
            try ChipImageFile.write(Fixtures.inference, to: dir.file("plain.h5"))
            #expect(try FileWalk.contents(of: dir.file("plain.h5")).keys.allSatisfy { !$0.contains("@slice") })
        }

        enum Bad: String, CaseIterable {
            case tooMany, one, significance, missingSignificance, missingSlices, versionThree, floatSignificance
        }

        @Test("inconsistent slice metadata is refused with one line naming the object", arguments: Bad.allCases)
        func badMetadata(_ bad: Bad) throws {
            let dir = TempDir("bad-slices")
            defer { dir.remove() }
            let path = dir.file("bad.h5")
            try ChipImageFile.write(Self.image, to: path)
            let walk = try FileWalk.contents(of: path)
            let layer = String(try #require(walk.keys.first { $0.hasSuffix("@slices") }?.dropLast("@slices".count)))
            let f = try HDF5File.open(path: path, writable: true)
            let g = try f.root.openGroup(layer)
            switch bad {
            case .tooMany: try g.setAttribute("slices", 9)
            case .one: try g.setAttribute("slices", 1)
            case .significance: try g.setAttribute("slice_significance", [1, 4])
            case .missingSignificance: try g.deleteAttribute("slice_significance")
            case .missingSlices: try g.deleteAttribute("slices")
            case .versionThree: try f.root.setAttribute("format_version", 3)
            case .floatSignificance:
                try g.deleteAttribute("slice_significance")
                try g.setAttribute("slice_significance", 1.5)
            }
            try f.close()
            try ChipImageFile.seal(path: path)
            let problems = ChipImageFile.verify(path: path)
            if bad == .versionThree {  // every sliced layer, and the v3 whitelist names both attributes too
                #expect(!problems.isEmpty && problems.allSatisfy { $0.contains("/slice") }, "\(problems)")  // every sliced layer
            } else {
                #expect(problems.count == 1, "\(problems)")
                #expect(problems.first?.hasPrefix(layer + "/slice") == true, "\(problems)")
            }
            #expect(problems.allSatisfy { !$0.contains("\n") })
            #expect(throws: CIMError.self) { try ChipImageFile.read(path: path) }
        }
    }
}
