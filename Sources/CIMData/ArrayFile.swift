import CIMCore

/// Named arrays in a file: the members of a `.npz` archive or the datasets of an HDF5 file.
protocol ArrayFile {
    /// The file's path, for messages.
    var path: String { get }
    /// Whether an array called `name` exists.
    func contains(_ name: String) throws(CIMError) -> Bool
    /// The names of the arrays at the top level (for messages).
    func names() throws(CIMError) -> [String]
    /// Reads `name`; `check` sees its type and shape first and may refuse it.
    func read(_ name: String, check: NPYReader.Check) throws(CIMError) -> NumericArray
}
