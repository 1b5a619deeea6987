import CIMCore
import CIMData
import Foundation
import Testing

@Suite("NumPy .npy reader")
struct NPYTests {
    /// Reads `bytes` as an array called `a` in file `f.npy`.
    func read(_ bytes: [UInt8], limits: DatasetFileLimits = .default) throws(CIMError) -> NumericArray {
        try NPYReader.read(bytes: bytes, path: "f.npy", name: "a", limits: limits)
    }

    /// The error `bytes` give (nil if they are read).
    func failure(_ bytes: [UInt8], limits: DatasetFileLimits = .default) -> String? {
        do {
            _ = try read(bytes, limits: limits)
            return nil
        } catch {
            return error.description
        }
    }

    @Test("format versions 1.0, 2.0 and 3.0; uint8 and float32 as stored, integer dtypes widened", arguments: [UInt8(1), 2, 3])
    func versions(version: UInt8) throws {
        let pixels: [UInt8] = (0..<24).map { UInt8($0 * 10) }
        let a = try read(NPZWriter.npy(descr: "|u1", shape: [2, 3, 4], payload: pixels, version: version))
        #expect(a.shape == [2, 3, 4] && a.elementType == .uint8 && a.values == .uint8(pixels))
        let floats: [Float] = [0, -1.5, .pi, 1e-30, Float.greatestFiniteMagnitude, -0.0]
        let f = try read(NPZWriter.npy(descr: "<f4", shape: [6], payload: NPZWriter.le(floats), version: version))
        guard case .float32(let back) = f.values else { Issue.record("not float32"); return }
        #expect(back.map(\.bitPattern) == floats.map(\.bitPattern))
        let labels: [Int64] = [0, 9, -3, 255, 1 << 40]
        #expect(try read(NPZWriter.npy(descr: "<i8", shape: [5], payload: NPZWriter.le(labels), version: version)).values == .integers(labels))
        #expect(try read(NPZWriter.npy(descr: "<i4", shape: [2], payload: NPZWriter.le([Int32(-7), 7]))).values == .integers([-7, 7]))
        #expect(try read(NPZWriter.npy(descr: "|i1", shape: [2], payload: [0xFF, 3])).values == .integers([-1, 3]))
        #expect(try read(NPZWriter.npy(descr: "<u2", shape: [1], payload: NPZWriter.le([UInt16(65535)]))).values == .integers([65535]))
        #expect(try read(NPZWriter.npy(descr: "<u8", shape: [1], payload: NPZWriter.le([UInt64.max]))).values == .integers([Int64.max]))
        let scalar = try read(NPZWriter.npy(descr: "|u1", shape: [], payload: [7]))
        #expect(scalar.shape == [] && scalar.values == .uint8([7]))
        let empty = try read(NPZWriter.npy(descr: "<f4", shape: [0, 3], payload: []))
        #expect(empty.shape == [0, 3] && empty.values == .float32([]))
    }

    @Test("a header NumPy itself wrote (Python 2 style longs, double quotes, no trailing comma) parses")
    func headerVariants() throws {
        let a = try read(NPZWriter.npy(descr: "", shape: [], payload: [1, 2, 3, 4],
                                       dict: "{\"descr\":\"|u1\",\"fortran_order\":False,\"shape\":(2L, 2L)}"))
        #expect(a.shape == [2, 2])
    }

    @Test("each bad header is one clear error", arguments: [
        (NPZWriter.npy(descr: ">f4", shape: [1], payload: [0, 0, 0, 0]), "big-endian dtype '>f4'"),
        (NPZWriter.npy(descr: "<f4", shape: [2, 2], payload: [UInt8](repeating: 0, count: 16), fortran: true), "Fortran-order"),
        (NPZWriter.npy(descr: "|O", shape: [1], payload: [0x80, 0x02]), "object arrays (pickled Python objects)"),
        (NPZWriter.npy(descr: "", shape: [], payload: [], dict: "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }"),
         "record (structured) dtypes"),
        (NPZWriter.npy(descr: "|u1", shape: [1 << 40, 1 << 40], payload: []), "more than 2147483648 elements"),
        (NPZWriter.npy(descr: "", shape: [], payload: [], dict: "{'descr': '|u1', 'fortran_order': False, 'shape': (99999999999999999999999,), }"),
         "too large for a 64-bit integer"),
        (NPZWriter.npy(descr: "", shape: [], payload: [], dict: "{'descr': '|u1', 'fortran_order': False, 'shape': (-1,), }"),
         "negative dimension"),
        (NPZWriter.npy(descr: "<f8", shape: [1 << 31], payload: []), "more than 8589934592 bytes"),
        (NPZWriter.npy(descr: "|u1", shape: [3, 3], payload: [1, 2, 3]), "truncated: shape [3, 3] of uint8 needs 9 data bytes, 3 present"),
        (NPZWriter.npy(descr: "|u1", shape: [1], payload: [1, 2]), "1 bytes after the 1 data bytes"),
        (NPZWriter.npy(descr: "=i4", shape: [1], payload: [0, 0, 0, 0]), "does not say little-endian"),
        (NPZWriter.npy(descr: "<U3", shape: [1], payload: [UInt8](repeating: 0, count: 12)), "dtype '<U3' arrays are not supported"),
        (NPZWriter.npy(descr: "", shape: [], payload: [], dict: "{'descr': '|u1', 'shape': (1,), }"), "needs the keys"),
        (NPZWriter.npy(descr: "", shape: [], payload: [], dict: "{'descr': '|u1', 'fortran_order': False, 'shape': (1,), 'x': 1}"),
         "unexpected key 'x'"),
        (NPZWriter.npy(descr: "", shape: [], payload: [], dict: "{'descr': '|u1', 'fortran_order': False, 'shape': ((((((((((((((((((1,),),),),),),),),),),),),),),),),),),), }"),
         "nested more than 16 deep"),
        (NPZWriter.npy(descr: "", shape: [], payload: [], dict: "{'descr': '|u1'"), "malformed .npy header"),
        ([0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 4, 0, 0, 0], "format version 4.0"),
        ([0x80, 0x02, 0x7D, 0x71, 0x00, 0x2E, 0, 0, 0, 0, 0], "not a .npy array"),
        ([0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 2, 0, 0xFF, 0xFF, 0xFF, 0x7F], "longer than the limit (65536)"),
        ([0x93, 0x4E, 0x55], "shorter than the 10-byte preamble"),
    ] as [([UInt8], String)])
    func badHeaders(bytes: [UInt8], message: String) {
        let e = failure(bytes)
        #expect(e?.hasPrefix("f.npy: a: ") == true && e?.contains(message) == true && e?.contains("\n") == false, "\(e ?? "accepted")")
    }

    @Test("every prefix of a file and every single-byte change gives a value or one error, never a crash")
    func fuzz() {
        let good = NPZWriter.npy(descr: "<f4", shape: [2, 3], payload: NPZWriter.le((0..<6).map { Float($0) }))
        for n in 0..<good.count {
            #expect(failure(Array(good.prefix(n))) != nil, "prefix of \(n) bytes accepted")
        }
        var rng = SystemRandomNumberGenerator()
        for position in 0..<good.count {
            for _ in 0..<4 {
                var bytes = good
                bytes[position] = UInt8.random(in: 0...255, using: &rng)
                _ = failure(bytes)
            }
        }
    }

    @Test("a .npy file on disk; a file is read no further than its length")
    func file() throws {
        let dir = tempDir("npy")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let bytes = NPZWriter.npy(descr: "|u1", shape: [4], payload: [1, 2, 3, 4])
        try NPZWriter.write(bytes, to: dir + "/a.npy")
        #expect(try NPYReader.read(path: dir + "/a.npy").values == .uint8([1, 2, 3, 4]))
        try NPZWriter.write(Array(bytes.dropLast()), to: dir + "/t.npy")
        #expect { try NPYReader.read(path: dir + "/t.npy") } throws: { "\($0)".contains("t.npy: t.npy: truncated") }
        #expect { try NPYReader.read(path: dir + "/missing.npy") } throws: { "\($0)".contains("cannot open") }
        #expect { try NPYReader.read(path: dir) } throws: { "\($0)".contains("not a regular file") }
    }
}
