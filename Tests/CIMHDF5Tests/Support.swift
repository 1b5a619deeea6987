import CIMHDF5
import Foundation
import Testing

/// Every CIMHDF5 test runs under this serialized suite: a libhdf5 built without thread safety
/// must not be called from two threads at once.
@Suite("CIMHDF5", .serialized)
struct HDF5Tests {}

/// A fresh, uniquely named temporary directory, removed by `remove()`.
struct TempDir {
    let path: String

    init(_ name: String) {
        path = FileManager.default.temporaryDirectory
            .appendingPathComponent("cimkit-hdf5-\(name)-\(UUID().uuidString)").path
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    /// The path of `file` inside the directory.
    func file(_ file: String) -> String { path + "/" + file }

    /// Deletes the directory and its content.
    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// The `HDF5Error` `body` throws, or nil (recording an issue) if it throws nothing or another error.
func hdf5Error(_ body: () throws -> Void, sourceLocation: SourceLocation = #_sourceLocation) -> HDF5Error? {
    do {
        try body()
        Issue.record("expected an HDF5Error", sourceLocation: sourceLocation)
    } catch let error as HDF5Error {
        return error
    } catch {
        Issue.record("expected an HDF5Error, got \(error)", sourceLocation: sourceLocation)
    }
    return nil
}

/// Writes `values` to `name` in a new file, reopens it read-only and reads them back.
func roundTrip<T: HDF5Scalar>(_ values: [T], shape: [Int], in dir: TempDir, name: String = "data",
                              chunk: [Int]? = nil, gzipLevel: Int? = nil) throws -> (shape: [Int], values: [T], type: HDF5DataType) {
    let path = dir.file("\(name)-\(T.self).h5")
    let file = try HDF5File.create(path: path)
    try file.root.createDataset(name, shape: shape, values: values, chunk: chunk, gzipLevel: gzipLevel)
    try file.close()
    let reopened = try HDF5File.open(path: path)
    defer { try? reopened.close() }
    let (readShape, readValues): ([Int], [T]) = try reopened.root.readDataset(name)
    return (readShape, readValues, try reopened.root.datasetType(name))
}

/// Runs `executable` with `arguments`; returns the exit status and standard output.
func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = FileHandle.nullDevice
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}
