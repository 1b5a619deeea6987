import CIMCore

extension String {
    /// The text with control characters and line separators escaped (`\u{a}`), so that a name
    /// read from a file cannot break an error message into several lines.
    var printable: String {
        var out = ""
        for scalar in unicodeScalars {
            switch scalar.properties.generalCategory {
            case .control, .lineSeparator, .paragraphSeparator, .format:
                out += "\\u{\(String(scalar.value, radix: 16))}"
            default:
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}

extension CIMError {
    /// The same error with every text ``String/printable``.
    var printable: CIMError {
        switch self {
        case .blasUnavailable(let why): .blasUnavailable(why.printable)
        case .invalidConfig(let field, let reason): .invalidConfig(field: field.printable, reason: reason.printable)
        case .io(let path, let reason): .io(path: path.printable, reason: reason.printable)
        case .format(let path, let reason): .format(path: path.printable, reason: reason.printable)
        }
    }
}

/// Runs `body`, making any error it throws one printable line.
func printableErrors<T>(_ body: () throws(CIMError) -> T) throws(CIMError) -> T {
    do { return try body() } catch { throw error.printable }
}
