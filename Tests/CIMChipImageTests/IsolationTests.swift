import CHDF5
import CIMChipImage
import CIMCore
import CIMHDF5
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
    }
}
