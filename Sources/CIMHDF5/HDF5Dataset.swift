import CHDF5

/// An open HDF5 dataset: an n-dimensional array of one element type, with attributes.
///
/// `shape` and `dataType` are read once, when the dataset is opened. Create and read datasets
/// through `HDF5Group` (`createDataset`, `openDataset`, `readDataset`).
public final class HDF5Dataset: HDF5Object {
    /// The dimensions, slowest-varying first (row-major, like NumPy): `[]` for a scalar, `[0]`
    /// for a null dataspace (h5py's `Empty`).
    public let shape: [Int]
    /// The stored element type.
    public let dataType: HDF5DataType

    init(state: FileState, id: hid_t, path: String, shape: [Int], dataType: HDF5DataType) {
        self.shape = shape
        self.dataType = dataType
        super.init(state: state, id: id, path: path)
    }

    /// The number of elements (1 for a scalar).
    public var count: Int { shape.reduce(1, *) }

    /// All elements in row-major order. The stored type must be exactly `T.hdf5DataType`
    /// (class, size and sign; byte order may differ), otherwise this throws `.typeMismatch`.
    public func read<T: HDF5Scalar>(as type: T.Type = T.self) throws(HDF5Error) -> [T] {
        let op = "read dataset"
        let id = try liveID(op, path)
        guard dataType == T.hdf5DataType, let memoryType = T.hdf5DataType.nativeTypeID else {
            throw error(.typeMismatch, op, path, "stored as \(dataType), read as \(T.hdf5DataType) (\(T.self))")
        }
        let total = count
        if total == 0 { return [] }
        var status: herr_t = 0
        let values = [T](unsafeUninitializedCapacity: total) { buffer, initialized in
            status = H5Dread(id, memoryType, cim_h5s_all(), cim_h5s_all(), cim_h5p_default(), buffer.baseAddress)
            initialized = status >= 0 ? total : 0
        }
        guard status >= 0 else { throw libraryError(op, path) }
        return values
    }

    /// Opens the dataset `name` relative to the object `parent`, reading its type and shape.
    static func open(_ name: String, in parent: hid_t, state: FileState, path: String,
                     operation op: String) throws(HDF5Error) -> HDF5Dataset {
        let id = H5Dopen2(parent, name, cim_h5p_default())
        guard id >= 0 else { throw HDF5Error.library(op, file: state.path, object: path) }
        let type = H5Dget_type(id)
        let space = H5Dget_space(id)
        defer {
            if type >= 0 { H5Tclose(type) }
            if space >= 0 { H5Sclose(space) }
        }
        guard type >= 0, space >= 0, let shape = dataspaceShape(space) else {
            let failure = HDF5Error.library(op, file: state.path, object: path)
            H5Dclose(id)
            throw failure
        }
        return HDF5Dataset(state: state, id: id, path: path, shape: shape, dataType: HDF5DataType(typeID: type))
    }
}
