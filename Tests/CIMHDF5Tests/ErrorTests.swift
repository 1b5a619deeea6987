import CIMHDF5
import Foundation
import Testing

extension HDF5Tests {
    @Suite("errors")
    struct ErrorTests {
        /// A small valid file with a dataset `/g/d` (float32 [4]) and attributes on `/g`.
        func sampleFile(_ dir: TempDir) throws -> String {
            let path = dir.file("sample.h5")
            let file = try HDF5File.create(path: path)
            let group = try file.root.createGroup("g")
            try group.createDataset("d", shape: [4], values: [Float(1), 2, 3, 4])
            try group.createDataset("u", shape: [2], values: [UInt8(1), 2])
            try group.setAttribute("i", 3)
            try group.setAttribute("f", 2.5)
            try group.setAttribute("s", "text")
            try group.setAttribute("a", [1, 2])
            try file.close()
            return path
        }

        @Test("reading a dataset or attribute as the wrong type throws .typeMismatch")
        func wrongType() throws {
            let dir = TempDir("wrongtype")
            defer { dir.remove() }
            let file = try HDF5File.open(path: try sampleFile(dir))
            let group = try file.root.openGroup("g")
            let asDouble = hdf5Error { _ = try group.readDataset("d", as: Double.self) }
            #expect(asDouble?.kind == .typeMismatch)
            #expect(asDouble?.message == "stored as float32, read as float64 (Double)")
            let asInt8 = hdf5Error { _ = try group.readDataset("u", as: Int8.self) }
            #expect(asInt8?.kind == .typeMismatch)
            let errors: [HDF5Error?] = [
                hdf5Error { _ = try group.doubleAttribute("i") },
                hdf5Error { _ = try group.intAttribute("f") },
                hdf5Error { _ = try group.intAttribute("s") },
                hdf5Error { _ = try group.stringAttribute("i") },
                hdf5Error { _ = try group.intAttribute("a") },
                hdf5Error { _ = try group.doubleArrayAttribute("a") },
            ]
            let kinds: [HDF5Error.Kind?] = errors.map { $0?.kind }
            #expect(kinds == [HDF5Error.Kind?](repeating: .typeMismatch, count: 6))
        }

        @Test("a missing dataset, group or attribute throws with the file and object path")
        func missing() throws {
            let dir = TempDir("missing")
            defer { dir.remove() }
            let path = try sampleFile(dir)
            let file = try HDF5File.open(path: path)
            let group = try file.root.openGroup("g")
            let dataset = try #require(hdf5Error { _ = try group.readDataset("nope", as: Float.self) })
            #expect(dataset.kind == .library)
            #expect(dataset.object == "/g/nope")
            #expect(dataset.description.hasPrefix(path + "/g/nope: open dataset: "), "\(dataset)")
            let missingGroup = try #require(hdf5Error { _ = try file.root.openGroup("x/y") })
            #expect(missingGroup.description.contains(path + "/x/y"), "\(missingGroup)")
            let attribute = try #require(hdf5Error { _ = try group.intAttribute("missing") })
            #expect(attribute.description.contains("\"missing\""), "\(attribute)")
        }

        @Test("a missing, empty, random-bytes or truncated file throws a clean error")
        func badFiles() throws {
            let dir = TempDir("badfiles")
            defer { dir.remove() }
            let missing = try #require(hdf5Error { _ = try HDF5File.open(path: dir.file("absent.h5")) })
            #expect(missing.kind == .library)
            #expect(missing.description.hasPrefix(dir.file("absent.h5") + ": open file: "), "\(missing)")

            let empty = dir.file("empty.h5")
            _ = FileManager.default.createFile(atPath: empty, contents: Data())
            #expect(hdf5Error { _ = try HDF5File.open(path: empty) }?.kind == .library)

            var rng = SystemRandomNumberGenerator()
            let random = dir.file("random.h5")
            _ = FileManager.default.createFile(atPath: random, contents: Data((0..<4096).map { _ in UInt8.random(in: 0...255, using: &rng) }))
            let randomError = try #require(hdf5Error { _ = try HDF5File.open(path: random) })
            #expect(randomError.message.contains("signature"), "\(randomError)")

            let valid = try sampleFile(dir)
            let bytes = try Data(contentsOf: URL(fileURLWithPath: valid))
            let truncated = dir.file("truncated.h5")
            _ = FileManager.default.createFile(atPath: truncated, contents: bytes.prefix(bytes.count / 2))
            let truncatedError = hdf5Error {
                let file = try HDF5File.open(path: truncated)
                _ = try file.root.openGroup("g").readDataset("d", as: Float.self)
                _ = try file.root.openGroup("g").readDataset("u", as: UInt8.self)
            }
            #expect(truncatedError?.kind == .library, "\(String(describing: truncatedError))")
        }

        @Test("h5dump reads the files: header lists groups, datasets and attributes",
              .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/h5dump")))
        func h5dump() throws {
            let dir = TempDir("h5dump")
            defer { dir.remove() }
            let path = try sampleFile(dir)
            let header = try run("/usr/bin/h5dump", ["-H", path])
            #expect(header.status == 0)
            for name in ["GROUP \"g\"", "DATASET \"d\"", "DATASET \"u\"", "H5T_IEEE_F32LE", "H5T_STD_U8LE",
                         "ATTRIBUTE \"s\"", "H5T_CSET_UTF8"] {
                #expect(header.output.contains(name), "\(name) missing from h5dump -H")
            }
            let full = try run("/usr/bin/h5dump", ["-d", "/g/d", "-a", "/g/s", path])
            #expect(full.status == 0)
            #expect(full.output.contains("1, 2, 3, 4"))
            #expect(full.output.contains("\"text\""))
        }

        @Test("the library is found and its version reported")
        func library() {
            let version = HDF5Library.version
            #expect(version.hasPrefix("1."))
            _ = HDF5Library.isThreadSafe
        }
    }
}
