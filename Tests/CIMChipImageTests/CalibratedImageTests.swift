import CIMChipImage
import CIMCore
import CIMCrossbar
import CIMMap
import CIMNetwork
import Foundation
import Testing

extension ChipImageTests {
    /// Schema v3: the chip stored once (`spec_json`, read strictly) and calibrated layers.
    @Suite("schema v3: calibration")
    struct Calibrated {
        /// ``GraphModel`` (grouped and depthwise convs) mapped with `--calibrate`'s defaults.
        static let image: ChipImage = {
            var config = MappingConfig(spec: ChipPreset.wu2023Inference.spec)
            config.monteCarloDraws = 2
            config.calibration = CalibrationConfig()
            let network = try! Network(architecture: GraphModel.architecture, seed: 3)
            return try! Mapper(config: config).map(TrainedModel(network: network, provenance: ["note": "graph"], seed: 3),
                                                   calibration: GraphModel.inputs(16, seed: 4), creator: "test")
        }()

        static func logits(_ image: ChipImage, _ x: Tensor) throws -> [Float] {
            var net = try image.quantizedNetwork()
            var engine = try image.engine(noise: nil)
            return net.forward(x, training: false, engine: &engine).data
        }

        @Test("a calibrated image round-trips bit-exactly (column scales, ranges, full scales per group and tile), verifies, and computes the same")
        func roundTrip() throws {
            let dir = TempDir("calibrated")
            defer { dir.remove() }
            let path = dir.file("cal.h5")
            try ChipImageFile.write(Self.image, to: path)
            #expect(ChipImageFile.verify(path: path).isEmpty, "\(ChipImageFile.verify(path: path))")
            let back = try ChipImageFile.read(path: path)
            #expect(back == Self.image)
            #expect(back.layers.allSatisfy { $0.calibration?.inputRanges?.count == $0.groups })
            let walk = try FileWalk.contents(of: path)
            #expect(walk["/@format_version"] == "int64 \(ChipImageFile.version)")
            #expect(walk["/network/layer_002@input_scaling"] == "string static")
            #expect(walk.keys.allSatisfy { !$0.hasPrefix("/chip/device") && !$0.hasPrefix("/chip@name") }, "the chip is stored once")
            let x = GraphModel.inputs(4, seed: 9)
            #expect(try Self.logits(back, x) == Self.logits(Self.image, x))
        }

        @Test("an image of schema v2 (exported/) reads, and rewritten as v3 computes bit-identically on the noiseless chip")
        func versionTwoStillReads() throws {
            let v2 = VersionOne.root + "/exported/lenet-wu2023-mp-inference.h5"
            #expect(ChipImageFile.verify(path: v2).isEmpty)
            let old = try ChipImageFile.read(path: v2)
            #expect(old.layers.allSatisfy { $0.calibration == nil })
            let dir = TempDir("v2-to-v3")
            defer { dir.remove() }
            let path = dir.file("v3.h5")
            try ChipImageFile.write(old, to: path)
            let new = try ChipImageFile.read(path: path)
            #expect(new.spec == old.spec && new.layers == old.layers && new.tiles == old.tiles)
            let x = Tensor(shape: [3, 28, 28, 1], data: (0..<(3 * 784)).map { Float(($0 * 37) % 256) / 255 })
            #expect(try Self.logits(new, x) == Self.logits(old, x))
        }

        @Test("the shipped calibrated example (exported/) verifies; its record names 256 calibration images and every layer has static ranges and ADC full scales at most the chip's")
        func shippedExample() throws {
            let path = VersionOne.root + "/exported/lenet-wu2023-mp-inference-calibrated.h5"
            #expect(ChipImageFile.verifyWithVersion(path: path) == ([], 3))
            let image = try ChipImageFile.read(path: path)
            let record = try JSONDecoder().decode(CalibrationRecord.self,
                                                  from: Data(try #require(image.provenance[CalibrationRecord.provenanceKey]).utf8))
            #expect(record.images == 256 && record.inputShape == [28, 28, 1] && record.settings == CalibrationConfig())
            #expect(image.layers.allSatisfy { l in
                l.calibration?.inputRanges != nil
                    && l.calibration!.adcFullScalesMicroAmps!.allSatisfy { $0 <= image.spec.adc.fullScaleMicroAmps }
            })
            #expect(image.report.passed, "\(image.report.checks.filter { !$0.passed })")
        }

        enum Damage: String, CaseIterable {
            case negativeRange, scaleMismatch, unknownScaling, noRecord, rangeWithoutScaling, unknownSpecKey, shortColumns
        }

        @Test("damaged calibration data is a problem naming the object, and read throws", arguments: Damage.allCases)
        func damaged(_ damage: Damage) throws {
            let dir = TempDir("cal-bad")
            defer { dir.remove() }
            let path = dir.file("bad.h5")
            try ChipImageFile.write(Self.image, to: path)
            let layer = "/network/layer_000"
            var object = layer
            switch damage {
            case .negativeRange:
                try Edit.modify(path, layer + "/input_range", as: Float.self) { $0[0] = -1 }
                object = layer + "/input_range"
            case .scaleMismatch:
                try Edit.modify(path, layer + "/column_weight_per_uS", as: Double.self) { $0 = $0.map { 2 * $0 } }
                object = layer
            case .unknownScaling:
                try Edit.attribute(path, layer, "input_scaling", "per-pixel")
                object = layer + "/input_scaling"
            case .noRecord:
                try Edit.deleteAttribute(path, "/provenance", "calibration")
                object = "/provenance/calibration"
            case .rangeWithoutScaling:
                try Edit.attribute(path, layer, "input_scaling", "abs-max")
                object = layer + "/input_range"
            case .unknownSpecKey:
                let spec = try #require(FileWalk.contents(of: path)["/chip@spec_json"]?.dropFirst("string ".count))
                try Edit.attribute(path, "/chip", "spec_json", "{\"colour\":1," + spec.dropFirst())
                object = "/chip/spec_json"
            case .shortColumns:
                let (_, values) = try Edit.read(path, layer + "/column_weight_per_uS", as: Double.self)
                try Edit.replace(path, layer + "/column_weight_per_uS", shape: [values.count - 1], Array(values.dropLast()))
                object = layer + "/column_weight_per_uS"
            }
            try ChipImageFile.seal(path: path)
            let problems = ChipImageFile.verify(path: path)
            #expect(problems.contains { $0.hasPrefix(object) }, "\(damage): \(problems)")
            #expect(throws: CIMError.self) { try ChipImageFile.read(path: path) }
        }
    }
}
