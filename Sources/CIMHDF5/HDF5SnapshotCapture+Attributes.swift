import CHDF5
#if canImport(Glibc)
import Glibc
#endif

extension HDF5SnapshotCapture {
    /// The `count` attributes of the object `id`, each checked against the policy before it is read.
    mutating func attributes(_ id: hid_t, count: Int, _ object: String) throws(HDF5Error) -> [String: HDF5Node.Attribute] {
        guard count <= policy.maxAttributes else { throw refuse(object, "\(count) attributes, more than \(policy.maxAttributes)") }
        var out: [String: HDF5Node.Attribute] = [:]
        for index in 0..<count {
            let attribute = H5Aopen_by_idx(id, ".", H5_INDEX_NAME, H5_ITER_INC, hsize_t(index), cim_h5p_default(), cim_h5p_default())
            guard attribute >= 0 else { throw failure("open attribute \(index)", object) }
            defer { H5Aclose(attribute) }
            let length = H5Aget_name(attribute, 0, nil)
            guard length > 0, length <= 4096 else { throw refuse(object, "attribute \(index) has a name of \(length) bytes (1…4096)") }
            var buffer = [CChar](repeating: 0, count: length + 1)
            guard H5Aget_name(attribute, buffer.count, &buffer) == length else { throw failure("attribute name", object) }
            let name = String(decoding: buffer.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self)
            out[name] = try attributeValue(attribute, object + "@" + name)
        }
        return out
    }

    private mutating func attributeValue(_ attribute: hid_t, _ object: String) throws(HDF5Error) -> HDF5Node.Attribute {
        let type = H5Aget_type(attribute), space = H5Aget_space(attribute)
        defer {
            if type >= 0 { H5Tclose(type) }
            if space >= 0 { H5Sclose(space) }
        }
        guard type >= 0, space >= 0 else { throw failure("attribute type and shape", object) }
        guard H5Sget_simple_extent_ndims(space) <= Int32(policy.maxRank), let shape = dataspaceShape(space), let count = elementCount(shape) else {
            throw refuse(object, "an attribute of more than \(policy.maxRank) dimensions or beyond 2^63 elements")
        }
        let kind = HDF5DataType(typeID: type)
        var result = HDF5Node.Attribute(type: kind, shape: shape, values: .unreadable)
        switch kind {
        case .string:
            guard count == 1 else { return result }
            result.values = .string(try string(attribute, type, object))
        case .float32, .float64:
            result.values = .doubles(try numbers(attribute, count: count, native: cim_h5t_native_double(), as: Double.self, object))
        case .uint64:
            result.values = .integers(try numbers(attribute, count: count, native: cim_h5t_native_uint64(), as: UInt64.self, object)
                .map { Int64(bitPattern: $0) })
        case .int8, .int16, .int32, .int64, .uint8, .uint16, .uint32:
            result.values = .integers(try numbers(attribute, count: count, native: cim_h5t_native_int64(), as: Int64.self, object))
        case .other: break
        }
        return result
    }

    private mutating func numbers<T: BitwiseCopyable>(_ attribute: hid_t, count: Int, native: hid_t, as: T.Type,
                                                      _ object: String) throws(HDF5Error) -> [T] {
        guard case (let bytes, false) = count.multipliedReportingOverflow(by: 8), bytes <= policy.maxAttributeBytes else {
            throw refuse(object, "an attribute of \(count) elements, more than \(policy.maxAttributeBytes) bytes")
        }
        try spend(bytes, object)
        if count == 0 { return [] }
        var status: herr_t = 0
        let values = [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            status = H5Aread(attribute, native, buffer.baseAddress)
            initialized = count
        }
        guard status >= 0 else { throw failure("read attribute", object) }
        return values
    }

    /// A scalar string attribute, fixed-length (padding removed) or variable-length.
    private mutating func string(_ attribute: hid_t, _ type: hid_t, _ object: String) throws(HDF5Error) -> String {
        if H5Tis_variable_str(type) > 0 {
            // The length lives in the global heap; libhdf5 allocates it (bounded by the child's memory limit).
            let memory = H5Tcopy(cim_h5t_c_s1())
            guard memory >= 0 else { throw failure("string type", object) }
            defer { H5Tclose(memory) }
            guard H5Tset_size(memory, cim_h5t_variable()) >= 0, H5Tset_cset(memory, H5Tget_cset(type)) >= 0 else {
                throw failure("string type", object)
            }
            var pointer: UnsafeMutablePointer<CChar>? = nil
            guard H5Aread(attribute, memory, &pointer) >= 0 else { throw failure("read attribute", object) }
            defer { if let pointer { H5free_memory(pointer) } }
            guard let pointer else { return "" }
            let length = strnlen(pointer, policy.maxAttributeBytes + 1)
            guard length <= policy.maxAttributeBytes else { throw refuse(object, "a string of more than \(policy.maxAttributeBytes) bytes") }
            try spend(length, object)
            return String(decoding: UnsafeRawBufferPointer(start: pointer, count: length), as: UTF8.self)
        }
        let size = H5Tget_size(type)
        guard size > 0, size <= policy.maxAttributeBytes else { throw refuse(object, "a string of \(size) bytes (1…\(policy.maxAttributeBytes))") }
        try spend(size, object)
        var bytes = [UInt8](repeating: 0, count: size)
        guard H5Aread(attribute, type, &bytes) >= 0 else { throw failure("read attribute", object) }
        if let end = bytes.firstIndex(of: 0) { bytes.removeSubrange(end...) }
        if H5Tget_strpad(type) == H5T_STR_SPACEPAD {
            while bytes.last == 0x20 { bytes.removeLast() }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
