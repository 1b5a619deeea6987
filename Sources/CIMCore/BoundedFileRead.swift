#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a small untrusted file whole, with a size limit checked before reading.
public enum BoundedFileRead {
    /// The bytes of the regular file at `path`, which may hold at most `maxBytes` bytes.
    /// `what` names the file in errors ("chip file my.json"). A directory, FIFO or device is
    /// refused without reading (a FIFO is opened non-blocking), as is a file that grows past
    /// the limit while being read.
    public static func bytes(atPath path: String, maxBytes: Int, what: String) throws(CIMError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { throw .io(path: what, reason: "cannot open (\(String(cString: strerror(errno))))") }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { throw .io(path: what, reason: "not a regular file") }
        let size = Int(info.st_size)
        guard size <= maxBytes else {
            throw .io(path: what, reason: "\(size) bytes is more than the limit of \(maxBytes) bytes")
        }
        var out = [UInt8](repeating: 0, count: maxBytes + 1)
        var done = 0
        while done <= maxBytes {
            let n = out.withUnsafeMutableBytes { read(fd, $0.baseAddress! + done, maxBytes + 1 - done) }
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else { throw .io(path: what, reason: "read failed (\(String(cString: strerror(errno))))") }
            if n == 0 { break }
            done += n
        }
        guard done <= maxBytes else { throw .io(path: what, reason: "more than the limit of \(maxBytes) bytes") }
        return Array(out[..<done])
    }
}
