import CHDF5

extension HDF5Group {
    /// Creates the dataset `name` with `shape` (row-major; `[]` for a scalar) holding `values`
    /// in one write, stored as `T.hdf5DataType` (little-endian on x86-64 and arm64).
    ///
    /// - Parameters:
    ///   - chunk: chunk dimensions (same rank as `shape`; each is clamped to the dataset's
    ///     dimension). `nil` stores the dataset contiguous. A dataset without elements is always
    ///     stored contiguous.
    ///   - gzipLevel: deflate level 0…9; needs `chunk`.
    /// - Throws: `.invalidArgument` if `values.count` is not the product of `shape`, or for a bad
    ///   chunk or level; `.library` if HDF5 fails (for example, the name exists). A dataset whose
    ///   write fails is removed again.
    @discardableResult
    public func createDataset<T: HDF5Scalar>(_ name: String, shape: [Int], values: [T], chunk: [Int]? = nil,
                                             gzipLevel: Int? = nil) throws(HDF5Error) -> HDF5Dataset {
        let op = "create dataset", object = childPath(name)
        let id = try liveID(op, object)
        try checkName(name, op)
        guard let total = elementCount(shape) else {
            throw error(.invalidArgument, op, object, "shape \(shape) has a negative dimension or too many elements")
        }
        guard total == values.count else {
            throw error(.invalidArgument, op, object, "shape \(shape) needs \(total) values, got \(values.count)")
        }
        let dcpl = try datasetCreationList(shape: shape, chunk: chunk, gzipLevel: gzipLevel, op, object)
        defer { H5Pclose(dcpl) }
        let lcpl = try linkCreationList(op, object)
        defer { H5Pclose(lcpl) }
        let space = createDataspace(shape)
        guard space >= 0 else { throw libraryError(op, object) }
        defer { H5Sclose(space) }
        guard let memoryType = T.hdf5DataType.nativeTypeID else {
            throw error(.invalidArgument, op, object, "\(T.self) has no HDF5 native type")
        }
        let dataset = H5Dcreate2(id, name, memoryType, space, lcpl, dcpl, cim_h5p_default())
        guard dataset >= 0 else { throw libraryError(op, object) }
        if total > 0 {
            let status = values.withUnsafeBufferPointer { buffer in
                H5Dwrite(dataset, memoryType, cim_h5s_all(), cim_h5s_all(), cim_h5p_default(), buffer.baseAddress)
            }
            guard status >= 0 else {
                let failure = libraryError("write dataset", object)
                H5Dclose(dataset)
                H5Ldelete(id, name, cim_h5p_default())
                HDF5Library.prepare()
                _ = H5Eclear2(cim_h5e_default())
                throw failure
            }
        }
        return HDF5Dataset(state: state, id: dataset, path: object, shape: shape, dataType: T.hdf5DataType)
    }

    /// Opens the existing dataset `name`.
    public func openDataset(_ name: String) throws(HDF5Error) -> HDF5Dataset {
        let op = "open dataset", object = childPath(name)
        let id = try liveID(op, object)
        try checkName(name, op)
        return try HDF5Dataset.open(name, in: id, state: state, path: object, operation: op)
    }

    /// Reads the whole dataset `name`. The stored type must be exactly `T.hdf5DataType` (class,
    /// size and sign), otherwise this throws `.typeMismatch`.
    public func readDataset<T: HDF5Scalar>(_ name: String, as type: T.Type = T.self)
        throws(HDF5Error) -> (shape: [Int], values: [T]) {
        let dataset = try openDataset(name)
        defer { dataset.close() }
        return (dataset.shape, try dataset.read(as: T.self))
    }

    /// The shape of the dataset `name` (`[]` for a scalar).
    public func datasetShape(_ name: String) throws(HDF5Error) -> [Int] {
        let dataset = try openDataset(name)
        defer { dataset.close() }
        return dataset.shape
    }

    /// The stored element type of the dataset `name`.
    public func datasetType(_ name: String) throws(HDF5Error) -> HDF5DataType {
        let dataset = try openDataset(name)
        defer { dataset.close() }
        return dataset.dataType
    }

    /// A dataset-creation property list with the checked chunking and deflate settings.
    private func datasetCreationList(shape: [Int], chunk: [Int]?, gzipLevel: Int?,
                                     _ op: String, _ object: String) throws(HDF5Error) -> hid_t {
        if let level = gzipLevel {
            guard (0...9).contains(level) else {
                throw error(.invalidArgument, op, object, "gzip level \(level) is not in 0…9")
            }
            guard chunk != nil else {
                throw error(.invalidArgument, op, object, "gzip compression needs a chunk shape")
            }
        }
        if let chunk {
            guard !shape.isEmpty, chunk.count == shape.count, chunk.allSatisfy({ $0 > 0 }) else {
                throw error(.invalidArgument, op, object,
                            "chunk \(chunk) must have one positive dimension per dataset dimension \(shape)")
            }
        }
        let dcpl = H5Pcreate(cim_h5p_dataset_create())
        guard dcpl >= 0 else { throw libraryError(op, object) }
        guard let chunk, shape.allSatisfy({ $0 > 0 }) else { return dcpl }
        let dims = zip(chunk, shape).map { hsize_t(Swift.min($0, $1)) }
        var ok = H5Pset_chunk(dcpl, Int32(dims.count), dims) >= 0
        if ok, let level = gzipLevel {
            ok = H5Zfilter_avail(H5Z_filter_t(H5Z_FILTER_DEFLATE)) > 0 && H5Pset_deflate(dcpl, UInt32(level)) >= 0
        }
        guard ok else {
            let failure = libraryError(op, object)
            H5Pclose(dcpl)
            throw failure
        }
        return dcpl
    }
}
