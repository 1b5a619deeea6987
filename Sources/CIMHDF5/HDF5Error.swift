/// A failed HDF5 operation: what was attempted, on which file and object, and why.
///
/// `description` reads `<file><object>: <operation>: <message>`, for example
/// `/tmp/chip.h5/weights/conv1: open dataset: unable to open dataset: component not found`.
public struct HDF5Error: Error, CustomStringConvertible, Equatable, Sendable {
    /// What kind of failure this is.
    public enum Kind: Equatable, Sendable {
        /// The HDF5 library reported an error; `message` is the library's own description.
        case library
        /// The stored type or shape does not fit the requested Swift type.
        case typeMismatch
        /// An argument is invalid (shape and value count disagree, bad gzip level, empty name, …).
        case invalidArgument
        /// The file or object was already closed.
        case closed
    }

    /// What kind of failure this is.
    public let kind: Kind
    /// The operation that failed, e.g. `"read dataset"`.
    public let operation: String
    /// The file's path on disk.
    public let file: String
    /// The object's absolute path inside the file (`"/"`, `"/weights/conv1"`), or `""` for the
    /// file itself.
    public let object: String
    /// Why it failed: the HDF5 library's message for `.library`, CIMHDF5's own otherwise.
    public let message: String

    /// Creates an error from its parts.
    public init(kind: Kind, operation: String, file: String, object: String, message: String) {
        self.kind = kind
        self.operation = operation
        self.file = file
        self.object = object
        self.message = message
    }

    /// The file path followed by the object path, e.g. `/tmp/chip.h5/weights/conv1`.
    public var path: String {
        object.isEmpty || object == "/" ? file : file + object
    }

    /// `<path>: <operation>: <message>`.
    public var description: String {
        "\(path): \(operation): \(message)"
    }

    /// The failure on HDF5's error stack (which is cleared).
    static func library(_ operation: String, file: String, object: String) -> HDF5Error {
        HDF5Error(kind: .library, operation: operation, file: file, object: object,
                  message: HDF5Library.takeErrorMessage())
    }
}
