import CIMCore
import Foundation
import CIMCrossbar
import CIMMap
import CIMNetwork
import Testing

@Suite("Defect-aware placement")
struct DefectPlacementTests {
    /// A random defect map: `rate` of the devices of `tiles` tiles stuck, half low, half high.
    func defects(_ spec: ChipSpec, tiles: Int, rate: Double, seed: UInt64) -> DefectMap {
        var rng = RandomGenerator(seed: seed)
        return DefectMap(tiles: (0..<tiles).map { t in
            var cells: [DefectMap.Cell] = []
            for r in 0..<spec.tileRows {
                for c in 0..<spec.tileColumns where rng.nextDouble() < rate {
                    cells.append(.init(row: r, column: c, state: rng.nextDouble() < 0.5 ? .low : .high))
                }
            }
            return DefectMap.Tile(tile: t, stuck: cells)
        })
    }

    /// Stuck devices under a placed weight whose target they disagree with, counted from the
    /// image itself (unused pairs are never driven or read).
    func conflicts(_ image: ChipImage, _ map: DefectMap) -> Int {
        let s = image.spec, pairs = s.weightColumns
        var used = Set<Int>()
        for l in image.layers {
            for b in l.blocks { for r in 0..<b.rows { for c in 0..<b.columns { used.insert((b.tile * s.tileRows + b.rowMap[r]) * pairs + b.tileColumn + c) } } }
        }
        var n = 0
        for t in map.tiles where t.tile < image.tiles.count {
            for c in t.stuck where used.contains((t.tile * s.tileRows + c.row) * pairs + c.column / 2) {
                let k = c.row * pairs + c.column / 2
                let target = c.column % 2 == 0 ? image.tiles[t.tile].gPlus[k] : image.tiles[t.tile].gMinus[k]
                let forced = Float(c.state == .low ? s.device.gMinMicroSiemens : s.device.gMaxMicroSiemens)
                if target != forced { n += 1 }
            }
        }
        return n
    }

    @Test("placement that sees the defect map leaves measurably fewer conflicts than naive placement")
    func avoidsStuckCells() throws {
        let arch = ModelPreset.lenetWu2023.architecture
        let model = TrainedModel(network: try Network(architecture: arch, seed: 3))
        let spec = ChipPreset.wu2023SoC.spec  // 4 physical tiles, all in the defect map
        let map = defects(spec, tiles: 4, rate: 0.02, seed: 4)
        let naive = try Mapper(config: MappingConfig(spec: spec)).map(model, calibration: nil, creator: "test")
        let aware = try Mapper(config: MappingConfig(spec: spec)).map(model, calibration: nil, defects: map, creator: "test")
        let before = conflicts(naive, map), after = conflicts(aware, map)
        print("defect-aware placement: \(after) conflicts, naive: \(before)")
        #expect(before > 20, "the naive placement must meet defects (\(before))")
        #expect(after * 2 < before, "defect-aware \(after) vs naive \(before)")
        let reported = aware.report.layers.compactMap(\.defectConflicts).reduce(0, +)
        #expect(reported == after, "the report's count \(reported) matches the image's \(after)")
        // the quantised model is the same network either way
        let a = try naive.quantizedNetwork().parameters, b = try aware.quantizedNetwork().parameters
        #expect(a == b)
    }

    @Test("a defect map naming a tile the chip does not have, or a cell outside a tile, is refused")
    func badMaps() throws {
        let path = FileManager.default.temporaryDirectory.path + "/cimkit-defects-\(UUID().uuidString).json"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let spec = ChipPreset.wu2023SoC.spec
        try Data(#"{"tiles": [{"tile": 4, "stuck": [{"row": 0, "column": 0, "state": "low"}]}]}"#.utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: CIMError.self) { try DefectMap.read(path: path, tileRows: 64, tileColumns: 64, tileCount: spec.tileCount) }
        try Data(#"{"tiles": [{"tile": 0, "stuck": [{"row": 64, "column": 0, "state": "low"}]}]}"#.utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: CIMError.self) { try DefectMap.read(path: path, tileRows: 64, tileColumns: 64, tileCount: spec.tileCount) }
        try Data(#"{"tiles": [{"tile": 3, "stuck": [{"row": 63, "column": 63, "state": "high"}]}]}"#.utf8).write(to: URL(fileURLWithPath: path))
        let ok = try DefectMap.read(path: path, tileRows: 64, tileColumns: 64, tileCount: spec.tileCount)
        #expect(ok.tiles.count == 1)
    }
}
