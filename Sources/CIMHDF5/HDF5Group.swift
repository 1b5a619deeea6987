import CHDF5

/// An open HDF5 group: a directory of named groups and datasets.
///
/// Names passed to a group's methods may be paths: relative to this group (`"a/b"`) or absolute
/// from the file's root (`"/a/b"`). Creating an object creates missing intermediate groups, and
/// link names are stored as UTF-8. Datasets are in `HDF5Group+Datasets.swift`.
public final class HDF5Group: HDF5Object {
    /// Creates the group `name` (and any missing groups above it).
    @discardableResult
    public func createGroup(_ name: String) throws(HDF5Error) -> HDF5Group {
        let op = "create group", object = childPath(name)
        let id = try liveID(op, object)
        try checkName(name, op)
        let lcpl = try linkCreationList(op, object)
        defer { H5Pclose(lcpl) }
        let group = H5Gcreate2(id, name, lcpl, cim_h5p_default(), cim_h5p_default())
        guard group >= 0 else { throw libraryError(op, object) }
        return HDF5Group(state: state, id: group, path: object)
    }

    /// Opens the existing group `name`.
    public func openGroup(_ name: String) throws(HDF5Error) -> HDF5Group {
        let op = "open group", object = childPath(name)
        let id = try liveID(op, object)
        try checkName(name, op)
        let group = H5Gopen2(id, name, cim_h5p_default())
        guard group >= 0 else { throw libraryError(op, object) }
        return HDF5Group(state: state, id: group, path: object)
    }

    /// Whether a link `name` exists (every group on the way must exist and be a group).
    public func exists(_ name: String) throws(HDF5Error) -> Bool {
        let op = "check existence", object = childPath(name)
        let id = try liveID(op, object)
        try checkName(name, op)
        let parts = name.split(separator: "/")
        var prefix = name.hasPrefix("/") ? "/" : ""
        for (index, part) in parts.enumerated() {
            prefix += (prefix.isEmpty || prefix == "/" ? "" : "/") + part
            let found = H5Lexists(id, prefix, cim_h5p_default())
            guard found >= 0 else { throw libraryError(op, object) }
            if found == 0 { return false }
            if index < parts.count - 1, try objectType(prefix, op, object) != H5I_GROUP { return false }
        }
        return true
    }

    /// Names of this group's direct children (groups, datasets, other links), sorted in HDF5's
    /// name order (byte-wise, like `strcmp`).
    public func childNames() throws(HDF5Error) -> [String] {
        let op = "list children"
        let id = try liveID(op, path)
        var info = H5G_info_t()
        guard H5Gget_info(id, &info) >= 0 else { throw libraryError(op, path) }
        var names: [String] = []
        names.reserveCapacity(Int(info.nlinks))
        for index in 0..<info.nlinks {
            let length = H5Lget_name_by_idx(id, ".", H5_INDEX_NAME, H5_ITER_INC, index, nil, 0, cim_h5p_default())
            guard length >= 0 else { throw libraryError(op, path) }
            var buffer = [CChar](repeating: 0, count: Int(length) + 1)
            guard H5Lget_name_by_idx(id, ".", H5_INDEX_NAME, H5_ITER_INC, index, &buffer, buffer.count,
                                     cim_h5p_default()) >= 0 else { throw libraryError(op, path) }
            names.append(String(decoding: buffer.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return names
    }

    /// Whether `name` exists and is a group.
    public func isGroup(_ name: String) throws(HDF5Error) -> Bool {
        guard try exists(name) else { return false }
        return try objectType(name, "check object type", childPath(name)) == H5I_GROUP
    }

    /// Whether `name` exists and is a dataset.
    public func isDataset(_ name: String) throws(HDF5Error) -> Bool {
        guard try exists(name) else { return false }
        return try objectType(name, "check object type", childPath(name)) == H5I_DATASET
    }

    /// The identifier type (`H5I_GROUP`, `H5I_DATASET`, …) of the existing object `name`.
    func objectType(_ name: String, _ op: String, _ object: String) throws(HDF5Error) -> H5I_type_t {
        let id = try liveID(op, object)
        let handle = H5Oopen(id, name, cim_h5p_default())
        guard handle >= 0 else { throw libraryError(op, object) }
        defer { H5Oclose(handle) }
        return H5Iget_type(handle)
    }

    /// A link-creation property list: create missing intermediate groups, UTF-8 names.
    func linkCreationList(_ op: String, _ object: String) throws(HDF5Error) -> hid_t {
        let lcpl = H5Pcreate(cim_h5p_link_create())
        guard lcpl >= 0 else { throw libraryError(op, object) }
        guard H5Pset_create_intermediate_group(lcpl, 1) >= 0,
              H5Pset_char_encoding(lcpl, H5T_CSET_UTF8) >= 0 else {
            let failure = libraryError(op, object)
            H5Pclose(lcpl)
            throw failure
        }
        return lcpl
    }
}
