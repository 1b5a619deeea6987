/// Errors a user can cause or meet in the core library. Every message names what is at fault.
public enum CIMError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The BLAS library could not be loaded.
    case blasUnavailable(String)
    /// A configuration field has an invalid value.
    case invalidConfig(field: String, reason: String)
    /// A file could not be read or written.
    case io(path: String, reason: String)
    /// A file's content is malformed.
    case format(path: String, reason: String)

    public var description: String {
        switch self {
        case .blasUnavailable(let why): return why
        case .invalidConfig(let field, let reason): return "invalid \(field): \(reason)"
        case .io(let path, let reason): return "\(path): \(reason)"
        case .format(let path, let reason): return "\(path): \(reason)"
        }
    }
}
