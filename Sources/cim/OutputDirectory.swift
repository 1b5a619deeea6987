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

    /// Prepares the directory that will hold `file`.
    static func prepare(forFile file: String) throws(CIMError) {
        try prepare((file as NSString).deletingLastPathComponent)
    }
}
