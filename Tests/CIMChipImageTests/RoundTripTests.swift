import CIMChipImage
import CIMCore
import CIMHDF5
import CIMMap
import Foundation
import Testing

extension ChipImageTests {
    @Suite("round trip")
    struct RoundTrip {
        static let images: [(String, ChipImage)] = [("wu2023-inference", Fixtures.inference), ("wu2023-soc", Fixtures.soc),
                                                     ("on-chip source", Fixtures.onChip), ("layer graph", Fixtures.graph)]

        @Test("write → read gives an equal image, and a second write gives the same datasets and attributes",
              arguments: 0..<4)
        func roundTrip(index: Int) throws {
            let (name, image) = Self.images[index]
            let dir = TempDir("roundtrip")
            defer { dir.remove() }
            let first = dir.file("first.h5"), second = dir.file("second.h5")
            try ChipImageFile.write(image, to: first)
            let problems: [String] = ChipImageFile.verify(path: first)
            #expect(problems.isEmpty, "\(name): \(problems)")
            let back = try ChipImageFile.read(path: first)
            let equal: Bool = back == image
            #expect(equal, "\(name): the image read back differs")
            let hasSource: Bool = back.source != nil
            let wantsSource: Bool = image.source != nil
            #expect(hasSource == wantsSource)
            try ChipImageFile.write(back, to: second)
            let a = try FileWalk.contents(of: first), b = try FileWalk.contents(of: second)
            let keysA: [String] = a.keys.sorted(), keysB: [String] = b.keys.sorted()
            #expect(keysA == keysB, "\(name): the files hold different objects")
            let differing: [String] = keysA.filter { a[$0] != b[$0] }
            #expect(differing.isEmpty, "\(name): differ: \(differing)")
            let count: Int = a.count
            #expect(count > 40, "\(name): only \(count) objects walked")
            // the walk saw the checksummed datasets and the timestamp
            let walkedGPlus: Bool = a["/tiles/g_plus"] != nil
            let walkedTime: Bool = a["/@created_utc"] != nil
            #expect(walkedGPlus && walkedTime)
            // no temporary file left next to the images
            let left: [String] = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
            #expect(left == ["first.h5", "second.h5"])
        }

        @Test("an on-chip image carries its source conductances bit for bit")
        func sourceBits() throws {
            let dir = TempDir("source")
            defer { dir.remove() }
            let path = dir.file("src.h5")
            try ChipImageFile.write(Fixtures.onChip, to: path)
            let back = try ChipImageFile.read(path: path)
            for (i, layer) in Fixtures.onChip.source!.layers {
                let read: [UInt32] = back.source?.layers[i]?.gPlus.map(\.bitPattern) ?? []
                let want: [UInt32] = layer.gPlus.map(\.bitPattern)
                #expect(read == want, "layer \(i)")
            }
        }

        @Test("h5dump opens every image", arguments: 0..<4)
        func h5dump(index: Int) throws {
            let tool = "/usr/bin/h5dump"
            guard FileManager.default.isExecutableFile(atPath: tool) else { return }
            let dir = TempDir("h5dump")
            defer { dir.remove() }
            let path = dir.file("image.h5")
            try ChipImageFile.write(Self.images[index].1, to: path)
            let p = Process()
            p.executableURL = URL(fileURLWithPath: tool)
            p.arguments = [path]
            p.standardOutput = FileHandle.nullDevice
            let err = Pipe()
            p.standardError = err
            try p.run()
            let e = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            p.waitUntilExit()
            let status: Int32 = p.terminationStatus
            #expect(status == 0, "h5dump: \(e)")
        }
    }
}
