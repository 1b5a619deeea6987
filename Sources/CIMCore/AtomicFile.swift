import Foundation

/// Writes files so that a reader never sees a partial one: the bytes go to a temporary file
/// in the same directory, which is renamed over the destination only when complete.
public enum AtomicFile {
    /// Writes `data` to `path` atomically, creating parent directories as needed.
    public static func write(_ data: Data, to path: String) throws(CIMError) {
        let url = URL(fileURLWithPath: path)
        let dir = url.deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        } catch {
            throw CIMError.io(path: dir.path, reason: "cannot create directory (\(error.localizedDescription))")
        }
        let tmp = dir.appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())")
        guard FileManager.default.createFile(atPath: tmp.path, contents: data) else {
            throw CIMError.io(path: tmp.path, reason: "cannot write temporary file")
        }
        if rename(tmp.path, url.path) != 0 {
            let reason = String(cString: strerror(errno))
            unlink(tmp.path)
            throw CIMError.io(path: path, reason: "cannot rename into place (\(reason))")
        }
    }
}
