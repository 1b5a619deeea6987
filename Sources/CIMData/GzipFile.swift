import CIMCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CZlib

/// Reads a whole file that may be gzip-compressed or plain (zlib's `gz*` API handles both).
public enum GzipFile {
    /// The decompressed bytes of the file at `path`.
    ///
    /// - Throws: ``CIMError/io(path:reason:)`` if the file cannot be opened, and
    ///   ``CIMError/format(path:reason:)`` if the gzip stream is corrupt or truncated.
    public static func read(path: String) throws(CIMError) -> [UInt8] {
        guard let file = gzopen(path, "rb") else {
            throw CIMError.io(path: path, reason: "cannot open (\(String(cString: strerror(errno))))")
        }
        gzbuffer(file, 1 << 20)
        var out: [UInt8] = []
        out.reserveCapacity(1 << 20)
        let chunk = 1 << 20
        var failure: String?
        while true {
            let start = out.count
            out.append(contentsOf: repeatElement(0, count: chunk))
            let n = out.withUnsafeMutableBufferPointer { p in
                gzread(file, p.baseAddress! + start, UInt32(chunk))
            }
            if n < 0 {
                var code: Int32 = 0
                failure = String(cString: gzerror(file, &code))
                out.removeLast(chunk)
                break
            }
            out.removeLast(chunk - Int(n))
            if Int(n) < chunk {
                var code: Int32 = 0
                let message = gzerror(file, &code)
                if code != Z_OK && code != Z_STREAM_END, let message {
                    failure = String(cString: message)
                }
                break
            }
        }
        let closeStatus = gzclose_r(file)
        if let failure {
            throw CIMError.format(path: path, reason: "corrupt or truncated gzip data (\(failure))")
        }
        if closeStatus != Z_OK {
            throw CIMError.format(path: path, reason: "corrupt or truncated gzip data (zlib status \(closeStatus))")
        }
        return out
    }
}
