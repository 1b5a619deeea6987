/// One group or dataset of an ``HDF5Snapshot``: its attributes, and its children (a group) or
/// its element type, shape and values (a dataset), held in memory.
///
/// The read methods mirror `HDF5Group`, `HDF5Dataset` and `HDF5Object` (same names, same type
/// rules, same `HDF5Error` kinds), so a reader written for an open file reads a snapshot the
/// same way: `Int` reads any integer attribute except uint64, `Double` reads float32 and
/// float64, `String` reads fixed- and variable-length strings, a single-value read needs
/// exactly one element, and a dataset reads only as exactly its stored type.
public struct HDF5Node: Sendable {
    /// Group or dataset.
    public enum Kind: UInt8, Sendable { case group = 0, dataset = 1 }

    /// An attribute's stored type, shape and values.
    public struct Attribute: Sendable, Equatable {
        /// The values, converted as HDF5 converts them to int64, float64 or UTF-8.
        public enum Values: Sendable, Equatable {
            /// Integers of any integer type (uint64 values as their bit pattern).
            case integers([Int64])
            /// float32 or float64 values.
            case doubles([Double])
            /// One string (fixed-length strings without their padding).
            case string(String)
            /// A type CIMHDF5 does not read (string arrays, compound, enum, …).
            case unreadable
        }
        /// The stored element type.
        public var type: HDF5DataType
        /// The dataspace's dimensions (`[]` for a scalar).
        public var shape: [Int]
        /// The values.
        public var values: Values

        /// Creates an attribute.
        public init(type: HDF5DataType, shape: [Int], values: Values) {
            self.type = type
            self.shape = shape
            self.values = values
        }
    }

    /// The file the snapshot was taken from (for error messages).
    public var file: String
    /// The absolute path inside the file (`/`, `/network/layer_000`).
    public var path: String
    /// Group or dataset.
    public var kind: Kind
    /// Attributes by name.
    public var attributes: [String: Attribute]
    /// Children by link name (groups only).
    public var children: [String: HDF5Node]
    /// The stored element type (datasets only; `.other` for types without values here).
    public var dataType: HDF5DataType
    /// The dimensions (datasets only; `[]` for a scalar).
    public var shape: [Int]
    /// The elements as the native little-endian bytes of `dataType`, row-major (empty for
    /// types without values here).
    public var bytes: [UInt8]

    /// Creates a node.
    public init(file: String, path: String, kind: Kind, attributes: [String: Attribute] = [:], children: [String: HDF5Node] = [:],
                dataType: HDF5DataType = .other("group"), shape: [Int] = [], bytes: [UInt8] = []) {
        self.file = file
        self.path = path
        self.kind = kind
        self.attributes = attributes
        self.children = children
        self.dataType = dataType
        self.shape = shape
        self.bytes = bytes
    }

    /// The number of elements (1 for a scalar).
    public var count: Int { shape.reduce(1, *) }

    // MARK: - Children (paths relative to this node; a leading "/" is ignored)

    /// The node at `name` (`a/b`), or `nil`.
    public func child(_ name: String) -> HDF5Node? {
        var node = self
        for part in name.split(separator: "/") where part != "." {
            guard node.kind == .group, let next = node.children[String(part)] else { return nil }
            node = next
        }
        return node
    }

    /// Whether `name` exists.
    public func exists(_ name: String) throws(HDF5Error) -> Bool { child(name) != nil }
    /// Whether `name` exists and is a group.
    public func isGroup(_ name: String) throws(HDF5Error) -> Bool { child(name)?.kind == .group }
    /// Whether `name` exists and is a dataset.
    public func isDataset(_ name: String) throws(HDF5Error) -> Bool { child(name)?.kind == .dataset }

    /// The group `name`.
    public func openGroup(_ name: String) throws(HDF5Error) -> HDF5Node {
        guard let node = child(name), node.kind == .group else { throw missing("open group", name, "no group of that name") }
        return node
    }

    /// The dataset `name`.
    public func openDataset(_ name: String) throws(HDF5Error) -> HDF5Node {
        guard let node = child(name), node.kind == .dataset else { throw missing("open dataset", name, "no dataset of that name") }
        return node
    }

    /// Names of the direct children, in HDF5's name order (byte-wise, like `strcmp`).
    public func childNames() throws(HDF5Error) -> [String] { Self.byteOrder(children.keys) }

    // MARK: - Dataset values

    /// All elements in row-major order; the stored type must be exactly `T.hdf5DataType`.
    public func read<T: HDF5Scalar>(as type: T.Type = T.self) throws(HDF5Error) -> [T] {
        guard kind == .dataset, dataType == T.hdf5DataType else {
            throw error(.typeMismatch, "read dataset", "stored as \(dataType), read as \(T.hdf5DataType) (\(T.self))")
        }
        let total = count
        guard bytes.count == total * MemoryLayout<T>.stride else {
            throw error(.library, "read dataset", "holds \(bytes.count) bytes for \(total) elements of \(dataType)")
        }
        return [T](unsafeUninitializedCapacity: total) { buffer, initialized in
            bytes.withUnsafeBytes { raw in
                if total > 0 { UnsafeMutableRawPointer(buffer.baseAddress!).copyMemory(from: raw.baseAddress!, byteCount: raw.count) }
            }
            initialized = total
        }
    }

    // MARK: - Attributes

    /// Whether attribute `name` exists.
    public func hasAttribute(_ name: String) throws(HDF5Error) -> Bool { attributes[name] != nil }
    /// Names of all attributes, in HDF5's name order.
    public func attributeNames() throws(HDF5Error) -> [String] { Self.byteOrder(attributes.keys) }
    /// The stored element type of attribute `name`.
    public func attributeType(_ name: String) throws(HDF5Error) -> HDF5DataType { try attribute(name, "read attribute type").type }

    /// The single integer of attribute `name`.
    public func intAttribute(_ name: String) throws(HDF5Error) -> Int { try integers(name, single: true)[0] }
    /// The integers of attribute `name`, flattened.
    public func intArrayAttribute(_ name: String) throws(HDF5Error) -> [Int] { try integers(name, single: false) }
    /// The single floating-point value of attribute `name`.
    public func doubleAttribute(_ name: String) throws(HDF5Error) -> Double { try doubles(name, single: true)[0] }
    /// The floating-point values of attribute `name`, flattened.
    public func doubleArrayAttribute(_ name: String) throws(HDF5Error) -> [Double] { try doubles(name, single: false) }

    /// The string attribute `name`.
    public func stringAttribute(_ name: String) throws(HDF5Error) -> String {
        let op = "read String attribute \"\(name)\""
        let a = try attribute(name, op)
        guard a.type == .string else { throw error(.typeMismatch, op, "stored as \(a.type), read as String") }
        guard case .string(let text) = a.values else { throw error(.typeMismatch, op, "holds shape \(a.shape), read as one String") }
        return text
    }

    // MARK: - Internals

    private func attribute(_ name: String, _ op: String) throws(HDF5Error) -> Attribute {
        guard let a = attributes[name] else { throw error(.library, op, "attribute not found") }
        return a
    }

    private func integers(_ name: String, single: Bool) throws(HDF5Error) -> [Int] {
        let swiftName = single ? "Int" : "[Int]", op = "read \(swiftName) attribute \"\(name)\""
        let a = try attribute(name, op)
        let accepted: Set<HDF5DataType> = [.int8, .int16, .int32, .int64, .uint8, .uint16, .uint32]
        guard accepted.contains(a.type), case .integers(let values) = a.values else {
            throw error(.typeMismatch, op, "stored as \(a.type), read as \(swiftName)")
        }
        if single && values.count != 1 { throw error(.typeMismatch, op, "holds shape \(a.shape), read as one \(swiftName)") }
        return values.map { Int($0) }
    }

    private func doubles(_ name: String, single: Bool) throws(HDF5Error) -> [Double] {
        let swiftName = single ? "Double" : "[Double]", op = "read \(swiftName) attribute \"\(name)\""
        let a = try attribute(name, op)
        guard a.type == .float32 || a.type == .float64, case .doubles(let values) = a.values else {
            throw error(.typeMismatch, op, "stored as \(a.type), read as \(swiftName)")
        }
        if single && values.count != 1 { throw error(.typeMismatch, op, "holds shape \(a.shape), read as one \(swiftName)") }
        return values
    }

    private func missing(_ op: String, _ name: String, _ message: String) -> HDF5Error {
        let object = name.hasPrefix("/") ? name : (path == "/" ? "/" : path + "/") + name
        return HDF5Error(kind: .library, operation: op, file: file, object: object, message: message)
    }

    private func error(_ kind: HDF5Error.Kind, _ op: String, _ message: String) -> HDF5Error {
        HDF5Error(kind: kind, operation: op, file: file, object: path, message: message)
    }

    /// Byte-wise (`strcmp`) order of UTF-8 names.
    public static func byteOrder<S: Sequence<String>>(_ names: S) -> [String] {
        names.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
    }
}
