import CIMHDF5
import Foundation
import Testing

extension HDF5Tests {
    @Suite("groups and attributes")
    struct GroupAndAttributeTests {
        @Test("nested groups, paths, childNames in name order, isGroup/isDataset")
        func groups() throws {
            let dir = TempDir("groups")
            defer { dir.remove() }
            let path = dir.file("g.h5")
            let file = try HDF5File.create(path: path)
            let chip = try file.root.createGroup("chip")
            let tiles = try chip.createGroup("tiles")
            #expect(tiles.path == "/chip/tiles")
            try tiles.createDataset("t1", shape: [2], values: [Float(1), 2])
            try tiles.createDataset("t0", shape: [1], values: [UInt8(7)])
            try tiles.createGroup("b")
            try file.root.createGroup("deep/er/est")
            try file.close()

            let reopened = try HDF5File.open(path: path)
            let root = reopened.root
            let top: [String] = try root.childNames()
            #expect(top == ["chip", "deep"])
            let children: [String] = try root.openGroup("chip/tiles").childNames()
            #expect(children == ["b", "t0", "t1"])
            let deep: [String] = try root.openGroup("/deep/er").childNames()
            #expect(deep == ["est"])
            let checks: [Bool] = [
                try root.exists("chip/tiles/t1"), try root.exists("chip/tiles/zz"), try root.exists("nope/x"),
                try root.exists("chip/tiles/t1/x"), try root.isGroup("chip"), try root.isGroup("chip/tiles/t1"),
                try root.isDataset("chip/tiles/t1"), try root.isDataset("chip"), try root.isDataset("missing"),
            ]
            #expect(checks == [true, false, false, false, true, false, true, false, false])
            let reopenedTiles = try root.openGroup("chip").openGroup("tiles")
            let read: [UInt8] = try reopenedTiles.readDataset("t0").values
            #expect(read == [7])
        }

        @Test("attributes of every kind round trip on groups and datasets")
        func attributes() throws {
            let dir = TempDir("attrs")
            defer { dir.remove() }
            let path = dir.file("a.h5")
            let file = try HDF5File.create(path: path)
            let group = try file.root.createGroup("meta")
            try group.setAttribute("count", Int.max)
            try group.setAttribute("negative", Int.min)
            try group.setAttribute("scale", -0.0)
            try group.setAttribute("nan", Double(bitPattern: 0x7FF8_0000_0000_0123))
            try group.setAttribute("name", "conductance µS ✓")
            try group.setAttribute("empty", "")
            try group.setAttribute("dims", [3, -4, 5])
            try group.setAttribute("levels", [0.5, 1e-300, -2.25])
            try group.setAttribute("none", [Double]())
            let dataset = try group.createDataset("w", shape: [2], values: [Int32(1), 2])
            try dataset.setAttribute("units", "uS")
            try dataset.setAttribute("bits", 4)
            try dataset.setAttribute("bits", "four")  // replaces the int attribute
            try file.close()

            let reopened = try HDF5File.open(path: path)
            let meta = try reopened.root.openGroup("meta")
            let names: [String] = try meta.attributeNames()
            #expect(names == ["count", "dims", "empty", "levels", "name", "nan", "negative", "none", "scale"])
            let ints: [Int] = [try meta.intAttribute("count"), try meta.intAttribute("negative")]
            #expect(ints == [Int.max, Int.min])
            let scale: Double = try meta.doubleAttribute("scale")
            #expect(scale.bitPattern == (-0.0 as Double).bitPattern)
            let nan: Double = try meta.doubleAttribute("nan")
            #expect(nan.bitPattern == 0x7FF8_0000_0000_0123)
            let strings: [String] = [try meta.stringAttribute("name"), try meta.stringAttribute("empty")]
            #expect(strings == ["conductance µS ✓", ""])
            let dims: [Int] = try meta.intArrayAttribute("dims")
            #expect(dims == [3, -4, 5])
            let levels: [Double] = try meta.doubleArrayAttribute("levels")
            #expect(levels == [0.5, 1e-300, -2.25])
            let none: [Double] = try meta.doubleArrayAttribute("none")
            #expect(none.isEmpty)
            let single: [Int] = try meta.intArrayAttribute("count")
            #expect(single == [Int.max])
            let types: [HDF5DataType] = [try meta.attributeType("count"), try meta.attributeType("levels"),
                                         try meta.attributeType("name")]
            #expect(types == [.int64, .float64, .string])
            let w = try meta.openDataset("w")
            let units: String = try w.stringAttribute("units")
            #expect(units == "uS")
            let bits: String = try w.stringAttribute("bits")
            #expect(bits == "four")
            let has: [Bool] = [try w.hasAttribute("units"), try w.hasAttribute("scale")]
            #expect(has == [true, false])
        }

        @Test("deleting an attribute; using handles after close throws .closed")
        func deleteAndClose() throws {
            let dir = TempDir("close")
            defer { dir.remove() }
            let file = try HDF5File.create(path: dir.file("c.h5"))
            let group = try file.root.createGroup("g")
            try group.setAttribute("x", 1.5)
            try group.deleteAttribute("x")
            let has: Bool = try group.hasAttribute("x")
            #expect(!has)
            try file.close()
            try file.close()
            #expect(!group.isOpen)
            let closed = hdf5Error { _ = try group.childNames() }
            #expect(closed?.kind == .closed)
            let closedRoot = hdf5Error { try file.root.createGroup("h") }
            #expect(closedRoot?.kind == .closed)
        }
    }
}
