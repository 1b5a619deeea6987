import CZlib

/// A running CRC-32 (ISO 3309, as in ZIP and gzip), computed by zlib.
struct CRC32: Equatable, Sendable {
    /// The checksum of the bytes so far.
    private(set) var value: UInt32 = 0

    /// Adds `bytes`.
    mutating func update(_ bytes: UnsafeRawBufferPointer) {
        var offset = 0
        var crc = uLong(value)
        while offset < bytes.count {
            let n = min(bytes.count - offset, 1 << 30)
            crc = crc32(crc, bytes.baseAddress!.assumingMemoryBound(to: Bytef.self) + offset, uInt(n))
            offset += n
        }
        value = UInt32(truncatingIfNeeded: crc)
    }
}
