import CIMCore
import Foundation

/// Stuck devices of a physical chip, per tile, read from a JSON file:
///
///     {"tiles": [{"tile": 0, "stuck": [{"row": 3, "column": 10, "state": "low"}, …]}, …]}
///
/// `column` is the device column (G⁺ of pair j is column 2j, G⁻ is 2j+1); `state` is `low`
/// (stuck at gMin) or `high` (stuck at gMax).
public struct DefectMap: Codable, Sendable, Equatable {
    public struct Cell: Codable, Sendable, Equatable {
        public var row: Int
        public var column: Int
        public var state: State
        public init(row: Int, column: Int, state: State) {
            self.row = row
            self.column = column
            self.state = state
        }
    }
    public enum State: String, Codable, Sendable { case low, high }
    public struct Tile: Codable, Sendable, Equatable {
        public var tile: Int
        public var stuck: [Cell]
        public init(tile: Int, stuck: [Cell]) {
            self.tile = tile
            self.stuck = stuck
        }
    }
    public var tiles: [Tile]

    public init(tiles: [Tile]) { self.tiles = tiles }

    /// Stuck cells of tile `t`, keyed by `row · columns + column`.
    func cells(tile t: Int, columns: Int) -> [Int: State] {
        var out: [Int: State] = [:]
        for tile in tiles where tile.tile == t { for c in tile.stuck { out[c.row * columns + c.column] = c.state } }
        return out
    }

    /// Reads and checks a defect map against a tile geometry; errors name the file and entry.
    public static func read(path: String, tileRows: Int, tileColumns: Int, tileCount: Int? = nil) throws(CIMError) -> DefectMap {
        guard let data = FileManager.default.contents(atPath: path) else { throw .io(path: path, reason: "cannot read file") }
        let map: DefectMap
        do {
            map = try JSONDecoder().decode(DefectMap.self, from: data)
        } catch {
            throw .format(path: path, reason: "not a defect map (\(error.localizedDescription)); expected {\"tiles\": [{\"tile\", \"stuck\": [{\"row\", \"column\", \"state\": \"low\"|\"high\"}]}]}")
        }
        for t in map.tiles {
            guard t.tile >= 0 else { throw .format(path: path, reason: "tile \(t.tile) is negative") }
            if let n = tileCount, t.tile >= n {
                throw .format(path: path, reason: "tile \(t.tile) does not exist on a chip of \(n) tiles (tiles are numbered from 0)")
            }
            for c in t.stuck where !(0..<tileRows).contains(c.row) || !(0..<tileColumns).contains(c.column) {
                throw .format(path: path, reason: "tile \(t.tile): cell (\(c.row), \(c.column)) is outside the \(tileRows)×\(tileColumns) tile")
            }
        }
        return map
    }
}
