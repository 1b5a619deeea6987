import CIMCore

/// The header of a NumPy `.npy` array (format versions 1.0, 2.0 and 3.0): the magic string
/// `\x93NUMPY`, the version, the header length (2 bytes in 1.0, 4 bytes in 2.0 and 3.0,
/// little-endian) and a Python dict literal with `descr`, `fortran_order` and `shape`.
///
/// Only C-order arrays of little-endian (or single-byte) numbers are accepted; big-endian
/// dtypes, Fortran order, object arrays (pickles) and record dtypes are each one clear error.
struct NPYHeader: Equatable, Sendable {
    /// The format version's major number (1, 2 or 3).
    var version: Int
    /// The element type; `.other` for dtypes a dataset cannot use (strings, complex, …).
    var elementType: ElementType
    /// The `descr` as written, e.g. `"<f4"`.
    var descr: String
    /// Dimensions, slowest-varying first (`[]` for a scalar).
    var shape: [Int]
    /// Elements: the product of `shape` (checked against the limits).
    var elementCount: Int
    /// Bytes of array data after the header: `elementCount × elementType.size`.
    var dataBytes: Int
    /// Bytes from the start of the array to its data (magic, version, length, dict).
    var headerBytes: Int

    /// The magic string every `.npy` array starts with.
    static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]

    /// Reads the header from `source` (leaving it at the first data byte).
    ///
    /// - Parameters:
    ///   - path: the file, for messages.
    ///   - name: the array's name (e.g. `x_test`), for messages.
    static func read<S: ByteSource>(from source: inout S, path: String, name: String,
                                    limits: DatasetFileLimits) throws(CIMError) -> NPYHeader {
        func fail(_ reason: String) -> CIMError { .format(path: path, reason: "\(name): \(reason)") }
        guard source.remaining >= 10 else {
            throw fail("not a .npy array: \(source.remaining) bytes, shorter than the 10-byte preamble")
        }
        let preamble = try source.bytes(8)
        guard Array(preamble[0..<6]) == magic else {
            throw fail("not a .npy array (no \\x93NUMPY magic; a pickled object?)")
        }
        let major = Int(preamble[6]), minor = Int(preamble[7])
        guard (1...3).contains(major), minor == 0 else {
            throw fail(".npy format version \(major).\(minor) is not supported (1.0, 2.0, 3.0)")
        }
        let lengthBytes = try source.bytes(major == 1 ? 2 : 4)
        var length = 0
        for (i, b) in lengthBytes.enumerated() { length |= Int(b) << (8 * i) }
        guard length <= limits.maxHeaderBytes else {
            throw fail(".npy header of \(length) bytes is longer than the limit (\(limits.maxHeaderBytes))")
        }
        guard length <= source.remaining else {
            throw fail("truncated: the .npy header needs \(length) bytes, \(source.remaining) left")
        }
        let text = try source.bytes(length)
        let dict: PythonLiteral.Value
        do { dict = try PythonLiteral.parse(text) } catch { throw fail("malformed .npy header: \(error.reason)") }
        var header = try parse(dict, fail: fail)
        header.version = major
        header.headerBytes = 8 + lengthBytes.count + length
        let size = try NumericArray.checkedSize(shape: header.shape, elementSize: header.elementType.size,
                                                limits: limits, path: path, name: name)
        header.elementCount = size.elements
        header.dataBytes = size.bytes
        return header
    }

    /// The three fields of the header dict.
    private static func parse(_ value: PythonLiteral.Value, fail: (String) -> CIMError) throws(CIMError) -> NPYHeader {
        guard case .dict(let entries, let order) = value else { throw fail("malformed .npy header: not a dict") }
        let expected: Set = ["descr", "fortran_order", "shape"]
        if let extra = order.first(where: { !expected.contains($0) }) {
            throw fail("malformed .npy header: unexpected key '\(extra)'")
        }
        guard let descrValue = entries["descr"], let fortranValue = entries["fortran_order"], let shapeValue = entries["shape"] else {
            throw fail("malformed .npy header: needs the keys descr, fortran_order and shape, has \(order)")
        }
        let descr: String
        switch descrValue {
        case .string(let s): descr = s
        case .list: throw fail("record (structured) dtypes are not supported; save a plain numeric array")
        default: throw fail("malformed .npy header: descr is not a string")
        }
        guard case .bool(let fortran) = fortranValue else { throw fail("malformed .npy header: fortran_order is not True or False") }
        guard !fortran else {
            throw fail("Fortran-order (column-major) arrays are not supported; save np.ascontiguousarray(x)")
        }
        let items: [PythonLiteral.Value]
        switch shapeValue {
        case .tuple(let t), .list(let t): items = t
        default: throw fail("malformed .npy header: shape is not a tuple")
        }
        var shape: [Int] = []
        for item in items {
            guard case .integer(let dim) = item else { throw fail("malformed .npy header: shape holds a non-integer") }
            guard let dim else { throw fail("shape has a dimension too large for a 64-bit integer") }
            guard dim >= 0 else { throw fail("shape has a negative dimension (\(dim))") }
            shape.append(dim)
        }
        return NPYHeader(version: 0, elementType: try elementType(descr: descr, fail: fail), descr: descr, shape: shape,
                         elementCount: 0, dataBytes: 0, headerBytes: 0)
    }

    /// The element type of a NumPy type string such as `<f4` or `|u1`.
    static func elementType(descr: String, fail: (String) -> CIMError) throws(CIMError) -> ElementType {
        let chars = Array(descr.utf8)
        guard chars.count >= 2, "<>|=".utf8.contains(chars[0]) else {
            throw fail("malformed dtype '\(descr)'")
        }
        let order = chars[0], kind = chars[1]
        if kind == UInt8(ascii: "O") {
            throw fail("object arrays (pickled Python objects) are not supported; save a numeric array")
        }
        let size = Int(String(decoding: chars[2...], as: UTF8.self)) ?? 0
        let type: ElementType
        switch (kind, size) {
        case (UInt8(ascii: "b"), 1): type = .bool
        case (UInt8(ascii: "u"), 1): type = .uint8
        case (UInt8(ascii: "u"), 2): type = .uint16
        case (UInt8(ascii: "u"), 4): type = .uint32
        case (UInt8(ascii: "u"), 8): type = .uint64
        case (UInt8(ascii: "i"), 1): type = .int8
        case (UInt8(ascii: "i"), 2): type = .int16
        case (UInt8(ascii: "i"), 4): type = .int32
        case (UInt8(ascii: "i"), 8): type = .int64
        case (UInt8(ascii: "f"), 2): type = .float16
        case (UInt8(ascii: "f"), 4): type = .float32
        case (UInt8(ascii: "f"), 8): type = .float64
        default: return .other("dtype '\(descr)'")
        }
        if type.size > 1 {
            if order == UInt8(ascii: ">") {
                throw fail("big-endian dtype '\(descr)' is not supported (little-endian only; save x.astype('<\(descr.dropFirst())'))")
            }
            guard order == UInt8(ascii: "<") else {
                throw fail("dtype '\(descr)' does not say little-endian ('<'); only little-endian data is supported")
            }
        }
        return type
    }
}
