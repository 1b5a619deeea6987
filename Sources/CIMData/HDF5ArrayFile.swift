import CIMCore
import CIMHDF5

/// The datasets of an HDF5 file (h5py: `f.create_dataset("x_test", data=x)`); names may be
/// paths (`test/images`).
///
/// The file is read by the isolated reader (``HDF5Snapshot``): libhdf5 never parses it in this
/// process. Filters: deflate (h5py `compression="gzip"`), shuffle and fletcher32; values of all
/// datasets together at most the deflate expansion bound of the file's size.
final class HDF5ArrayFile: ArrayFile {
    let root: HDF5Node
    let path: String
    let limits: DatasetFileLimits
    /// The file's size in bytes, which bounds what a dataset may claim.
    let fileSize: Int

    init(path: String, limits: DatasetFileLimits) throws(CIMError) {
        fileSize = try BinaryFile(path: path).size  // also: exists, is a regular file
        let policy = HDF5SnapshotPolicy(allowedFilters: [.deflate, .shuffle, .fletcher32],
                                        maxBytes: min(limits.expansionBound(fileSize), limits.maxArrayBytes.multipliedReportingOverflow(by: 4).overflow
                                                      ? Int.max : limits.maxArrayBytes * 4))
        do { root = try HDF5Snapshot.read(path: path, policy: policy) } catch {
            throw CIMError.format(path: path, reason: error.kind == .library ? "not a readable HDF5 file (\(error.message))"
                                  : "\(error.object.isEmpty ? "" : error.object + ": ")\(error.message)")
        }
        self.path = path
        self.limits = limits
    }

    private func converted(_ error: HDF5Error) -> CIMError {
        .format(path: path, reason: "\(error.object): \(error.operation): \(error.message)")
    }

    func contains(_ name: String) throws(CIMError) -> Bool {
        do { return try root.isDataset(name) } catch { throw converted(error) }
    }

    func names() throws(CIMError) -> [String] {
        do { return try root.childNames() } catch { throw converted(error) }
    }

    func read(_ name: String, check: NPYReader.Check) throws(CIMError) -> NumericArray {
        guard try contains(name) else {
            throw CIMError.format(path: path, reason: "no dataset '\(name)' (the file holds \(try names().joined(separator: ", ")))")
        }
        do {
            let dataset = try root.openDataset(name)
            let type = Self.elementType(dataset.dataType)
            try check(type, dataset.shape)
            guard NumericArray.canStore(type) else {
                throw CIMError.format(path: path, reason: "\(name): \(type) datasets are not supported")
            }
            let size = try NumericArray.checkedSize(shape: dataset.shape, elementSize: type.size, limits: limits, path: path, name: name)
            guard size.bytes <= limits.expansionBound(fileSize) else {
                throw CIMError.format(path: path, reason:
                    "\(name): shape \(dataset.shape) of \(type) needs \(size.bytes) bytes, more than a file of \(fileSize) bytes can hold")
            }
            let values: NumericArray.Values
            switch type {
            case .uint8: values = .uint8(try dataset.read(as: UInt8.self))
            case .float32: values = .float32(try dataset.read(as: Float.self))
            case .int8: values = .integers(try dataset.read(as: Int8.self).map(Int64.init))
            case .int16: values = .integers(try dataset.read(as: Int16.self).map(Int64.init))
            case .int32: values = .integers(try dataset.read(as: Int32.self).map(Int64.init))
            case .int64: values = .integers(try dataset.read(as: Int64.self))
            case .uint16: values = .integers(try dataset.read(as: UInt16.self).map(Int64.init))
            case .uint32: values = .integers(try dataset.read(as: UInt32.self).map(Int64.init))
            default: values = .integers(try dataset.read(as: UInt64.self).map { $0 > UInt64(Int64.max) ? Int64.max : Int64($0) })
            }
            return NumericArray(shape: dataset.shape, elementType: type, values: values)
        } catch let error as HDF5Error {
            throw converted(error)
        } catch let error as CIMError {
            throw error
        } catch {
            throw CIMError.format(path: path, reason: "\(name): \(error)")
        }
    }

    /// CIMHDF5's type names → ``ElementType``.
    static func elementType(_ type: HDF5DataType) -> ElementType {
        switch type {
        case .float32: .float32
        case .float64: .float64
        case .int8: .int8
        case .int16: .int16
        case .int32: .int32
        case .int64: .int64
        case .uint8: .uint8
        case .uint16: .uint16
        case .uint32: .uint32
        case .uint64: .uint64
        case .string: .other("string")
        case .other(let text): .other(text)
        }
    }
}
