import CIMChipImage
import CIMCore
import CIMCrossbar
import CIMMap
import Foundation
import Testing

extension ChipImageTests {
    @Suite("a chip file through an image")
    struct ChipFileImage {
        /// A spec's JSON with sorted keys: JSON writes the shortest text that reads back to the
        /// same double, so equal texts mean equal bits.
        static func exactText(_ s: ChipSpec) throws -> String {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            return String(decoding: try encoder.encode(s), as: UTF8.self)
        }

        @Test("a chip JSON file round-trips file → spec → image → spec bit-exactly")
        func roundTrip() throws {
            let dir = TempDir("chipfile")
            defer { dir.remove() }
            // a user's chip: numbers that are not short in binary, an odd geometry, drift and stuck cells
            var doc = ChipPreset.wu2023Inference.document
            doc.spec.name = "my-chip"
            doc.spec.tileRows = 100
            doc.spec.tileColumns = 18
            doc.spec.tileCount = 40
            doc.spec.device.levels = 7
            doc.spec.device.gMinMicroSiemens = 0.1 + 0.2
            doc.spec.device.gMaxMicroSiemens = 41.7
            doc.spec.device.initialMaxMicroSiemens = 20.000000000000004
            doc.spec.device.readSigmaMicroSiemens = 1e-7
            doc.spec.device.driftNu = 0.031
            doc.spec.device.stuckRate = 0.001
            doc.spec.adc.fullScaleMicroAmps = 90.7
            doc.spec.adc.noiseSigmaMicroAmps = 0.3333333333333333
            doc.spec.adc.columnsPerADC = 6
            doc.sources = ["adc.fullScaleMicroAmps": "the export's suggestion for conv2"]
            let path = dir.file("my-chip.json")
            try Data(doc.jsonText.utf8).write(to: URL(fileURLWithPath: path))

            let spec = try ChipDocument.read(path: path).spec
            #expect(try Self.exactText(spec) == Self.exactText(doc.spec))
            var config = MappingConfig(spec: spec)
            config.monteCarloDraws = 2
            let image = try Mapper(config: config).map(try Fixtures.model(source: false), calibration: nil, creator: "test")
            #expect(image.tiles.count > 1)  // the odd geometry is really used
            let file = dir.file("my-chip.h5")
            try ChipImageFile.write(image, to: file)
            #expect(ChipImageFile.verify(path: file).isEmpty)
            let back = try ChipImageFile.read(path: file).spec
            #expect(back == spec)
            #expect(try Self.exactText(back) == Self.exactText(spec))
            #expect(back.device.gMinMicroSiemens.bitPattern == (0.1 + 0.2).bitPattern)
        }
    }
}
