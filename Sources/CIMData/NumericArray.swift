import CIMCore

/// The element type of an array in a dataset file, named like NumPy's dtypes.
public enum ElementType: Hashable, Sendable, CustomStringConvertible {
    case bool, uint8, int8, uint16, int16, uint32, int32, uint64, int64, float16, float32, float64
    /// Anything else (strings, complex numbers, records, …), described in words.
    case other(String)

    /// Bytes per element (0 for ``other(_:)``).
    public var size: Int {
        switch self {
        case .bool, .uint8, .int8: 1
        case .uint16, .int16, .float16: 2
        case .uint32, .int32, .float32: 4
        case .uint64, .int64, .float64: 8
        case .other: 0
        }
    }

    /// Whether this is an integer type (`bool` is not).
    public var isInteger: Bool {
        switch self {
        case .uint8, .int8, .uint16, .int16, .uint32, .int32, .uint64, .int64: true
        default: false
        }
    }

    /// NumPy's name: `"uint8"`, `"float32"`, …
    public var description: String {
        switch self {
        case .bool: "bool"
        case .uint8: "uint8"
        case .int8: "int8"
        case .uint16: "uint16"
        case .int16: "int16"
        case .uint32: "uint32"
        case .int32: "int32"
        case .uint64: "uint64"
        case .int64: "int64"
        case .float16: "float16"
        case .float32: "float32"
        case .float64: "float64"
        case .other(let text): text
        }
    }
}

/// An n-dimensional array read from a dataset file (row-major, like NumPy).
///
/// Only what datasets need is kept: 8-bit and float32 values as they are (images), and any
/// integer type widened to `Int64` (labels).
public struct NumericArray: Sendable {
    /// The values.
    public enum Values: Sendable, Equatable {
        case uint8([UInt8])
        case float32([Float])
        /// Integers of any stored width (`uint64` values above `Int64.max` become `Int64.max`).
        case integers([Int64])
    }

    /// Dimensions, slowest-varying first.
    public var shape: [Int]
    /// The element type stored in the file.
    public var elementType: ElementType
    /// The values, `shape.reduce(1, *)` of them.
    public var values: Values

    public init(shape: [Int], elementType: ElementType, values: Values) {
        self.shape = shape
        self.elementType = elementType
        self.values = values
    }

    /// Whether ``Values`` can hold `type`: `.uint8` and `.float32` as they are, integers widened;
    /// not bool, float16, float64 and the rest.
    static func canStore(_ type: ElementType) -> Bool {
        type == .uint8 || type == .float32 || type.isInteger
    }

    /// The product of `shape`, checked: every dimension ≥ 0, at most `limits.maxElements`
    /// elements and `limits.maxArrayBytes` bytes of `elementSize`.
    ///
    /// - Returns: the element count and the byte count.
    static func checkedSize(shape: [Int], elementSize: Int, limits: DatasetFileLimits,
                            path: String, name: String) throws(CIMError) -> (elements: Int, bytes: Int) {
        guard shape.count <= limits.maxRank else {
            throw .format(path: path, reason: "\(name): \(shape.count) dimensions, more than the limit (\(limits.maxRank))")
        }
        var count = 1
        for dim in shape {
            guard dim >= 0 else { throw .format(path: path, reason: "\(name): shape \(shape) has a negative dimension") }
            let (product, overflow) = count.multipliedReportingOverflow(by: dim)
            guard !overflow, product <= limits.maxElements else {
                throw .format(path: path, reason: "\(name): shape \(shape) has more than \(limits.maxElements) elements (the limit)")
            }
            count = product
        }
        let (bytes, overflow) = count.multipliedReportingOverflow(by: max(elementSize, 1))
        guard !overflow, bytes <= limits.maxArrayBytes else {
            throw .format(path: path, reason: "\(name): shape \(shape) needs more than \(limits.maxArrayBytes) bytes (the limit)")
        }
        return (count, bytes)
    }

    /// `name[i, j, …]` for the flat index `flat`, for messages.
    static func indexDescription(_ name: String, flat: Int, shape: [Int]) -> String {
        var rest = flat
        var index = [Int](repeating: 0, count: shape.count)
        for axis in stride(from: shape.count - 1, through: 0, by: -1) where shape[axis] > 0 {
            index[axis] = rest % shape[axis]
            rest /= shape[axis]
        }
        return "\(name)[\(index.map(String.init).joined(separator: ", "))]"
    }
}
