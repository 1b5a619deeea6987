import CHDF5
import CIMHDF5
import Foundation
import Testing

/// The isolated reader: what it copies, what it refuses by name, and how the parent survives a
/// child that crashes, hangs, floods or lies.
extension HDF5Tests {
    @Suite("Isolated snapshots")
    struct SnapshotTests {
        static let policy = HDF5SnapshotPolicy(allowedFilters: [.deflate], maxBytes: 1 << 24)

        /// A file with every attribute and dataset type CIMHDF5 writes, nested groups and a
        /// compressed chunked dataset.
        static func sample(_ path: String) throws {
            let f = try HDF5File.create(path: path)
            try f.root.setAttribute("format", "cimkit-test")
            try f.root.setAttribute("version", 7)
            try f.root.setAttribute("scale", 0.1)
            try f.root.setAttribute("dims", [3, -4, 5])
            try f.root.setAttribute("weights", [0.5, -1e-300, .infinity])
            let g = try f.root.createGroup("a/b")
            try g.createDataset("f32", shape: [2, 3], values: [Float(1), -0, .nan, 3.5, Float(bitPattern: 1), -7])
            try g.createDataset("u8", shape: [300], values: (0..<300).map { UInt8($0 % 256) }, chunk: [64], gzipLevel: 1)
            try f.root.createDataset("i64", shape: [], values: [Int64.min])
            try f.root.createDataset("empty", shape: [0, 4], values: [Double]())
            try f.close()
        }

        @Test("the isolated snapshot equals what libhdf5 reads in-process, bit for bit")
        func equalsInProcess() throws {
            let dir = TempDir("snap"); defer { dir.remove() }
            let path = dir.file("s.h5")
            try Self.sample(path)
            let snap = try HDF5Snapshot.read(path: path, policy: Self.policy)
            let f = try HDF5File.open(path: path)
            defer { try? f.close() }
            #expect(try snap.attributeNames() == f.root.attributeNames())
            #expect(try snap.childNames() == f.root.childNames())
            #expect(try snap.stringAttribute("format") == f.root.stringAttribute("format"))
            #expect(try snap.intAttribute("version") == 7 && snap.intArrayAttribute("dims") == [3, -4, 5])
            #expect(try snap.doubleArrayAttribute("weights").map(\.bitPattern) == f.root.doubleArrayAttribute("weights").map(\.bitPattern))
            #expect(try snap.doubleAttribute("scale") == 0.1)
            let f32 = try snap.openGroup("a").openDataset("b/f32")
            #expect(f32.shape == [2, 3] && f32.path == "/a/b/f32")
            #expect(try f32.read(as: Float.self).map(\.bitPattern) == f.root.readDataset("a/b/f32", as: Float.self).values.map(\.bitPattern))
            #expect(try snap.openDataset("a/b/u8").read(as: UInt8.self) == f.root.readDataset("a/b/u8", as: UInt8.self).values)
            #expect(try snap.openDataset("i64").read(as: Int64.self) == [Int64.min])
            #expect(try snap.openDataset("empty").shape == [0, 4])
            // the same type rules as an open file
            #expect(hdf5Error { _ = try f32.read(as: Double.self) }?.kind == .typeMismatch)
            #expect(hdf5Error { _ = try snap.intAttribute("scale") }?.kind == .typeMismatch)
            #expect(hdf5Error { _ = try snap.intAttribute("dims") }?.kind == .typeMismatch)
            #expect(hdf5Error { _ = try snap.doubleAttribute("version") }?.kind == .typeMismatch)
            #expect(hdf5Error { _ = try snap.openDataset("a") } != nil)
            #expect(try !snap.exists("a/c") && snap.isGroup("a/b") && snap.isDataset("a/b/f32") && !snap.isDataset("a"))
        }

        /// Creates `path` with raw libhdf5 calls made by `body(file)`, after `sample`'s content.
        static func crafted(_ path: String, _ body: (hid_t) -> Void) throws {
            try sample(path)
            let file = H5Fopen(path, cim_h5f_acc_rdwr(), cim_h5p_default())
            #expect(file >= 0)
            body(file)
            H5Fclose(file)
        }

        static func dataset(_ file: hid_t, _ name: String, dims: [hsize_t], dcpl: hid_t) -> herr_t {
            let space = H5Screate_simple(Int32(dims.count), dims, nil)
            defer { H5Sclose(space) }
            let d = H5Dcreate2(file, name, cim_h5t_native_float(), space, cim_h5p_default(), dcpl, cim_h5p_default())
            guard d >= 0 else { return -1 }
            return H5Dclose(d)
        }

        enum Attack: String, CaseIterable {
            case softLink, externalLink, externalStorage, virtualDataset, namedType, hardAlias, shuffle, hugeDataset, hugeChunk
        }

        @Test("links, external storage, VDS, named types, aliases, foreign filters and huge claims are refused by name",
              arguments: Attack.allCases)
        func attacks(_ attack: Attack) throws {
            let dir = TempDir("attack"); defer { dir.remove() }
            let path = dir.file("a.h5"), other = dir.file("other.h5")
            try Self.sample(other)
            try Self.crafted(path) { file in
                let dcpl = H5Pcreate(cim_h5p_dataset_create())
                defer { H5Pclose(dcpl) }
                var status: herr_t = 0
                switch attack {
                case .softLink: status = H5Lcreate_soft("/a/b/f32", file, "alias", cim_h5p_default(), cim_h5p_default())
                case .externalLink: status = H5Lcreate_external(other, "/a", file, "elsewhere", cim_h5p_default(), cim_h5p_default())
                case .externalStorage:
                    status = H5Pset_external(dcpl, "/etc/hostname", 0, 16)
                    if status >= 0 { status = Self.dataset(file, "raw", dims: [4], dcpl: dcpl) }
                case .virtualDataset:
                    let space = H5Screate_simple(1, [300], nil)
                    defer { H5Sclose(space) }
                    status = H5Pset_virtual(dcpl, space, other, "/a/b/u8", space)
                    if status >= 0 { status = Self.dataset(file, "vds", dims: [300], dcpl: dcpl) }
                case .namedType:
                    let t = H5Tcopy(cim_h5t_native_float())
                    status = H5Tcommit2(file, "float_type", t, cim_h5p_default(), cim_h5p_default(), cim_h5p_default())
                    H5Tclose(t)
                case .hardAlias: status = H5Lcreate_hard(file, "/a/b", file, "/a/b/again", cim_h5p_default(), cim_h5p_default())
                case .shuffle:
                    status = H5Pset_chunk(dcpl, 1, [4])
                    if status >= 0 { status = H5Pset_shuffle(dcpl) }
                    if status >= 0 { status = Self.dataset(file, "shuffled", dims: [8], dcpl: dcpl) }
                case .hugeDataset:
                    status = H5Pset_chunk(dcpl, 2, [1024, 1024])
                    if status >= 0 { status = Self.dataset(file, "huge", dims: [1 << 20, 1 << 20], dcpl: dcpl) }  // 4 TiB, no chunk written
                case .hugeChunk:
                    status = H5Pset_chunk(dcpl, 1, [1 << 28])
                    if status >= 0 { status = Self.dataset(file, "bigchunk", dims: [1 << 28], dcpl: dcpl) }
                }
                #expect(status >= 0, "crafting \(attack)")
            }
            let expected: [Attack: (object: String, text: String)] = [
                .softLink: ("/alias", "a soft link"), .externalLink: ("/elsewhere", "an external link"),
                .externalStorage: ("/raw", "external raw storage"), .virtualDataset: ("/vds", "a virtual dataset"),
                .namedType: ("/float_type", "a named datatype"), .hardAlias: ("/a/b/again", "reached twice"),
                .shuffle: ("/shuffled", "filter 2 ('shuffle'); this kind of file may use deflate"),
                .hugeDataset: ("/huge", "need more than 16777216 bytes"), .hugeChunk: ("/bigchunk", "more than 268435456 bytes each"),
            ]
            let error = hdf5Error { _ = try HDF5Snapshot.read(path: path, policy: Self.policy) }
            #expect(error?.kind == .invalidArgument)
            #expect(error?.object == expected[attack]!.object)
            #expect(error?.message.contains(expected[attack]!.text) == true, "\(String(describing: error))")
        }

        /// An executable shell script `body` in `dir`.
        /// Written through an `O_CLOEXEC` descriptor: a child that another test spawns meanwhile
        /// must not inherit the write end, or executing the script fails with ETXTBSY (errno 26).
        static func script(_ dir: TempDir, _ name: String, _ body: String) throws -> String {
            let path = dir.file(name)
            let bytes = Array(("#!/bin/sh\n" + body + "\n").utf8)
            let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o755)
            guard fd >= 0 else { throw CocoaError(.fileWriteUnknown) }
            let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress!, $0.count) }
            close(fd)
            guard written == bytes.count else { throw CocoaError(.fileWriteUnknown) }
            return path
        }

        @Test("a reader that crashes, hangs, floods or writes garbage is one error naming the file; the parent survives")
        func misbehavingChild() throws {
            let dir = TempDir("child"); defer { dir.remove() }
            let path = dir.file("s.h5")
            try Self.sample(path)
            var quick = Self.policy
            quick.timeoutSeconds = 1
            quick.maxBytes = 1 << 10
            let cases: [(String, String)] = [
                ("kill -SEGV $$", "crashed (signal 11, segmentation fault)"),
                ("kill -ABRT $$", "crashed (signal 6, abort)"),
                ("sleep 30", "did not finish in 1.0 s"),
                ("head -c 80000000 /dev/zero", "wrote more than"),
                ("printf 'CIMH5OK1\\001\\377\\377\\377\\377'", "malformed reader output"),
                ("printf 'hello'", "malformed reader output"),
                ("exit 9", "exited with status 9"),
            ]
            for (n, (body, text)) in cases.enumerated() {
                let exe = try Self.script(dir, "reader\(n).sh", body)
                let start = Date()
                let error = hdf5Error { _ = try HDF5Snapshot.read(path: path, policy: quick, executable: exe) }
                #expect(error?.description.hasPrefix(path + ": ") == true && error?.message.contains(text) == true,
                        "\(body): \(String(describing: error))")
                #expect(Date().timeIntervalSince(start) < 20, "\(body) was not stopped")
            }
        }

        @Test("the reader's stream decodes to the same tree; 3,000 random mutations of it never trap the decoder")
        func wireMutations() throws {
            let dir = TempDir("wire"); defer { dir.remove() }
            let path = dir.file("s.h5")
            try Self.sample(path)
            let good = try HDF5Snapshot.read(path: path, policy: Self.policy)
            let bytes = HDF5Snapshot.encoded(good)
            let again = try HDF5Snapshot.decode(bytes, file: path, policy: Self.policy)
            #expect(HDF5Snapshot.encoded(again) == bytes)
            #expect(try again.openDataset("a/b/u8").read(as: UInt8.self) == good.openDataset("a/b/u8").read(as: UInt8.self))
            var state: UInt64 = 0x9E37_79B9_7F4A_7C15
            func next() -> Int { state = state &* 6364136223846793005 &+ 1442695040888963407; return Int(state >> 33) }
            var refused = 0
            for _ in 0..<3000 {
                var m = bytes
                for _ in 0...(next() % 4) {
                    switch next() % 3 {
                    case 0: m[8 + next() % (m.count - 8)] = UInt8(truncatingIfNeeded: next())
                    case 1: m.removeLast(1 + next() % min(64, m.count - 9))
                    default: m.insert(UInt8(truncatingIfNeeded: next()), at: 8 + next() % (m.count - 8))
                    }
                }
                do { _ = try HDF5Snapshot.decode(m, file: path, policy: Self.policy) } catch { refused += 1 }
            }
            #expect(refused > 1000)
        }
    }
}
