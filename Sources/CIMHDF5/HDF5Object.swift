import CHDF5

/// What groups and datasets have in common: an open handle, a path in the file and attributes
/// (see the `setAttribute` and `…Attribute(_:)` methods).
///
/// The handle closes with `close()`, when the object is released, or when its file is closed.
/// Not `Sendable`: use from one thread at a time.
public class HDF5Object {
    /// The file's path on disk.
    public var filePath: String { state.path }
    /// The absolute path inside the file: `"/"`, `"/weights"`, `"/weights/conv1"`.
    public let path: String
    /// The file this object belongs to.
    let state: FileState
    /// The HDF5 object identifier, negative once closed.
    private(set) var id: hid_t

    init(state: FileState, id: hid_t, path: String) {
        self.state = state
        self.id = id
        self.path = path
    }

    deinit {
        if id >= 0 && state.isOpen {
            HDF5Library.prepare()
            _ = H5Oclose(id)
        }
    }

    /// Whether this handle (and its file) are still open.
    public var isOpen: Bool { id >= 0 && state.isOpen }

    /// Closes this handle; the file stays open. Closing twice does nothing.
    public func close() {
        if id >= 0 && state.isOpen {
            HDF5Library.prepare()
            _ = H5Oclose(id)
        }
        id = cim_h5i_invalid_hid()
    }

    /// The open identifier for `operation` on `object`, after `HDF5Library.prepare()`;
    /// throws `.closed` if this handle or its file was closed.
    func liveID(_ operation: String, _ object: String) throws(HDF5Error) -> hid_t {
        HDF5Library.prepare()
        guard state.isOpen else { throw state.closedError(operation, object: object) }
        guard id >= 0 else {
            throw HDF5Error(kind: .closed, operation: operation, file: state.path, object: object,
                            message: "the object handle is closed")
        }
        return id
    }

    /// The absolute path of `name` (relative to this object unless it starts with `/`).
    func childPath(_ name: String) -> String {
        if name.hasPrefix("/") { return name }
        return path == "/" ? "/" + name : path + "/" + name
    }

    /// The library's failure for `operation` on `object`.
    func libraryError(_ operation: String, _ object: String) -> HDF5Error {
        HDF5Error.library(operation, file: state.path, object: object)
    }

    /// A CIMHDF5 error of `kind` for `operation` on `object`.
    func error(_ kind: HDF5Error.Kind, _ operation: String, _ object: String, _ message: String) -> HDF5Error {
        HDF5Error(kind: kind, operation: operation, file: state.path, object: object, message: message)
    }

    /// Throws `.invalidArgument` for an empty name.
    func checkName(_ name: String, _ operation: String) throws(HDF5Error) {
        if name.isEmpty { throw error(.invalidArgument, operation, path, "the name is empty") }
    }
}

/// Shape of a dataspace: `[]` for a scalar, `[0]` for a null (empty) dataspace, nil on failure.
func dataspaceShape(_ space: hid_t) -> [Int]? {
    switch H5Sget_simple_extent_type(space) {
    case H5S_SCALAR: return []
    case H5S_NULL: return [0]
    case H5S_SIMPLE:
        let rank = H5Sget_simple_extent_ndims(space)
        guard rank >= 0 else { return nil }
        var dims = [hsize_t](repeating: 0, count: Int(rank))
        guard H5Sget_simple_extent_dims(space, &dims, nil) >= 0 else { return nil }
        let shape = dims.compactMap { Int(exactly: $0) }  // a crafted file may claim more than Int.max
        return shape.count == dims.count ? shape : nil
    default: return nil
    }
}

/// A new dataspace for `shape` (`[]`: scalar), or a negative identifier on failure.
func createDataspace(_ shape: [Int]) -> hid_t {
    if shape.isEmpty { return H5Screate(H5S_SCALAR) }
    let dims = shape.map { hsize_t($0) }
    return H5Screate_simple(Int32(dims.count), dims, nil)
}

/// The number of elements of `shape`, or nil if a dimension is negative or the product overflows.
func elementCount(_ shape: [Int]) -> Int? {
    var count = 1
    for dim in shape {
        guard dim >= 0 else { return nil }
        let (product, overflow) = count.multipliedReportingOverflow(by: dim)
        if overflow { return nil }
        count = product
    }
    return count
}
