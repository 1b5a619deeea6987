import CIMCore
import Foundation

/// Output locations, checked before long work starts: a directory is created when missing
/// and must be writable; a path that is a file is one error line naming it.
enum OutputDirectory {
    /// Creates `dir` (and its parents) when missing; fails when it is a file or not writable.
    static func prepare(_ dir: String) throws(CIMError) {
        let path = dir.isEmpty ? "." : dir
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw .io(path: path, reason: "is a file, not a directory") }
        } else {
            do { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) } catch {
                throw .io(path: path, reason: "cannot create the output directory")
            }
        }
        guard access(path, W_OK) == 0 else { throw .io(path: path, reason: "the output directory is not writable") }
    }

    /// Checks, without creating anything, that `dir` is a writable directory or can be created:
    /// its nearest existing ancestor must be a writable directory. For commands that may fail
    /// before their first output (a diverged training writes nothing).
    static func check(_ dir: String) throws(CIMError) {
        var path = dir.isEmpty ? "." : dir
        var isDirectory: ObjCBool = false
        while !FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            let parent = (path as NSString).deletingLastPathComponent
            path = parent.isEmpty ? "." : parent
        }
        guard isDirectory.boolValue else { throw .io(path: path, reason: "is a file, not a directory") }
        guard access(path, W_OK) == 0 else {
            throw .io(path: path, reason: path == dir ? "the output directory is not writable" : "not writable: cannot create \(dir)")
        }
    }

    /// Prepares the directory that will hold `file`.
    static func prepare(forFile file: String) throws(CIMError) {
        try prepare((file as NSString).deletingLastPathComponent)
    }
}
