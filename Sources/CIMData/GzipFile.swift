import CIMCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CZlib

/// Reads files that may be gzip-compressed or plain (zlib's `gz*` API handles both), never
/// inflating more than the caller allows: a small gzip file can stand for 1032 times its size.
public enum GzipFile {
    /// The decompressed bytes of the regular file at `path`; more than `maxBytes` of them is an
    /// error raised once `maxBytes + 1` bytes have been inflated, not after inflating them all.
    ///
    /// - Throws: ``CIMError/io(path:reason:)`` if the file cannot be opened or is not a regular
    ///   file, and ``CIMError/format(path:reason:)`` if the gzip stream is corrupt, truncated or too long.
    public static func read(path: String, maxBytes: Int) throws(CIMError) -> [UInt8] {
        let stream = try Stream(path: path)
        var out: [UInt8] = []
        while out.count <= maxBytes {
            let n = try stream.read(into: &out, count: min(1 << 20, maxBytes + 1 - out.count))
            if n == 0 { break }
        }
        guard out.count <= maxBytes else {
            throw CIMError.format(path: path, reason: "decompresses to more than \(maxBytes) bytes")
        }
        try stream.close()
        return out
    }

    /// An open plain or gzip file, read in pieces; closed by ``close()`` (which reports a
    /// corrupt stream) or when released.
    final class Stream {
        let path: String
        /// Bytes of the file on disk (compressed size).
        let fileBytes: Int
        private var file: gzFile?

        /// Opens a regular file (a FIFO or device would block or never end).
        init(path: String) throws(CIMError) {
            self.path = path
            var st = stat()
            guard stat(path, &st) == 0 else { throw CIMError.io(path: path, reason: "cannot open (\(String(cString: strerror(errno))))") }
            guard (st.st_mode & S_IFMT) == S_IFREG else { throw CIMError.io(path: path, reason: "not a regular file") }
            fileBytes = Int(st.st_size)
            guard let f = gzopen(path, "rb") else { throw CIMError.io(path: path, reason: "cannot open (\(String(cString: strerror(errno))))") }
            gzbuffer(f, 1 << 20)
            file = f
        }

        deinit { if let file { gzclose_r(file) } }

        /// Appends up to `count` decompressed bytes to `out`; returns how many (0 at the end).
        @discardableResult
        func read(into out: inout [UInt8], count: Int) throws(CIMError) -> Int {
            guard let file, count > 0 else { return 0 }
            let start = out.count
            var got = 0
            out.append(contentsOf: repeatElement(0, count: count))
            while got < count {
                let n = out.withUnsafeMutableBufferPointer { p in
                    gzread(file, p.baseAddress! + start + got, UInt32(min(count - got, 1 << 30)))
                }
                var code: Int32 = 0
                if n < 0 {
                    let message = String(cString: gzerror(file, &code))
                    out.removeLast(count)
                    throw CIMError.format(path: path, reason: "corrupt or truncated gzip data (\(message))")
                }
                if n == 0 {
                    if let message = gzerror(file, &code), code != Z_OK && code != Z_STREAM_END {
                        out.removeLast(count)
                        throw CIMError.format(path: path, reason: "corrupt or truncated gzip data (\(String(cString: message)))")
                    }
                    break
                }
                got += Int(n)
            }
            out.removeLast(count - got)
            return got
        }

        /// Closes the file; a stream that ended badly is an error.
        func close() throws(CIMError) {
            guard let f = file else { return }
            file = nil
            let status = gzclose_r(f)
            guard status == Z_OK else { throw CIMError.format(path: path, reason: "corrupt or truncated gzip data (zlib status \(status))") }
        }
    }
}
