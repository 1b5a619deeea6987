import CIMCore

/// The members of a ZIP archive (what `np.savez` and `np.savez_compressed` write), read
/// through the central directory.
///
/// Supported: stored (method 0) and deflate (method 8) members, ZIP64 sizes and offsets,
/// data descriptors (the central directory's sizes and CRC-32 are used and checked). Refused,
/// each with one error: encrypted members, other compression methods, multi-volume archives.
/// Every offset and size is checked against the file and the limits before it is used, and
/// every member's CRC-32 is checked after it is read.
final class ZipArchive {
    /// A member as the central directory describes it.
    struct Entry: Equatable {
        var name: String
        var nameBytes: [UInt8]
        var flags: Int
        var method: Int
        var crc: UInt32
        var compressedSize: Int
        var uncompressedSize: Int
        var localHeaderOffset: Int
    }

    let file: BinaryFile
    let limits: DatasetFileLimits
    /// The members, in central-directory order.
    private(set) var entries: [Entry] = []
    /// Where the central directory starts: member data must lie before it.
    private var directoryOffset = 0

    /// Opens `path` and reads its central directory.
    init(path: String, limits: DatasetFileLimits) throws(CIMError) {
        file = try BinaryFile(path: path)
        self.limits = limits
        try readDirectory()
    }

    /// The member called `name`.
    func entry(named name: String) -> Entry? { entries.first { $0.name == name } }

    private func fail(_ reason: String) -> CIMError { .format(path: file.path, reason: reason) }

    /// Little-endian unsigned integer of `width` bytes at `at` in `b` (the caller checks bounds).
    private static func le(_ b: [UInt8], _ at: Int, _ width: Int) -> Int {
        var v: UInt64 = 0
        for i in 0..<width { v |= UInt64(b[at + i]) << (8 * UInt64(i)) }
        return v > UInt64(Int.max) ? Int.max : Int(v)
    }

    private func readDirectory() throws(CIMError) {
        let size = file.size
        guard size >= 22 else { throw fail("not a ZIP archive (.npz): \(size) bytes, too short for the end record") }
        let tailLength = min(size, 22 + 65_535)
        let tail = try file.bytes(at: size - tailLength, count: tailLength, what: "the end of the archive")
        var found: Int?
        var i = tailLength - 22
        while i >= 0 {
            if tail[i] == 0x50, tail[i + 1] == 0x4B, tail[i + 2] == 0x05, tail[i + 3] == 0x06,
               i + 22 + Self.le(tail, i + 20, 2) == tailLength {
                found = i
                break
            }
            i -= 1
        }
        guard let end = found else { throw fail("not a ZIP archive (.npz): no end-of-central-directory record") }
        let eocdOffset = size - tailLength + end
        var disk = Self.le(tail, end + 4, 2), directoryDisk = Self.le(tail, end + 6, 2)
        var diskEntries = Self.le(tail, end + 8, 2), count = Self.le(tail, end + 10, 2)
        var directorySize = Self.le(tail, end + 12, 4), offset = Self.le(tail, end + 16, 4)
        var directoryEnd = eocdOffset
        if count == 0xFFFF || diskEntries == 0xFFFF || directorySize == 0xFFFF_FFFF || offset == 0xFFFF_FFFF {
            guard eocdOffset >= 20 else { throw fail("ZIP64 end record locator missing") }
            let locator = try file.bytes(at: eocdOffset - 20, count: 20, what: "the ZIP64 end record locator")
            guard locator[0..<4] == [0x50, 0x4B, 0x06, 0x07] else { throw fail("ZIP64 end record locator missing") }
            guard Self.le(locator, 4, 4) == 0, Self.le(locator, 16, 4) == 1 else {
                throw fail("multi-volume ZIP archives are not supported")
            }
            let recordOffset = Self.le(locator, 8, 8)
            guard recordOffset <= eocdOffset - 20 - 56 else { throw fail("ZIP64 end record at offset \(recordOffset) is outside the archive") }
            let record = try file.bytes(at: recordOffset, count: 56, what: "the ZIP64 end record")
            guard record[0..<4] == [0x50, 0x4B, 0x06, 0x06] else { throw fail("bad ZIP64 end record signature") }
            disk = Self.le(record, 16, 4)
            directoryDisk = Self.le(record, 20, 4)
            diskEntries = Self.le(record, 24, 8)
            count = Self.le(record, 32, 8)
            directorySize = Self.le(record, 40, 8)
            offset = Self.le(record, 48, 8)
            directoryEnd = recordOffset
        }
        guard disk == 0, directoryDisk == 0, diskEntries == count else { throw fail("multi-volume ZIP archives are not supported") }
        guard count <= limits.maxArchiveEntries else {
            throw fail("the archive lists \(count) members, more than the limit (\(limits.maxArchiveEntries))")
        }
        guard directorySize <= limits.maxCentralDirectoryBytes else {
            throw fail("the central directory has \(directorySize) bytes, more than the limit (\(limits.maxCentralDirectoryBytes))")
        }
        guard offset <= directoryEnd, directorySize <= directoryEnd - offset else {
            throw fail("the central directory (\(directorySize) bytes at offset \(offset)) is outside the archive")
        }
        directoryOffset = offset
        let directory = try file.bytes(at: offset, count: directorySize, what: "the central directory")
        var at = 0
        var names: Set<String> = []
        for index in 0..<count {
            let entry = try parseEntry(directory, at: &at, index: index)
            guard names.insert(entry.name).inserted else { throw fail("member '\(entry.name)' appears twice") }
            entries.append(entry)
        }
    }

    /// One central-directory record at `at` (advanced past it).
    private func parseEntry(_ d: [UInt8], at: inout Int, index: Int) throws(CIMError) -> Entry {
        guard d.count - at >= 46, d[at..<(at + 4)] == [0x50, 0x4B, 0x01, 0x02] else {
            throw fail("central directory record \(index) is malformed")
        }
        let nameLength = Self.le(d, at + 28, 2), extraLength = Self.le(d, at + 30, 2), commentLength = Self.le(d, at + 32, 2)
        let total = 46 + nameLength + extraLength + commentLength
        guard d.count - at >= total else { throw fail("central directory record \(index) is truncated") }
        let nameBytes = Array(d[(at + 46)..<(at + 46 + nameLength)])
        var entry = Entry(name: String(decoding: nameBytes, as: UTF8.self), nameBytes: nameBytes,
                          flags: Self.le(d, at + 8, 2), method: Self.le(d, at + 10, 2),
                          crc: UInt32(Self.le(d, at + 16, 4)), compressedSize: Self.le(d, at + 20, 4),
                          uncompressedSize: Self.le(d, at + 24, 4), localHeaderOffset: Self.le(d, at + 42, 4))
        let startDisk = Self.le(d, at + 34, 2)
        // ZIP64 extra field (id 1): the 64-bit values of the fields set to all ones, in order.
        var e = at + 46 + nameLength
        let extraEnd = e + extraLength
        while extraEnd - e >= 4 {
            let id = Self.le(d, e, 2), length = Self.le(d, e + 2, 2)
            guard extraEnd - e - 4 >= length else { throw fail("member '\(entry.name)': malformed extra field") }
            if id == 1 {
                var p = e + 4
                let fieldEnd = p + length
                func next() throws(CIMError) -> Int {
                    guard fieldEnd - p >= 8 else { throw fail("member '\(entry.name)': ZIP64 extra field too short") }
                    defer { p += 8 }
                    return Self.le(d, p, 8)
                }
                if entry.uncompressedSize == 0xFFFF_FFFF { entry.uncompressedSize = try next() }
                if entry.compressedSize == 0xFFFF_FFFF { entry.compressedSize = try next() }
                if entry.localHeaderOffset == 0xFFFF_FFFF { entry.localHeaderOffset = try next() }
            }
            e += 4 + length
        }
        guard startDisk == 0 || startDisk == 0xFFFF else { throw fail("multi-volume ZIP archives are not supported") }
        at += total
        return entry
    }

    /// Reads the `.npy` array stored in `entry`, checking its CRC-32.
    ///
    /// - Parameter name: the array's name in messages.
    func readNPY(_ entry: Entry, name: String, check: NPYReader.Check) throws(CIMError) -> NumericArray {
        let member = "member '\(entry.name)'"
        if entry.flags & 0x41 != 0 { throw fail("\(member) is encrypted; encrypted archives are not supported") }
        if entry.flags & 0x2000 != 0 { throw fail("\(member) has masked headers (encrypted central directory); not supported") }
        let methods = [9: "deflate64", 12: "bzip2", 14: "lzma", 93: "zstd", 95: "xz"]
        guard entry.method == 0 || entry.method == 8 else {
            throw fail("\(member) uses compression method \(entry.method)\(methods[entry.method].map { " (\($0))" } ?? ""); only stored and deflate are supported")
        }
        if entry.method == 0, entry.compressedSize != entry.uncompressedSize {
            throw fail("\(member) is stored but its sizes differ (\(entry.compressedSize) and \(entry.uncompressedSize) bytes)")
        }
        let (sum, overflow) = limits.maxArrayBytes.addingReportingOverflow(limits.maxHeaderBytes + 12)
        let maxMember = overflow ? Int.max : sum  // the largest array and header, plus the preamble
        guard entry.uncompressedSize <= maxMember else {
            throw fail("\(member) declares \(entry.uncompressedSize) bytes uncompressed, more than the limit (\(maxMember))")
        }
        if entry.method == 8, entry.uncompressedSize > limits.expansionBound(entry.compressedSize) {
            throw fail("\(member) declares \(entry.uncompressedSize) bytes from \(entry.compressedSize) compressed bytes, more than deflate can expand")
        }
        guard entry.localHeaderOffset <= directoryOffset, directoryOffset - entry.localHeaderOffset >= 30 else {
            throw fail("\(member): local header offset \(entry.localHeaderOffset) is outside the archive")
        }
        let local = try file.bytes(at: entry.localHeaderOffset, count: 30, what: "\(member)'s local header")
        guard local[0..<4] == [0x50, 0x4B, 0x03, 0x04] else { throw fail("\(member): bad local header signature") }
        let nameLength = Self.le(local, 26, 2), extraLength = Self.le(local, 28, 2)
        let dataStart = entry.localHeaderOffset + 30 + nameLength + extraLength  // ≤ offset + 131,100: no overflow
        guard dataStart <= directoryOffset, entry.compressedSize <= directoryOffset - dataStart else {
            throw fail("\(member): its \(entry.compressedSize) data bytes at offset \(dataStart) overlap the central directory or lie outside the archive")
        }
        let localName = try file.bytes(at: entry.localHeaderOffset + 30, count: nameLength, what: "\(member)'s local header")
        guard localName == entry.nameBytes else { throw fail("\(member): the local header names '\(String(decoding: localName, as: UTF8.self))'") }
        let what = "\(member)"
        let array: NumericArray, crc: UInt32
        if entry.method == 0 {
            var source = FileRegionSource(file: file, start: dataStart, length: entry.compressedSize, what: what)
            array = try NPYReader.read(from: &source, path: file.path, name: name, limits: limits, check: check)
            crc = source.crc.value
        } else {
            var source = try InflateSource(file: file, start: dataStart, length: entry.compressedSize,
                                           declared: entry.uncompressedSize, what: what)
            array = try NPYReader.read(from: &source, path: file.path, name: name, limits: limits, check: check)
            try source.finish()
            crc = source.crc.value
        }
        guard crc == entry.crc else {
            throw fail("\(member): CRC-32 mismatch (content \(String(crc, radix: 16)), archive says \(String(entry.crc, radix: 16))): the file is corrupt")
        }
        return array
    }
}
