import CIMCore
import CIMData
import Foundation
import Testing

@Suite("NumPy .npz archives")
struct NPZTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/datasets").path

    /// Arrays for a small valid dataset: 3 images of 2×2×1, labels 0, 1, 2.
    static let arrays: [(String, [UInt8])] = [
        ("x_test", NPZWriter.npy(descr: "|u1", shape: [3, 2, 2], payload: Array(0..<12))),
        ("y_test", NPZWriter.npy(descr: "<i8", shape: [3], payload: NPZWriter.le([Int64(0), 1, 2]))),
    ]

    /// Reads the test split of `bytes` written as `name` in a fresh directory.
    func load(_ bytes: [UInt8], name: String = "d.npz", limits: DatasetFileLimits = .default) throws -> ImageDataset {
        let dir = tempDir("npz-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try NPZWriter.write(bytes, to: dir + "/" + name)
        return try DatasetFile.loadSplit(path: dir + "/" + name, images: "x_test", labels: "y_test", limits: limits)
    }

    /// The one-line error `bytes` give, or nil.
    func failure(_ bytes: [UInt8], limits: DatasetFileLimits = .default) -> String? {
        do {
            _ = try load(bytes, limits: limits)
            return nil
        } catch {
            return "\(error)"
        }
    }

    @Test("stored and deflate members, and data descriptors, read the same", arguments: [0, 8])
    func methods(method: Int) throws {
        let d = try load(NPZWriter.npz(Self.arrays, method: method))
        #expect(d.count == 3 && d.inputShape == [2, 2, 1] && d.pixels == Array(0..<12) && d.labels == [0, 1, 2] && d.classes == 3)
        let described = NPZWriter.zip(Self.arrays.map { NPZWriter.Member(name: $0.0 + ".npy", data: $0.1, method: method, flags: 8) })
        #expect(try load(described).pixels == Array(0..<12))
    }

    @Test("ZIP64: the end record, its locator and the extra fields of the central directory", arguments: [0, 8])
    func zip64(method: Int) throws {
        let bytes = NPZWriter.npz(Self.arrays, method: method, zip64: true)
        let d = try load(bytes)
        #expect(d.pixels == Array(0..<12) && d.labels == [0, 1, 2])
        for n in stride(from: bytes.count - 120, to: bytes.count, by: 1) {
            #expect(failure(Array(bytes.prefix(n))) != nil, "prefix \(n) accepted")
        }
        var multi = bytes
        multi[multi.count - 22 - 4] = 2  // the locator's total number of disks
        #expect(failure(multi)?.contains("multi-volume ZIP archives are not supported") == true)
    }

    @Test("NumPy's own files: np.savez_compressed (deflate, ZIP64 local headers) and np.savez (stored)")
    func numpyFixtures() throws {
        let rgb = try DatasetFile.load(path: Self.fixtures + "/rgb16.npz")
        #expect(rgb.train.count == 24 && rgb.test.count == 12 && rgb.train.inputShape == [16, 16, 3])
        #expect(rgb.checksums.keys.sorted() == ["rgb16.npz"] && rgb.checksums["rgb16.npz"]?.count == 64)
        var expected: [UInt8] = []
        for i in 100..<112 { for h in 0..<16 { for w in 0..<16 { for c in 0..<3 { expected.append(UInt8((7 * i + 3 * h + 5 * w + 11 * c) % 256)) } } } }
        #expect(rgb.test.pixels == expected)
        #expect(rgb.test.labels == (100..<112).map { UInt8(3 * $0 % 10) } && rgb.train.labels == (0..<24).map { UInt8(3 * $0 % 10) })
        #expect(rgb.train.classes == 10 && rgb.test.classes == 10)
        let small = try DatasetFile.loadSplit(path: Self.fixtures + "/small_stored.npz", images: "x_test", labels: "y_test",
                                              options: { var o = DatasetFileOptions(); o.layout = .nchw; return o }())
        #expect(small.inputShape == [4, 4, 3] && small.labels == [4, 0, 3, 1, 2])
        let (x, _) = small.batch(indices: [2])
        // NHWC element (h, w, c) of image 2 is NCHW (2, c, h, w) = (48·2 + 16c + 4h + w) / 8 − 10
        #expect(x.data[(1 * 4 + 3) * 3 + 2] == Float(96 + 32 + 4 + 3) / 8 - 10)
    }

    @Test("a file truncated at any length is one error line, never a crash")
    func truncated() throws {
        for method in [0, 8] {
            let good = NPZWriter.npz(Self.arrays, method: method)
            for n in 0..<good.count {
                let e = failure(Array(good.prefix(n)))
                #expect(e != nil && e?.contains("\n") == false, "prefix \(n) of \(good.count): \(e ?? "accepted")")
            }
        }
        let numpy = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Self.fixtures + "/rgb16.npz")))
        for n in stride(from: 0, to: numpy.count, by: 7) {
            #expect(failure(Array(numpy.prefix(n))) != nil, "prefix \(n) accepted")
        }
    }

    @Test("every single-byte change of a small archive gives a dataset or one error, never a crash")
    func fuzz() throws {
        // NumPy's own archive: its headers, central directory (ZIP64 local extras) and end record
        let numpy = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Self.fixtures + "/rgb16.npz")))
        for position in Array(stride(from: 0, to: 160, by: 2)) + Array(stride(from: numpy.count - 420, to: numpy.count, by: 3)) {
            var bytes = numpy
            bytes[position] ^= 0xA5
            let e = failure(bytes)
            #expect(e?.contains("\n") != true)
        }
        for method in [0, 8] {
            let good = NPZWriter.npz(Self.arrays, method: method)
            for position in 0..<good.count {
                for value: UInt8 in [0, 0xFF, good[position] ^ 1] {
                    var bytes = good
                    bytes[position] = value
                    _ = failure(bytes)
                }
            }
        }
    }

    @Test("bad archives: each one clear error", arguments: [
        ("crc", "CRC-32 mismatch"), ("encrypted", "is encrypted"), ("bzip2", "compression method 12 (bzip2)"),
        ("duplicate", "appears twice"), ("missing", "no array 'y_test' (the file holds x_test)"),
        ("not zip", "no end-of-central-directory record"), ("pickle member", "not a .npy array"),
        ("stored sizes", "is stored but its sizes differ"), ("corrupt deflate", "corrupt deflate data"),
    ])
    func badArchives(kind: String, message: String) {
        var members = Self.arrays.map { NPZWriter.Member(name: $0.0 + ".npy", data: $0.1, method: 8) }
        var bytes: [UInt8]?
        switch kind {
        case "crc": members[0].crc = 0x1234_5678
        case "encrypted": members[0].flags = 1
        case "bzip2": members[0].method = 12
        case "duplicate": members.append(members[0])
        case "missing": members.removeLast()
        case "not zip": bytes = Array("hello, world, this is not a zip archive".utf8)
        case "pickle member": members[0].data = [0x80, 0x04, 0x95] + [UInt8](repeating: 0x2E, count: 20)
        case "stored sizes": members[0].method = 0; members[0].declaredSize = members[0].data.count + 1
        default:
            var z = NPZWriter.zip(members)
            for i in 40..<60 { z[i] = 0xFF }  // inside the first member's deflate stream
            bytes = z
        }
        let e = failure(bytes ?? NPZWriter.zip(members))
        #expect(e?.contains(message) == true && e?.contains("\n") == false, "\(e ?? "accepted")")
    }

    @Test("a deflate bomb stops at the limit: refused before inflating, or while inflating when its sizes lie")
    func bomb() throws {
        var limits = DatasetFileLimits()
        limits.maxArrayBytes = 1 << 20
        let big = NPZWriter.npy(descr: "|u1", shape: [1 << 22], payload: [UInt8](repeating: 0, count: 1 << 22))  // 4 MiB of zeros
        let labels = NPZWriter.npy(descr: "|u1", shape: [1], payload: [0])
        let honest = NPZWriter.zip([.init(name: "x_test.npy", data: big, method: 8), .init(name: "y_test.npy", data: labels)])
        #expect(honest.count < 10_000)
        let e1 = failure(honest, limits: limits)
        #expect(e1?.contains("declares 4194432 bytes uncompressed, more than the limit") == true, "\(e1 ?? "accepted")")
        // The archive claims a 1-image array of 1000 bytes, the stream holds 4 MiB: inflating stops at 1000.
        var small = NPZWriter.npy(descr: "|u1", shape: [1, 10, 100], payload: [])
        small += [UInt8](repeating: 0, count: 1000)
        var lying = NPZWriter.Member(name: "x_test.npy", data: small + [UInt8](repeating: 0, count: 1 << 22), method: 8)
        lying.declaredSize = small.count
        lying.crc = NPZWriter.crc(small)
        let e2 = failure(NPZWriter.zip([lying, .init(name: "y_test.npy", data: labels)]), limits: limits)
        #expect(e2?.contains("inflates to more than the \(small.count) bytes its header declares") == true, "\(e2 ?? "accepted")")
        // Claiming more than deflate can produce from the compressed bytes is refused before allocating.
        var claim = NPZWriter.Member(name: "x_test.npy", data: small, method: 8)
        claim.declaredSize = 1 << 30
        let e3 = failure(NPZWriter.zip([claim, .init(name: "y_test.npy", data: labels)]))
        #expect(e3?.contains("more than deflate can expand") == true, "\(e3 ?? "accepted")")
    }
}
