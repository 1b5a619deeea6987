import CIMCore
import CZlib

/// The inflated bytes of a raw deflate stream (ZIP method 8) stored at `start..<start + length`
/// of a file, with their running CRC-32.
///
/// The output is bounded while inflating: `remaining` starts at the size the archive declares,
/// reads never ask for more, and ``finish()`` fails if the stream holds more than that (a
/// deflate bomb stops at the declared size, which was checked against the limits before).
final class InflateSource: ByteSource {
    let file: BinaryFile
    let what: String
    private let stream: UnsafeMutablePointer<z_stream>
    private var input: [UInt8]
    private var inputOffset: Int
    private let inputEnd: Int
    private var produced = 0
    private let declared: Int
    private var ended = false
    /// CRC-32 of the bytes inflated so far.
    private(set) var crc = CRC32()

    /// Starts inflating `length` compressed bytes at `start` that should give `declared` bytes.
    init(file: BinaryFile, start: Int, length: Int, declared: Int, what: String) throws(CIMError) {
        self.file = file
        self.what = what
        self.inputOffset = start
        self.inputEnd = start + length
        self.declared = declared
        self.input = []
        stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        let status = inflateInit2_(stream, -MAX_WBITS, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else {
            stream.deinitialize(count: 1)
            stream.deallocate()
            throw CIMError.format(path: file.path, reason: "\(what): cannot start inflating (zlib status \(status))")
        }
    }

    deinit {
        inflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
    }

    var remaining: Int { declared - produced }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws(CIMError) {
        guard buffer.count <= remaining else {
            throw CIMError.format(path: file.path, reason: "truncated: \(what) needs \(buffer.count) more bytes, \(remaining) left")
        }
        var filled = 0
        while filled < buffer.count {
            let got = try inflate(into: buffer.baseAddress! + filled, count: buffer.count - filled)
            crc.update(UnsafeRawBufferPointer(start: buffer.baseAddress! + filled, count: got))
            filled += got
            produced += got
            if ended, filled < buffer.count {
                throw CIMError.format(path: file.path, reason:
                    "\(what): the deflate stream ends after \(produced) bytes, \(declared) declared")
            }
        }
    }

    /// Checks that the stream ends exactly at the declared size.
    func finish() throws(CIMError) {
        guard remaining == 0 else {
            throw CIMError.format(path: file.path, reason: "\(what): \(remaining) bytes of \(declared) left unread")
        }
        if ended { return }
        var scratch: UInt8 = 0
        let extra = try inflate(into: &scratch, count: 1)
        if extra > 0 {
            throw CIMError.format(path: file.path, reason:
                "\(what) inflates to more than the \(declared) bytes its header declares (stopped there)")
        }
        guard ended else {
            throw CIMError.format(path: file.path, reason: "\(what): the deflate stream does not end after \(declared) bytes")
        }
    }

    /// Inflates up to `count` bytes into `out`; returns how many were written (0 only at the
    /// end of the stream).
    private func inflate(into out: UnsafeMutableRawPointer, count: Int) throws(CIMError) -> Int {
        if ended { return 0 }
        var written = 0
        while written == 0 {
            if stream.pointee.avail_in == 0 {
                try refill()
            }
            let chunk = min(count - written, Int(UInt32.max >> 1))
            stream.pointee.next_out = (out + written).assumingMemoryBound(to: Bytef.self)
            stream.pointee.avail_out = uInt(chunk)
            let status = input.withUnsafeMutableBufferPointer { p -> Int32 in
                let consumed = p.count - Int(stream.pointee.avail_in)
                stream.pointee.next_in = p.baseAddress.map { $0 + consumed }
                let s = CZlib.inflate(stream, Z_NO_FLUSH)
                stream.pointee.next_in = nil
                return s
            }
            written += chunk - Int(stream.pointee.avail_out)
            switch status {
            case Z_OK:
                break
            case Z_STREAM_END:
                ended = true
                return written
            case Z_BUF_ERROR:  // no progress: needs more input
                guard stream.pointee.avail_in == 0 else {
                    throw CIMError.format(path: file.path, reason: "\(what): corrupt deflate data (no progress)")
                }
            default:
                let message = stream.pointee.msg.map { String(cString: $0) } ?? "zlib status \(status)"
                throw CIMError.format(path: file.path, reason: "\(what): corrupt deflate data (\(message))")
            }
            if written == 0, stream.pointee.avail_in == 0, inputOffset >= inputEnd {
                throw CIMError.format(path: file.path, reason: "\(what): truncated deflate data (input ends after \(produced) bytes)")
            }
        }
        return written
    }

    /// Reads the next piece (up to 256 KiB) of compressed input.
    private func refill() throws(CIMError) {
        let n = min(1 << 18, inputEnd - inputOffset)
        guard n > 0 else { input = []; return }
        input = try file.bytes(at: inputOffset, count: n, what: what)
        inputOffset += n
        stream.pointee.avail_in = uInt(n)
    }
}
