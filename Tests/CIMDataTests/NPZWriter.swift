import CZlib
import Foundation

/// Test support: a tiny NumPy `.npy` and ZIP (`.npz`) writer, so that tests can make any
/// well-formed or broken file without Python.
enum NPZWriter {
    /// A `.npy` array: magic, version, header length, the dict (padded with spaces to a multiple
    /// of 64 bytes, ending in a newline, as NumPy does), then `payload`.
    static func npy(descr: String, shape: [Int], payload: [UInt8], fortran: Bool = false, version: UInt8 = 1,
                    dict: String? = nil) -> [UInt8] {
        let dims = shape.map(String.init).joined(separator: ", ") + (shape.count == 1 ? "," : "")
        var text = dict ?? "{'descr': '\(descr)', 'fortran_order': \(fortran ? "True" : "False"), 'shape': (\(dims)), }"
        let prefix = version == 1 ? 10 : 12
        while (prefix + text.utf8.count + 1) % 64 != 0 { text += " " }
        text += "\n"
        var out: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, version, 0]
        let n = text.utf8.count
        out += version == 1 ? le(UInt16(n)) : le(UInt32(n))
        return out + Array(text.utf8) + payload
    }

    /// Little-endian bytes of integers.
    static func le<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
        (0..<(T.bitWidth / 8)).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
    }

    /// Little-endian bytes of an integer array.
    static func le<T: FixedWidthInteger>(_ values: [T]) -> [UInt8] { values.flatMap { le($0) } }

    /// Little-endian bytes of a float32 array.
    static func le(_ values: [Float]) -> [UInt8] { values.flatMap { le($0.bitPattern) } }

    /// CRC-32 (zlib's).
    static func crc(_ bytes: [UInt8]) -> UInt32 {
        UInt32(bytes.withUnsafeBufferPointer { crc32(0, $0.baseAddress, uInt($0.count)) })
    }

    /// Raw deflate (no zlib or gzip wrapper), level 9.
    static func deflateRaw(_ bytes: [UInt8]) -> [UInt8] {
        var stream = z_stream()
        precondition(deflateInit2_(&stream, 9, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY, zlibVersion(),
                                   Int32(MemoryLayout<z_stream>.size)) == Z_OK)
        var out = [UInt8](repeating: 0, count: Int(deflateBound(&stream, uLong(bytes.count))) + 64)
        var input = bytes
        let produced = input.withUnsafeMutableBufferPointer { i in
            out.withUnsafeMutableBufferPointer { o in
                stream.next_in = i.baseAddress
                stream.avail_in = uInt(i.count)
                stream.next_out = o.baseAddress
                stream.avail_out = uInt(o.count)
                precondition(deflate(&stream, Z_FINISH) == Z_STREAM_END)
                return o.count - Int(stream.avail_out)
            }
        }
        deflateEnd(&stream)
        return Array(out.prefix(produced))
    }

    /// A ZIP member.
    struct Member {
        var name: String
        var data: [UInt8]
        /// 0 stored, 8 deflate (other values are written as given, with the data stored).
        var method: Int = 0
        /// General-purpose flags (bit 0 = encrypted, bit 3 = data descriptor).
        var flags: Int = 0
        /// Replaces the true CRC-32.
        var crc: UInt32? = nil
        /// Replaces the true uncompressed size in the central directory.
        var declaredSize: Int? = nil
    }

    /// A ZIP archive of `members` (local headers carry the sizes and CRC unless bit 3 is set).
    /// With `zip64`, the central directory gives sizes and offsets in ZIP64 extra fields and
    /// the archive ends with a ZIP64 end record and its locator.
    static func zip(_ members: [Member], zip64: Bool = false) -> [UInt8] {
        var out: [UInt8] = []
        var central: [UInt8] = []
        for m in members {
            let stored = m.method == 8 ? deflateRaw(m.data) : m.data
            let checksum = m.crc ?? crc(m.data)
            let size = m.declaredSize ?? m.data.count
            let name = Array(m.name.utf8)
            let offset = out.count
            let descriptor = m.flags & 8 != 0
            out += le(UInt32(0x0403_4B50)) + le(UInt16(20)) + le(UInt16(m.flags)) + le(UInt16(m.method))
                + le(UInt32(0)) + le(descriptor ? 0 : checksum) + le(UInt32(descriptor ? 0 : stored.count))
                + le(UInt32(descriptor ? 0 : size)) + le(UInt16(name.count)) + le(UInt16(0)) + name + stored
            if descriptor { out += le(UInt32(0x0807_4B50)) + le(checksum) + le(UInt32(stored.count)) + le(UInt32(size)) }
            let all: UInt32 = 0xFFFF_FFFF
            let extra = zip64 ? le(UInt16(1)) + le(UInt16(24)) + le(UInt64(size)) + le(UInt64(stored.count)) + le(UInt64(offset)) : []
            central += le(UInt32(0x0201_4B50)) + le(UInt16(45)) + le(UInt16(45)) + le(UInt16(m.flags)) + le(UInt16(m.method))
                + le(UInt32(0)) + le(checksum) + le(zip64 ? all : UInt32(stored.count)) + le(zip64 ? all : UInt32(size))
                + le(UInt16(name.count)) + le(UInt16(extra.count)) + le(UInt16(0)) + le(UInt16(0)) + le(UInt16(0)) + le(UInt32(0))
                + le(zip64 ? all : UInt32(offset)) + name + extra
        }
        let directoryOffset = out.count
        out += central
        if zip64 {
            let record = out.count
            out += le(UInt32(0x0606_4B50)) + le(UInt64(44)) + le(UInt16(45)) + le(UInt16(45)) + le(UInt32(0)) + le(UInt32(0))
                + le(UInt64(members.count)) + le(UInt64(members.count)) + le(UInt64(central.count)) + le(UInt64(directoryOffset))
            out += le(UInt32(0x0706_4B50)) + le(UInt32(0)) + le(UInt64(record)) + le(UInt32(1))
            out += le(UInt32(0x0605_4B50)) + le(UInt16(0)) + le(UInt16(0)) + le(UInt16(0xFFFF)) + le(UInt16(0xFFFF))
                + le(UInt32(0xFFFF_FFFF)) + le(UInt32(0xFFFF_FFFF)) + le(UInt16(0))
            return out
        }
        out += le(UInt32(0x0605_4B50)) + le(UInt16(0)) + le(UInt16(0)) + le(UInt16(members.count)) + le(UInt16(members.count))
            + le(UInt32(central.count)) + le(UInt32(directoryOffset)) + le(UInt16(0))
        return out
    }

    /// An `.npz` of `arrays` (name → `.npy` bytes), each member `name.npy`.
    static func npz(_ arrays: [(String, [UInt8])], method: Int = 0, zip64: Bool = false) -> [UInt8] {
        zip(arrays.map { Member(name: $0.0 + ".npy", data: $0.1, method: method) }, zip64: zip64)
    }

    /// Writes `bytes` to `path`.
    static func write(_ bytes: [UInt8], to path: String) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }
}
