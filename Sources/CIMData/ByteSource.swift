import CIMCore

/// A sequence of bytes read front to back whose total length is known in advance.
protocol ByteSource {
    /// Bytes not yet read.
    var remaining: Int { get }
    /// Fills `buffer` with the next `buffer.count` bytes (at most `remaining`).
    mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws(CIMError)
}

extension ByteSource {
    /// The next `count` bytes (at most `remaining`).
    mutating func bytes(_ count: Int) throws(CIMError) -> [UInt8] {
        try [UInt8].filled(count: count) { buffer throws(CIMError) in try read(into: buffer) }
    }
}

extension Array where Element: BitwiseCopyable {
    /// `count` elements whose bytes `fill` writes in full (uninitialised until then); `fill`'s
    /// error is rethrown.
    static func filled(count: Int, _ fill: (UnsafeMutableRawBufferPointer) throws(CIMError) -> Void) throws(CIMError) -> [Element] {
        guard count > 0 else { return [] }
        var failure: CIMError?
        let out = [Element](unsafeUninitializedCapacity: count) { buffer, initialized in
            do throws(CIMError) {
                try fill(UnsafeMutableRawBufferPointer(buffer))
                initialized = count
            } catch {
                failure = error
                initialized = 0
            }
        }
        if let failure { throw failure }
        return out
    }
}

/// Bytes held in memory.
struct MemorySource: ByteSource {
    let data: [UInt8]
    let path: String
    private var position = 0

    init(_ data: [UInt8], path: String) {
        self.data = data
        self.path = path
    }

    var remaining: Int { data.count - position }

    mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws(CIMError) {
        guard buffer.count <= remaining else {
            throw CIMError.format(path: path, reason: "truncated: \(buffer.count) more bytes needed, \(remaining) left")
        }
        guard buffer.count > 0 else { return }
        data.withUnsafeBytes { source in
            buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[position..<(position + buffer.count)]))
        }
        position += buffer.count
    }
}

/// The bytes `start..<start + length` of a file, with their running CRC-32.
struct FileRegionSource: ByteSource {
    let file: BinaryFile
    private var offset: Int
    private let end: Int
    /// CRC-32 (zlib's) of the bytes read so far.
    private(set) var crc = CRC32()
    let what: String

    init(file: BinaryFile, start: Int, length: Int, what: String) {
        self.file = file
        self.offset = start
        self.end = start + length
        self.what = what
    }

    var remaining: Int { end - offset }

    mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws(CIMError) {
        guard buffer.count <= remaining else {
            throw CIMError.format(path: file.path, reason: "truncated: \(what) needs \(buffer.count) more bytes, \(remaining) left")
        }
        guard buffer.count > 0 else { return }
        try file.read(at: offset, into: buffer, what: what)
        crc.update(UnsafeRawBufferPointer(buffer))
        offset += buffer.count
    }
}
