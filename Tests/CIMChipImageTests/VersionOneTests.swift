import CIMChipImage
import CIMCore
import CIMMap
import CIMNetwork
import Foundation
import Testing

extension ChipImageTests {
    /// The v1 images CIMKit shipped before the layer graph (kept as fixtures) still verify and
    /// read; `exported/` holds the same images converted to v2.
    @Suite("schema v1 fixtures")
    struct VersionOne {
        static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
        static let names = ["lenet-wu2023-mp-inference", "lenet-wu2023-mp-soc"]

        @Test("a shipped v1 image verifies and reads; its v2 conversion in exported/ programs the same targets", arguments: 0..<2)
        func readsV1(index: Int) throws {
            let v1 = Self.root + "/Tests/Fixtures/chip-image-v1/\(Self.names[index]).h5"
            let v2 = Self.root + "/exported/\(Self.names[index]).h5"
            #expect(ChipImageFile.verify(path: v1).isEmpty)
            let old = try ChipImageFile.read(path: v1), new = try ChipImageFile.read(path: v2)
            #expect(try FileWalk.contents(of: v1)["/@format_version"] == "int64 1")
            #expect(try FileWalk.contents(of: v2)["/@format_version"] == "int64 2")
            #expect(old.architecture == new.architecture && old.architecture.inputs == nil)
            #expect(old.preprocessing == InputPreprocessing())
            #expect(old.layers == new.layers, "blocks, scales and biases")
            #expect(old.tiles == new.tiles, "target conductances and levels")
            #expect(old.source == new.source)
        }

        @Test("a v1 file that claims a v2 layer kind is refused")
        func v1WithGraphLayer() throws {
            let dir = TempDir("v1-graph")
            defer { dir.remove() }
            let path = dir.file("v1.h5")
            try ChipImageFile.write(Fixtures.graph, to: path)
            try Edit.attribute(path, "/", "format_version", 1)
            try ChipImageFile.seal(path: path)
            let problems = ChipImageFile.verify(path: path)
            #expect(problems.contains { $0.hasPrefix("/network/architecture_json: a layer graph (inputs) in a version 1 image") }, "\(problems)")
            #expect(throws: CIMError.self) { try ChipImageFile.read(path: path) }
        }
    }
}
