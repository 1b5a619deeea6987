import Foundation

/// Writes files so that a reader never sees a partial one: the bytes go to a temporary file
/// in the same directory (created exclusively, written in full and synced), which is then
/// published under the destination's name only when complete.
///
/// - A failed write (a full disk, a read-only directory) removes the temporary file and is one
///   error line naming the destination and the system's reason; an existing destination is
///   never touched.
/// - Temporary files are named `.NAME.tmp-HOST-PID-RANDOM`. Those left by killed processes of
///   this host (their PID no longer runs) are removed by the next write to the same destination;
///   another host's (a shared file system on a cluster) are left alone.
/// - ``Mode/exclusive`` publishes with `link(2)`, which fails if the destination exists, so of
///   two writers racing for one path exactly one succeeds; ``Mode/replace`` renames over it.
public enum AtomicFile {
    /// How the finished file takes the destination's name.
    public enum Mode: Sendable {
        /// Replace an existing file (`rename(2)`).
        case replace
        /// Fail if the destination exists, even if another process creates it meanwhile.
        case exclusive
    }

    /// Writes `data` to `path`, creating parent directories as needed.
    public static func write(_ data: Data, to path: String, mode: Mode = .replace) throws(CIMError) {
        try write([UInt8](data), to: path, mode: mode)
    }

    /// Writes `bytes` to `path`, creating parent directories as needed.
    public static func write(_ bytes: [UInt8], to path: String, mode: Mode = .replace) throws(CIMError) {
        let url = URL(fileURLWithPath: path)
        let dir = url.deletingLastPathComponent().path, name = url.lastPathComponent
        do {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        } catch {
            throw CIMError.io(path: dir, reason: "cannot create directory (\(error.localizedDescription))")
        }
        removeStaleTemporaries(in: dir, of: name)
        let tmp = dir + "/.\(name).tmp-\(host)-\(getpid())-\(String(UInt32.random(in: 0...UInt32.max), radix: 16))"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw CIMError.io(path: path, reason: "cannot create a temporary file in \(dir) (\(errorText()))") }
        var failure: String?
        bytes.withUnsafeBytes { raw in
            var done = 0
            while done < raw.count {
                let n = Foundation.write(fd, raw.baseAddress! + done, raw.count - done)
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { failure = "cannot write (\(errorText()))"; return }
                done += n
            }
        }
        if failure == nil, fsync(fd) != 0 { failure = "cannot write (\(errorText()))" }
        if close(fd) != 0, failure == nil { failure = "cannot write (\(errorText()))" }
        if let failure {
            unlink(tmp)
            throw CIMError.io(path: path, reason: failure)
        }
        switch mode {
        case .replace:
            guard rename(tmp, path) == 0 else {
                let reason = errorText()
                unlink(tmp)
                throw CIMError.io(path: path, reason: "cannot rename into place (\(reason))")
            }
        case .exclusive:
            let linked = link(tmp, path), reason = errorText(), code = errno
            unlink(tmp)
            guard linked == 0 else {
                throw CIMError.io(path: path, reason: code == EEXIST ? "exists (created meanwhile by another writer? use --overwrite or another --out)"
                                                                     : "cannot move into place (\(reason))")
            }
        }
    }

    /// This host's name without dashes (they separate the temporary name's fields).
    static let host: String = {
        var buffer = [CChar](repeating: 0, count: 256)
        gethostname(&buffer, buffer.count - 1)
        let name = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let clean = name.filter { $0.isLetter || $0.isNumber || $0 == "." }
        return clean.isEmpty ? "host" : String(clean.prefix(64))
    }()

    /// Removes the file at `path` if there is one (a previous run's output about to be
    /// replaced); a file that exists but cannot be removed is an error naming it.
    public static func removeIfPresent(_ path: String) throws(CIMError) {
        guard unlink(path) == 0 || errno == ENOENT else {
            throw .io(path: path, reason: "cannot remove the previous file (\(errorText()))")
        }
    }

    /// Removes `dir/.NAME.tmp-HOST-PID-…` files of this host whose process no longer runs.
    public static func removeStaleTemporaries(in dir: String, of name: String) {
        let prefix = ".\(name).tmp-\(host)-"
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: dir) else { return }
        for entry in entries where entry.hasPrefix(prefix) {
            let pidText = entry.dropFirst(prefix.count).prefix { $0 != "-" }
            guard let pid = Int32(pidText), pid > 0, pid != getpid() else { continue }
            if kill(pid, 0) != 0 && errno == ESRCH { unlink(dir + "/" + entry) }
        }
    }

    private static func errorText() -> String { String(cString: strerror(errno)) }
}
