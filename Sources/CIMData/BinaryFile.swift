import CIMCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A regular file opened read-only, read at explicit offsets (`pread`); closed when released.
final class BinaryFile {
    /// The path, for messages.
    let path: String
    /// The file's size in bytes when it was opened.
    let size: Int
    private let descriptor: Int32

    /// Opens `path`, which must be a regular file.
    init(path: String) throws(CIMError) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw CIMError.io(path: path, reason: "cannot open (\(String(cString: strerror(errno))))")
        }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
            close(fd)
            throw CIMError.io(path: path, reason: "not a regular file")
        }
        self.path = path
        self.size = Int(info.st_size)
        self.descriptor = fd
    }

    deinit { close(descriptor) }

    /// Fills `buffer` with the bytes at `offset`; a range beyond the end of the file is an error
    /// that says `what` was being read.
    func read(at offset: Int, into buffer: UnsafeMutableRawBufferPointer, what: String) throws(CIMError) {
        let (end, overflow) = offset.addingReportingOverflow(buffer.count)
        guard offset >= 0, !overflow, end <= size else {
            throw CIMError.format(path: path, reason: "truncated: \(what) needs bytes \(offset)..<\(overflow ? Int.max : end), the file has \(size)")
        }
        var done = 0
        while done < buffer.count {
            let n = pread(descriptor, buffer.baseAddress! + done, buffer.count - done, off_t(offset + done))
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                let reason = n < 0 ? String(cString: strerror(errno)) : "unexpected end of file"
                throw CIMError.io(path: path, reason: "read of \(what) failed at byte \(offset + done) (\(reason))")
            }
            done += n
        }
    }

    /// The `count` bytes at `offset`.
    func bytes(at offset: Int, count: Int, what: String) throws(CIMError) -> [UInt8] {
        try [UInt8].filled(count: count) { buffer throws(CIMError) in try read(at: offset, into: buffer, what: what) }
    }

    /// The SHA-256 of the whole file, read in 1 MiB pieces.
    func sha256() throws(CIMError) -> String {
        var hash = SHA256()
        var offset = 0
        while offset < size {
            let n = min(1 << 20, size - offset)
            hash.update(try bytes(at: offset, count: n, what: "the file"))
            offset += n
        }
        return hash.finalize().map { byte in
            let digits = Array("0123456789abcdef")
            return String([digits[Int(byte >> 4)], digits[Int(byte & 15)]])
        }.joined()
    }
}
