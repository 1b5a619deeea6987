import CHDF5
#if canImport(Glibc)
import Glibc
#endif

/// Takes an ``HDF5Node`` tree of a file with libhdf5 *in this process*, checking the
/// ``HDF5SnapshotPolicy`` before each read. Runs inside the isolated child process
/// (``HDF5Snapshot/read(path:policy:)``); a crafted file may still crash libhdf5 here, which is
/// why this is not called in the process that holds a user's data.
struct HDF5SnapshotCapture {
    let path: String
    let policy: HDF5SnapshotPolicy
    /// Bytes of values read so far.
    private var bytes = 0
    /// Objects visited so far.
    private var objects = 0
    /// Object header addresses seen (a second visit is an alias or a cycle).
    private var seen: Set<haddr_t> = []

    init(path: String, policy: HDF5SnapshotPolicy) {
        self.path = path
        self.policy = policy
    }

    /// The whole file as a tree.
    mutating func run() throws(HDF5Error) -> HDF5Node {
        let file = try HDF5File.open(path: path)
        defer { try? file.close() }
        return try node(file.root.id, path: "/", kind: .group, depth: 0)
    }

    func refuse(_ object: String, _ message: String) -> HDF5Error {
        HDF5Error(kind: .invalidArgument, operation: "refused", file: path, object: object, message: message)
    }

    func failure(_ op: String, _ object: String) -> HDF5Error { HDF5Error.library(op, file: path, object: object) }

    /// Adds `n` bytes to the running total, refusing past `maxBytes`.
    mutating func spend(_ n: Int, _ object: String) throws(HDF5Error) {
        let (sum, overflow) = bytes.addingReportingOverflow(n)
        guard !overflow, sum <= policy.maxBytes else {
            throw refuse(object, "the file's values need more than \(policy.maxBytes) bytes (the limit for this kind of file)")
        }
        bytes = sum
    }

    private mutating func node(_ id: hid_t, path object: String, kind: HDF5Node.Kind, depth: Int) throws(HDF5Error) -> HDF5Node {
        var info = H5O_info_t()
        guard H5Oget_info2(id, &info, UInt32(H5O_INFO_BASIC | H5O_INFO_NUM_ATTRS)) >= 0 else { throw failure("object info", object) }
        guard seen.insert(info.addr).inserted else { throw refuse(object, "the same object is reached twice (a hard-link alias or cycle)") }
        objects += 1
        guard objects <= policy.maxObjects else { throw refuse(object, "more than \(policy.maxObjects) groups and datasets") }
        var result = HDF5Node(file: path, path: object, kind: kind)
        result.attributes = try attributes(id, count: Int(info.num_attrs), object)
        switch kind {
        case .group: result.children = try children(id, object, depth: depth)
        case .dataset: try values(id, into: &result)
        }
        return result
    }

    // MARK: - Groups

    private mutating func children(_ group: hid_t, _ object: String, depth: Int) throws(HDF5Error) -> [String: HDF5Node] {
        guard depth < policy.maxDepth else { throw refuse(object, "groups nested deeper than \(policy.maxDepth)") }
        var ginfo = H5G_info_t()
        guard H5Gget_info(group, &ginfo) >= 0 else { throw failure("list children", object) }
        guard ginfo.nlinks <= hsize_t(policy.maxObjects) else { throw refuse(object, "\(ginfo.nlinks) links, more than \(policy.maxObjects)") }
        var out: [String: HDF5Node] = [:]
        for index in 0..<ginfo.nlinks {
            let name = try linkName(group, index, object)
            let child = (object == "/" ? "/" : object + "/") + name
            var linfo = H5L_info_t()
            guard H5Lget_info_by_idx(group, ".", H5_INDEX_NAME, H5_ITER_INC, index, &linfo, cim_h5p_default()) >= 0 else {
                throw failure("link info", child)
            }
            switch linfo.type {
            case H5L_TYPE_HARD: break
            case H5L_TYPE_SOFT: throw refuse(child, "a soft link; CIMKit files hold no links")
            case H5L_TYPE_EXTERNAL: throw refuse(child, "an external link to another file; CIMKit files hold no links")
            default: throw refuse(child, "a user-defined link; CIMKit files hold no links")
            }
            let handle = H5Oopen_by_idx(group, ".", H5_INDEX_NAME, H5_ITER_INC, index, cim_h5p_default())
            guard handle >= 0 else { throw failure("open object", child) }
            defer { H5Oclose(handle) }
            let kind: HDF5Node.Kind
            switch H5Iget_type(handle) {
            case H5I_GROUP: kind = .group
            case H5I_DATASET: kind = .dataset
            case H5I_DATATYPE: throw refuse(child, "a named datatype; CIMKit files hold only groups and datasets")
            default: throw refuse(child, "an object that is neither a group nor a dataset")
            }
            out[name] = try node(handle, path: child, kind: kind, depth: depth + 1)
        }
        return out
    }

    private func linkName(_ group: hid_t, _ index: hsize_t, _ object: String) throws(HDF5Error) -> String {
        let length = H5Lget_name_by_idx(group, ".", H5_INDEX_NAME, H5_ITER_INC, index, nil, 0, cim_h5p_default())
        guard length > 0, length <= 4096 else {
            throw length <= 0 ? failure("list children", object) : refuse(object, "a link name of \(length) bytes (at most 4096)")
        }
        var buffer = [CChar](repeating: 0, count: Int(length) + 1)
        guard H5Lget_name_by_idx(group, ".", H5_INDEX_NAME, H5_ITER_INC, index, &buffer, buffer.count, cim_h5p_default()) >= 0 else {
            throw failure("list children", object)
        }
        return String(decoding: buffer.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    // MARK: - Datasets

    private mutating func values(_ dataset: hid_t, into node: inout HDF5Node) throws(HDF5Error) {
        let object = node.path
        let dcpl = H5Dget_create_plist(dataset)
        guard dcpl >= 0 else { throw failure("dataset properties", object) }
        defer { H5Pclose(dcpl) }
        let layout = H5Pget_layout(dcpl)
        switch layout {
        case H5D_CONTIGUOUS, H5D_COMPACT, H5D_CHUNKED: break
        case H5D_VIRTUAL: throw refuse(object, "a virtual dataset (VDS) mapping other files; refused")
        default: throw refuse(object, "an unknown storage layout")
        }
        let external = H5Pget_external_count(dcpl)
        guard external == 0 else { throw refuse(object, "external raw storage (\(external) files outside this one); refused") }
        let filters = H5Pget_nfilters(dcpl)
        guard filters >= 0, filters <= 32 else { throw refuse(object, "\(filters) filters") }
        for i in 0..<filters {
            var flags: UInt32 = 0, count = 0, config: UInt32 = 0
            var name = [CChar](repeating: 0, count: 64)
            let id = H5Pget_filter2(dcpl, UInt32(i), &flags, &count, nil, name.count, &name, &config)
            guard let filter = HDF5SnapshotPolicy.Filter.allCases.first(where: { $0.id == id }), policy.allowedFilters.contains(filter) else {
                let allowed = policy.allowedFilters.map(\.rawValue).sorted().joined(separator: ", ")
                let label = String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
                throw refuse(object, "filter \(id) ('\(label)'); this kind of file may use \(allowed.isEmpty ? "none" : allowed)")
            }
        }
        let type = H5Dget_type(dataset), space = H5Dget_space(dataset)
        defer {
            if type >= 0 { H5Tclose(type) }
            if space >= 0 { H5Sclose(space) }
        }
        guard type >= 0, space >= 0 else { throw failure("dataset type and shape", object) }
        guard H5Sget_simple_extent_ndims(space) <= Int32(policy.maxRank), let shape = dataspaceShape(space) else {
            throw refuse(object, "a dataspace of more than \(policy.maxRank) dimensions or beyond 2^63 elements")
        }
        node.shape = shape
        node.dataType = HDF5DataType(typeID: type)
        guard let native = node.dataType.nativeTypeID else { return }  // recorded, not read: refused when used
        let size = H5Tget_size(native)
        guard let count = elementCount(shape), case (let total, false) = count.multipliedReportingOverflow(by: size) else {
            throw refuse(object, "shape \(shape) overflows")
        }
        if layout == H5D_CHUNKED {
            var dims = [hsize_t](repeating: 0, count: max(shape.count, 1))
            let rank = H5Pget_chunk(dcpl, Int32(dims.count), &dims)
            guard rank >= 0 else { throw failure("chunk shape", object) }
            var chunk = size
            for d in dims.prefix(Int(rank)) {
                guard let dim = Int(exactly: d), case (let p, false) = chunk.multipliedReportingOverflow(by: dim), p <= policy.maxChunkBytes else {
                    throw refuse(object, "chunks of \(dims.prefix(Int(rank))) elements, more than \(policy.maxChunkBytes) bytes each")
                }
                chunk = p
            }
        }
        try spend(total, object)
        guard total > 0 else { return }
        var status: herr_t = 0
        node.bytes = [UInt8](unsafeUninitializedCapacity: total) { buffer, initialized in
            status = H5Dread(dataset, native, cim_h5s_all(), cim_h5s_all(), cim_h5p_default(), buffer.baseAddress)
            initialized = total
        }
        guard status >= 0 else { throw failure("read dataset", object) }
    }
}
