import CIMCore

extension HDF5Group {
    /// Creates the float32 dataset `name` with the tensor's shape and values (see
    /// `createDataset(_:shape:values:chunk:gzipLevel:)` for `chunk` and `gzipLevel`).
    @discardableResult
    public func createDataset(_ name: String, tensor: Tensor, chunk: [Int]? = nil,
                              gzipLevel: Int? = nil) throws(HDF5Error) -> HDF5Dataset {
        try createDataset(name, shape: tensor.shape, values: tensor.data, chunk: chunk, gzipLevel: gzipLevel)
    }

    /// Reads the float32 dataset `name` as a tensor (any other stored type throws `.typeMismatch`).
    public func readTensor(_ name: String) throws(HDF5Error) -> Tensor {
        let (shape, values): ([Int], [Float]) = try readDataset(name)
        return Tensor(shape: shape, data: values)
    }
}
