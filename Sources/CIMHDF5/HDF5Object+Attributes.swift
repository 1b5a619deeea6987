import CHDF5

/// Attributes: small named values on a group or dataset.
///
/// Written as: `Int` → int64 scalar, `Double` → float64 scalar, `String` → variable-length UTF-8
/// string scalar (h5py reads it as `str`), `[Int]` → 1-D int64, `[Double]` → 1-D float64.
/// Setting an existing attribute replaces it (its type may change). Reading checks the stored
/// type and throws `.typeMismatch` if it does not fit: `Int` reads any integer type except
/// uint64, `Double` reads float32 and float64 (never integers), `String` reads fixed- and
/// variable-length strings; a single-value read needs exactly one element, an array read
/// flattens any shape.
extension HDF5Object {
    /// Sets the int64 attribute `name`.
    public func setAttribute(_ name: String, _ value: Int) throws(HDF5Error) {
        var stored = Int64(value)
        try writeAttribute(name, type: cim_h5t_native_int64(), shape: []) { H5Awrite($0, $1, &stored) }
    }

    /// Sets the float64 attribute `name`.
    public func setAttribute(_ name: String, _ value: Double) throws(HDF5Error) {
        var stored = value
        try writeAttribute(name, type: cim_h5t_native_double(), shape: []) { H5Awrite($0, $1, &stored) }
    }

    /// Sets the 1-D int64 attribute `name`.
    public func setAttribute(_ name: String, _ values: [Int]) throws(HDF5Error) {
        let stored = values.map { Int64($0) }
        try writeAttribute(name, type: cim_h5t_native_int64(), shape: [stored.count]) { attribute, type in
            stored.withUnsafeBufferPointer { H5Awrite(attribute, type, $0.baseAddress) }
        }
    }

    /// Sets the 1-D float64 attribute `name`.
    public func setAttribute(_ name: String, _ values: [Double]) throws(HDF5Error) {
        try writeAttribute(name, type: cim_h5t_native_double(), shape: [values.count]) { attribute, type in
            values.withUnsafeBufferPointer { H5Awrite(attribute, type, $0.baseAddress) }
        }
    }

    /// Sets the variable-length UTF-8 string attribute `name`.
    public func setAttribute(_ name: String, _ value: String) throws(HDF5Error) {
        let op = "write attribute \"\(name)\""
        _ = try liveID(op, path)
        let type = try stringType(cset: H5T_CSET_UTF8, op)
        defer { H5Tclose(type) }
        try writeAttribute(name, type: type, shape: []) { attribute, type in
            value.withCString { text in
                var pointer: UnsafePointer<CChar>? = text
                return H5Awrite(attribute, type, &pointer)
            }
        }
    }

    /// The single integer of attribute `name`.
    public func intAttribute(_ name: String) throws(HDF5Error) -> Int {
        try integers(name, single: true)[0]
    }

    /// The integers of attribute `name`, flattened.
    public func intArrayAttribute(_ name: String) throws(HDF5Error) -> [Int] {
        try integers(name, single: false)
    }

    /// The single floating-point value of attribute `name`.
    public func doubleAttribute(_ name: String) throws(HDF5Error) -> Double {
        try doubles(name, single: true)[0]
    }

    /// The floating-point values of attribute `name`, flattened.
    public func doubleArrayAttribute(_ name: String) throws(HDF5Error) -> [Double] {
        try doubles(name, single: false)
    }

    /// The string attribute `name` (fixed-length strings lose their NUL or space padding).
    public func stringAttribute(_ name: String) throws(HDF5Error) -> String {
        let op = "read String attribute \"\(name)\""
        return try withAttribute(name, op) { (attribute, fileType, kind, shape) throws(HDF5Error) -> String in
            guard kind == .string else { throw mismatch(op, "stored as \(kind), read as String") }
            guard shape.reduce(1, *) == 1 else { throw mismatch(op, "holds shape \(shape), read as one String") }
            if H5Tis_variable_str(fileType) > 0 {
                let memoryType = try stringType(cset: H5Tget_cset(fileType), op)
                defer { H5Tclose(memoryType) }
                var pointer: UnsafeMutablePointer<CChar>? = nil
                guard H5Aread(attribute, memoryType, &pointer) >= 0 else { throw libraryError(op, path) }
                defer { if let pointer { H5free_memory(pointer) } }
                return pointer.map { String(cString: $0) } ?? ""
            }
            var bytes = [UInt8](repeating: 0, count: H5Tget_size(fileType))
            guard H5Aread(attribute, fileType, &bytes) >= 0 else { throw libraryError(op, path) }
            if let end = bytes.firstIndex(of: 0) { bytes.removeSubrange(end...) }
            if H5Tget_strpad(fileType) == H5T_STR_SPACEPAD {
                while bytes.last == 0x20 { bytes.removeLast() }
            }
            return String(decoding: bytes, as: UTF8.self)
        }
    }

    /// The stored element type of attribute `name`.
    public func attributeType(_ name: String) throws(HDF5Error) -> HDF5DataType {
        try withAttribute(name, "read attribute type \"\(name)\"") { _, _, kind, _ in kind }
    }

    /// Whether attribute `name` exists.
    public func hasAttribute(_ name: String) throws(HDF5Error) -> Bool {
        let op = "check attribute \"\(name)\""
        let id = try liveID(op, path)
        let found = H5Aexists(id, name)
        guard found >= 0 else { throw libraryError(op, path) }
        return found > 0
    }

    /// Names of all attributes, in HDF5's name order (byte-wise, like `strcmp`).
    public func attributeNames() throws(HDF5Error) -> [String] {
        let op = "list attributes"
        let id = try liveID(op, path)
        var names: [String] = []
        var position: hsize_t = 0
        let status = withUnsafeMutablePointer(to: &names) { list in
            H5Aiterate2(id, H5_INDEX_NAME, H5_ITER_INC, &position, { _, name, _, data in
                guard let name, let data else { return -1 }
                data.assumingMemoryBound(to: [String].self).pointee.append(String(cString: name))
                return 0
            }, list)
        }
        guard status >= 0 else { throw libraryError(op, path) }
        return names
    }

    /// Deletes attribute `name`.
    public func deleteAttribute(_ name: String) throws(HDF5Error) {
        let op = "delete attribute \"\(name)\""
        let id = try liveID(op, path)
        guard H5Adelete(id, name) >= 0 else { throw libraryError(op, path) }
    }

    // MARK: - Internals

    /// Replaces attribute `name` with one of `type` and `shape`, then `write(attribute, type)`s it.
    private func writeAttribute(_ name: String, type: hid_t, shape: [Int],
                                write: (hid_t, hid_t) -> herr_t) throws(HDF5Error) {
        let op = "write attribute \"\(name)\""
        let id = try liveID(op, path)
        try checkName(name, op)
        let found = H5Aexists(id, name)
        guard found >= 0, found == 0 || H5Adelete(id, name) >= 0 else { throw libraryError(op, path) }
        let space = createDataspace(shape)
        guard space >= 0 else { throw libraryError(op, path) }
        defer { H5Sclose(space) }
        let acpl = H5Pcreate(cim_h5p_attribute_create())
        guard acpl >= 0 else { throw libraryError(op, path) }
        defer { H5Pclose(acpl) }
        guard H5Pset_char_encoding(acpl, H5T_CSET_UTF8) >= 0 else { throw libraryError(op, path) }
        let attribute = H5Acreate2(id, name, type, space, acpl, cim_h5p_default())
        guard attribute >= 0 else { throw libraryError(op, path) }
        let written = shape.reduce(1, *) == 0 || write(attribute, type) >= 0
        let failure = written ? nil : libraryError(op, path)
        H5Aclose(attribute)
        if let failure {
            _ = H5Adelete(id, name)
            _ = H5Eclear2(cim_h5e_default())
            throw failure
        }
    }

    /// Opens attribute `name` and passes its handle, file type, classified type and shape.
    private func withAttribute<R>(_ name: String, _ op: String,
                                  _ body: (hid_t, hid_t, HDF5DataType, [Int]) throws(HDF5Error) -> R)
        throws(HDF5Error) -> R {
        let id = try liveID(op, path)
        try checkName(name, op)
        let attribute = H5Aopen(id, name, cim_h5p_default())
        guard attribute >= 0 else { throw libraryError(op, path) }
        defer { H5Aclose(attribute) }
        let type = H5Aget_type(attribute)
        guard type >= 0 else { throw libraryError(op, path) }
        defer { H5Tclose(type) }
        let space = H5Aget_space(attribute)
        guard space >= 0 else { throw libraryError(op, path) }
        defer { H5Sclose(space) }
        guard let shape = dataspaceShape(space) else { throw libraryError(op, path) }
        return try body(attribute, type, HDF5DataType(typeID: type), shape)
    }

    /// Reads attribute `name` as int64 values (one if `single`).
    private func integers(_ name: String, single: Bool) throws(HDF5Error) -> [Int] {
        let accepted: Set<HDF5DataType> = [.int8, .int16, .int32, .int64, .uint8, .uint16, .uint32]
        let values: [Int64] = try numbers(name, single: single, accepted: accepted, as: single ? "Int" : "[Int]")
        return values.map { Int($0) }
    }

    /// Reads attribute `name` as float64 values (one if `single`).
    private func doubles(_ name: String, single: Bool) throws(HDF5Error) -> [Double] {
        try numbers(name, single: single, accepted: [.float32, .float64], as: single ? "Double" : "[Double]")
    }

    /// Reads attribute `name` converted to `T` after checking its stored type is `accepted`.
    private func numbers<T: HDF5Scalar>(_ name: String, single: Bool, accepted: Set<HDF5DataType>,
                                        as swiftName: String) throws(HDF5Error) -> [T] {
        let op = "read \(swiftName) attribute \"\(name)\""
        return try withAttribute(name, op) { (attribute, _, kind, shape) throws(HDF5Error) -> [T] in
            guard accepted.contains(kind) else { throw mismatch(op, "stored as \(kind), read as \(swiftName)") }
            let total = shape.reduce(1, *)
            if single && total != 1 { throw mismatch(op, "holds shape \(shape), read as one \(swiftName)") }
            if total == 0 { return [] }
            var status: herr_t = 0
            let values = [T](unsafeUninitializedCapacity: total) { buffer, initialized in
                status = H5Aread(attribute, T.hdf5DataType.nativeTypeID!, buffer.baseAddress)
                initialized = status >= 0 ? total : 0
            }
            guard status >= 0 else { throw libraryError(op, path) }
            return values
        }
    }

    /// A new variable-length string type in `cset`.
    private func stringType(cset: H5T_cset_t, _ op: String) throws(HDF5Error) -> hid_t {
        let type = H5Tcopy(cim_h5t_c_s1())
        guard type >= 0 else { throw libraryError(op, path) }
        guard H5Tset_size(type, cim_h5t_variable()) >= 0, H5Tset_cset(type, cset) >= 0 else {
            let failure = libraryError(op, path)
            H5Tclose(type)
            throw failure
        }
        return type
    }

    /// A `.typeMismatch` error for `op` on this object.
    private func mismatch(_ op: String, _ message: String) -> HDF5Error {
        error(.typeMismatch, op, path, message)
    }
}
