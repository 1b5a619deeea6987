import CHDF5
import CIMChipImage
import CIMCore
import CIMHDF5
import CIMMap
import CIMNetwork
import Foundation
import Testing

/// Re-sealed images with HDF5 features the schema never uses: the seal passes, the isolated
/// reader refuses them by name, and `read` throws one line.
extension ChipImageTests {
    @Suite("Isolated reading of foreign images")
    struct IsolationTests {
        enum Feature: String, CaseIterable { case externalLink, softLink, externalStorage, shuffledDataset }

        @Test("a re-sealed image with a link, external storage or a foreign filter is refused by name", arguments: Feature.allCases)
        func refused(_ feature: Feature) throws {
            let dir = TempDir("isolation"); defer { dir.remove() }
            let path = dir.file("chip.h5"), other = dir.file("other.h5")
            try ChipImageFile.write(Fixtures.inference, to: path)
            try ChipImageFile.write(Fixtures.inference, to: other)
            #expect(ChipImageFile.verify(path: path).isEmpty)
            _ = HDF5Library.version
            let file = H5Fopen(path, cim_h5f_acc_rdwr(), cim_h5p_default())
            #expect(file >= 0)
            let dcpl = H5Pcreate(cim_h5p_dataset_create())
            var status: herr_t = -1
            switch feature {
            case .externalLink: status = H5Lcreate_external(other, "/tiles", file, "/network/extra", cim_h5p_default(), cim_h5p_default())
            case .softLink: status = H5Lcreate_soft("/tiles/g_plus", file, "/tiles/alias", cim_h5p_default(), cim_h5p_default())
            case .externalStorage, .shuffledDataset:
                if feature == .externalStorage {
                    status = H5Pset_external(dcpl, "/etc/passwd", 0, 64)
                } else {
                    status = H5Pset_chunk(dcpl, 1, [4])
                    if status >= 0 { status = H5Pset_shuffle(dcpl) }
                }
                let space = H5Screate_simple(1, [16], nil)
                let d = H5Dcreate2(file, "/chip/extra", cim_h5t_native_float(), space, cim_h5p_default(), dcpl, cim_h5p_default())
                if status >= 0 { status = d >= 0 ? H5Dclose(d) : -1 }
                H5Sclose(space)
            }
            H5Pclose(dcpl)
            H5Fclose(file)
            #expect(status >= 0, "crafting \(feature)")
            try ChipImageFile.seal(path: path)
            let expected: [Feature: String] = [
                .externalLink: "/network/extra: an external link to another file; CIMKit files hold no links",
                .softLink: "/tiles/alias: a soft link; CIMKit files hold no links",
                .externalStorage: "/chip/extra: external raw storage (1 files outside this one); refused",
                .shuffledDataset: "/chip/extra: filter 2 ('shuffle'); this kind of file may use deflate",
            ]
            #expect(ChipImageFile.verify(path: path) == [expected[feature]!])
            #expect { _ = try ChipImageFile.read(path: path) } throws: { "\($0)" == "\(path): \(expected[feature]!)" }
        }

        @Test("property: an image verify accepts is usable; 150 re-sealed random mutations of a graph image each end in problems or a working chip")
        func verifiedMeansUsable() throws {
            let dir = TempDir("property"); defer { dir.remove() }
            let path = dir.file("chip.h5")
            try ChipImageFile.write(Fixtures.graph, to: path)
            let original = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
            var rng = SeededBits(seed: 11)
            var accepted = 0, refused = 0
            for n in 0..<150 {
                var bytes = original
                for _ in 0...rng.next(below: 4) {
                    let at = 512 + rng.next(below: bytes.count - 512)
                    bytes[at] = rng.next(below: 2) == 0 ? bytes[at] ^ UInt8(1 << rng.next(below: 8)) : UInt8(rng.next(below: 256))
                }
                try Data(bytes).write(to: URL(fileURLWithPath: path))
                try ChipImageFile.seal(path: path)
                let problems = ChipImageFile.verify(path: path)
                #expect(problems.allSatisfy { $0.hasPrefix("/") && !$0.contains("\n") }, "mutation \(n): \(problems)")
                guard problems.isEmpty else { refused += 1; continue }
                accepted += 1
                let image = try ChipImageFile.read(path: path)
                var engine = try image.engine(noise: nil)
                var network = try image.quantizedNetwork()
                let x = GraphModel.inputs(2, seed: UInt64(n))
                let logits = network.forward(x, training: false, engine: &engine)
                #expect(logits.shape == [2, 10], "mutation \(n)")
            }
            #expect(accepted + refused == 150 && refused > 50)
        }
    }
}
