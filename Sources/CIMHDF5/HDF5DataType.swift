import CHDF5

/// The element type of a stored dataset or attribute, named like NumPy's dtypes.
///
/// Byte order is not part of the type: a big-endian `float32` is still `.float32`, and reading it
/// converts it exactly.
public enum HDF5DataType: Hashable, Sendable, CustomStringConvertible {
    /// IEEE 754 binary32.
    case float32
    /// IEEE 754 binary64.
    case float64
    /// Signed 8-bit integer.
    case int8
    /// Signed 16-bit integer.
    case int16
    /// Signed 32-bit integer.
    case int32
    /// Signed 64-bit integer.
    case int64
    /// Unsigned 8-bit integer.
    case uint8
    /// Unsigned 16-bit integer.
    case uint16
    /// Unsigned 32-bit integer.
    case uint32
    /// Unsigned 64-bit integer.
    case uint64
    /// A string, fixed- or variable-length.
    case string
    /// Anything else, described by HDF5 class and size (e.g. `"compound (16 bytes)"`).
    case other(String)

    /// NumPy-style name: `"float32"`, `"uint8"`, `"string"`, or the `.other` description.
    public var description: String {
        switch self {
        case .float32: "float32"
        case .float64: "float64"
        case .int8: "int8"
        case .int16: "int16"
        case .int32: "int32"
        case .int64: "int64"
        case .uint8: "uint8"
        case .uint16: "uint16"
        case .uint32: "uint32"
        case .uint64: "uint64"
        case .string: "string"
        case .other(let text): text
        }
    }

    /// The native memory type HDF5 converts to and from for this type (nil: none).
    var nativeTypeID: hid_t? {
        switch self {
        case .float32: cim_h5t_native_float()
        case .float64: cim_h5t_native_double()
        case .int8: cim_h5t_native_int8()
        case .int16: cim_h5t_native_int16()
        case .int32: cim_h5t_native_int32()
        case .int64: cim_h5t_native_int64()
        case .uint8: cim_h5t_native_uint8()
        case .uint16: cim_h5t_native_uint16()
        case .uint32: cim_h5t_native_uint32()
        case .uint64: cim_h5t_native_uint64()
        case .string, .other: nil
        }
    }

    /// Classifies an HDF5 datatype by class, size, sign and (for floats) precision.
    init(typeID: hid_t) {
        let size = H5Tget_size(typeID)
        switch H5Tget_class(typeID) {
        case H5T_FLOAT:
            let bits = H5Tget_precision(typeID)
            if size == 4 && bits == 32 { self = .float32 }
            else if size == 8 && bits == 64 { self = .float64 }
            else { self = .other("float (\(bits) bits in \(size) bytes)") }
        case H5T_INTEGER:
            let signed = H5Tget_sign(typeID) == H5T_SGN_2
            let bits = H5Tget_precision(typeID)
            switch (size, signed, bits == size * 8) {
            case (1, true, true): self = .int8
            case (2, true, true): self = .int16
            case (4, true, true): self = .int32
            case (8, true, true): self = .int64
            case (1, false, true): self = .uint8
            case (2, false, true): self = .uint16
            case (4, false, true): self = .uint32
            case (8, false, true): self = .uint64
            default: self = .other("integer (\(bits) bits in \(size) bytes)")
            }
        case H5T_STRING: self = .string
        case H5T_COMPOUND: self = .other("compound (\(size) bytes)")
        case H5T_ENUM: self = .other("enum (\(size) bytes)")
        case H5T_ARRAY: self = .other("array (\(size) bytes)")
        case H5T_VLEN: self = .other("variable-length sequence")
        case H5T_BITFIELD: self = .other("bitfield (\(size) bytes)")
        case H5T_OPAQUE: self = .other("opaque (\(size) bytes)")
        case H5T_REFERENCE: self = .other("reference")
        case H5T_TIME: self = .other("time (\(size) bytes)")
        default: self = .other("unknown datatype")
        }
    }
}

/// A Swift number type stored as the HDF5 native type of the same class, size and sign.
///
/// Conforming types: `Float`, `Double`, `Int8`, `Int16`, `Int32`, `Int64`, `UInt8`, `UInt16`,
/// `UInt32`, `UInt64`. Conforming other types is not supported.
public protocol HDF5Scalar: BitwiseCopyable, Sendable {
    /// The stored type this Swift type reads from and writes to.
    static var hdf5DataType: HDF5DataType { get }
}

extension Float: HDF5Scalar {
    /// `.float32`.
    public static var hdf5DataType: HDF5DataType { .float32 }
}

extension Double: HDF5Scalar {
    /// `.float64`.
    public static var hdf5DataType: HDF5DataType { .float64 }
}

extension Int8: HDF5Scalar {
    /// `.int8`.
    public static var hdf5DataType: HDF5DataType { .int8 }
}

extension Int16: HDF5Scalar {
    /// `.int16`.
    public static var hdf5DataType: HDF5DataType { .int16 }
}

extension Int32: HDF5Scalar {
    /// `.int32`.
    public static var hdf5DataType: HDF5DataType { .int32 }
}

extension Int64: HDF5Scalar {
    /// `.int64`.
    public static var hdf5DataType: HDF5DataType { .int64 }
}

extension UInt8: HDF5Scalar {
    /// `.uint8`.
    public static var hdf5DataType: HDF5DataType { .uint8 }
}

extension UInt16: HDF5Scalar {
    /// `.uint16`.
    public static var hdf5DataType: HDF5DataType { .uint16 }
}

extension UInt32: HDF5Scalar {
    /// `.uint32`.
    public static var hdf5DataType: HDF5DataType { .uint32 }
}

extension UInt64: HDF5Scalar {
    /// `.uint64`.
    public static var hdf5DataType: HDF5DataType { .uint64 }
}
