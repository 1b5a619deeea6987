import CIMCrossbar

/// Partitions layers into tile blocks and packs the blocks onto tiles.
///
/// Each layer's `[rows, columns]` matrix is cut into blocks of at most `tileRows` rows and
/// `tileColumns/2` columns (weight pairs). Blocks are packed largest-first onto shelves
/// (horizontal bands of a tile): a block goes onto the first shelf of the first tile where it
/// fits, else opens a new shelf, else a new tile. Blocks on one tile never share a device, and
/// the chip runs them one at a time.
///
/// With a ``DefectMap``, every feasible position (each tile's shelves and a new shelf, or a new
/// tile while the chip has tiles left; tiles the map does not list count as free of defects) is scored by the stuck devices the block would cover whose stuck value differs from
/// its target; the cheapest wins (ties: first fit). Then the block's rows are permuted over
/// its physical rows so that rows with stuck devices get the weights those devices disagree
/// with least (greedy).
struct Placer {
    let spec: ChipSpec
    let defects: DefectMap?

    struct Item {
        var layer: Int                  // position in the layer list
        var block: TileBlock
    }

    private struct Shelf { var y: Int, height: Int, used: Int }
    private struct TileState { var shelves: [Shelf] = [], nextY = 0 }

    /// Conflicts of block row `r` sitting on physical row `p`, given the block's targets.
    typealias Conflict = (_ item: Item, _ blockRow: Int, _ tile: Int, _ physicalRow: Int, _ pairStart: Int) -> Int

    /// Blocks of every layer (`shapes[i] = (rows, columns, groups)`; a grouped layer's groups
    /// are cut separately, so no block spans two groups), placed.
    func place(_ shapes: [(rows: Int, columns: Int, groups: Int)], conflict: Conflict) -> (blocks: [[TileBlock]], tiles: Int) {
        let br = spec.tileRows, bc = spec.weightColumns
        var items: [Item] = []
        for (l, s) in shapes.enumerated() {
            let width = s.columns / s.groups
            for j in 0..<s.groups {
                let end = (j + 1) * width
                for r0 in stride(from: 0, to: s.rows, by: br) {
                    for c0 in stride(from: j * width, to: end, by: bc) {
                        items.append(Item(layer: l, block: TileBlock(tile: 0, rowStart: r0, columnStart: c0, rows: min(br, s.rows - r0),
                                                                     columns: min(bc, end - c0), tileRow: 0, tileColumn: 0)))
                    }
                }
            }
        }
        let order = items.indices.sorted {
            let a = items[$0].block, b = items[$1].block
            return a.rows != b.rows ? a.rows > b.rows : (a.columns != b.columns ? a.columns > b.columns : $0 < $1)
        }
        var tiles: [TileState] = []
        for i in order {
            var item = items[i]
            let (h, w) = (item.block.rows, item.block.columns)
            // candidate positions: (tile, shelf index or -1 for a new shelf)
            var candidates: [(tile: Int, shelf: Int, y: Int, x: Int)] = []
            for (t, state) in tiles.enumerated() {
                for (s, shelf) in state.shelves.enumerated() where shelf.height >= h && shelf.used + w <= bc {
                    candidates.append((t, s, shelf.y, shelf.used))
                }
                if state.nextY + h <= br { candidates.append((t, -1, state.nextY, 0)) }
            }
            // a new tile; with a defect map on a chip of limited size, only while tiles remain
            if defects == nil || spec.tileCount.map({ tiles.count < $0 }) ?? true || candidates.isEmpty {
                candidates.append((tiles.count, -1, 0, 0))
            }
            var best = candidates.firstIndex { _ in true }!
            if defects != nil {
                var bestCost = Int.max
                for (k, c) in candidates.enumerated() {
                    item.block.tile = c.tile
                    let cost = (0..<h).reduce(0) { $0 + conflict(item, $1, c.tile, c.y + $1, c.x) }
                    if cost < bestCost { bestCost = cost; best = k }
                    if cost == 0 { break }
                }
            }
            let c = candidates[best]
            if c.tile == tiles.count { tiles.append(TileState()) }
            if c.shelf >= 0 {
                tiles[c.tile].shelves[c.shelf].used += w
            } else {
                tiles[c.tile].shelves.append(Shelf(y: c.y, height: h, used: w))
                tiles[c.tile].nextY = c.y + h
            }
            item.block.tile = c.tile
            item.block.tileRow = c.y
            item.block.tileColumn = c.x
            item.block.rowMap = defects == nil ? Array(c.y..<(c.y + h)) : permuteRows(item, conflict: conflict)
            items[i] = item
        }
        var out = [[TileBlock]](repeating: [], count: shapes.count)
        for item in items { out[item.layer].append(item.block) }
        return (out, tiles.count)
    }

    /// Greedy row permutation within the block's physical rows: the physical rows with the most
    /// stuck devices pick first, each taking the free block row that conflicts least there.
    private func permuteRows(_ item: Item, conflict: Conflict) -> [Int] {
        let b = item.block
        let physical = Array(b.tileRow..<(b.tileRow + b.rows))
        let stuckCount = physical.map { p in (0..<b.rows).map { conflict(item, $0, b.tile, p, b.tileColumn) }.max() ?? 0 }
        var map = [Int](repeating: -1, count: b.rows)
        var free = Set(0..<b.rows)
        for p in physical.indices.sorted(by: { stuckCount[$0] > stuckCount[$1] || (stuckCount[$0] == stuckCount[$1] && $0 < $1) }) {
            let r = free.min { (conflict(item, $0, b.tile, physical[p], b.tileColumn), $0) < (conflict(item, $1, b.tile, physical[p], b.tileColumn), $1) }!
            map[r] = physical[p]
            free.remove(r)
        }
        return map
    }
}
