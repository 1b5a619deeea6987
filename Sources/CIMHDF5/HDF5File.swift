import CHDF5

/// An open HDF5 file.
///
/// Files are created with HDF5's default creation properties (readable by h5py, h5dump and any
/// HDF5 ≥ 1.8 reader) and opened with the *strong* close degree: `close()` closes the file and
/// every group or dataset handle opened from it, and later use of those handles throws
/// `HDF5Error.Kind.closed`. Without an explicit `close()`, the file closes when the last
/// `HDF5File`, `HDF5Group` or `HDF5Dataset` referring to it is released.
///
/// Not `Sendable`: use a file and its objects from one thread at a time (see `HDF5Library`).
public final class HDF5File {
    /// The path the file was created or opened with.
    public var path: String { state.path }
    /// Whether the file was opened for writing.
    public let isWritable: Bool
    /// The root group, `/`.
    public let root: HDF5Group
    /// The file identifier and its open/closed state, shared with every object of the file.
    let state: FileState

    private init(state: FileState, writable: Bool) throws(HDF5Error) {
        self.state = state
        self.isWritable = writable
        HDF5Library.prepare()
        let rootID = H5Gopen2(state.id, "/", cim_h5p_default())
        guard rootID >= 0 else {
            let error = HDF5Error.library("open root group", file: state.path, object: "/")
            try? state.close()
            throw error
        }
        self.root = HDF5Group(state: state, id: rootID, path: "/")
    }

    /// Creates `path` (truncating an existing file) and opens it for writing.
    ///
    /// - Parameter userBlockBytes: bytes reserved at the start of the file for the application
    ///   (HDF5 skips them; 0, or a power of two ≥ 512).
    public static func create(path: String, userBlockBytes: Int = 0) throws(HDF5Error) -> HDF5File {
        try create(path: path, userBlockBytes: userBlockBytes, inMemory: false)
    }

    /// Creates a file that lives only in memory (HDF5's core driver, no backing store):
    /// ``fileImage()`` returns its bytes, which the caller writes to disk itself. A full disk
    /// then never reaches libhdf5 (whose clean-up after a failed write can crash at exit).
    public static func createInMemory(name: String) throws(HDF5Error) -> HDF5File {
        try create(path: name, userBlockBytes: 0, inMemory: true)
    }

    private static func create(path: String, userBlockBytes: Int, inMemory: Bool) throws(HDF5Error) -> HDF5File {
        HDF5Library.prepare()
        let fapl = try strongCloseAccessList(path: path)
        defer { H5Pclose(fapl) }
        if inMemory, H5Pset_fapl_core(fapl, 1 << 20, false) < 0 { throw HDF5Error.library("create file in memory", file: path, object: "") }
        let fcpl = H5Pcreate(cim_h5p_file_create())
        guard fcpl >= 0 else { throw HDF5Error.library("create file", file: path, object: "") }
        defer { H5Pclose(fcpl) }
        if userBlockBytes > 0, H5Pset_userblock(fcpl, hsize_t(userBlockBytes)) < 0 {
            throw HDF5Error.library("create file (user block of \(userBlockBytes) bytes)", file: path, object: "")
        }
        let id = H5Fcreate(path, cim_h5f_acc_trunc(), fcpl, fapl)
        guard id >= 0 else { throw HDF5Error.library("create file", file: path, object: "") }
        return try HDF5File(state: FileState(path: path, id: id), writable: true)
    }

    /// The bytes of the whole file as it would be on disk (flushed first); for files made by
    /// ``createInMemory(name:)``.
    public func fileImage() throws(HDF5Error) -> [UInt8] {
        try flush()
        let size = H5Fget_file_image(state.id, nil, 0)
        guard size > 0 else { throw HDF5Error.library("file image", file: path, object: "") }
        var bytes = [UInt8](repeating: 0, count: size)
        guard H5Fget_file_image(state.id, &bytes, size) == size else { throw HDF5Error.library("file image", file: path, object: "") }
        return bytes
    }

    /// Opens the existing file at `path`, read-only unless `writable`.
    ///
    /// A missing, truncated or non-HDF5 file throws (`.library`, with HDF5's reason).
    public static func open(path: String, writable: Bool = false) throws(HDF5Error) -> HDF5File {
        HDF5Library.prepare()
        let fapl = try strongCloseAccessList(path: path)
        defer { H5Pclose(fapl) }
        let flags = writable ? cim_h5f_acc_rdwr() : cim_h5f_acc_rdonly()
        let id = H5Fopen(path, flags, fapl)
        guard id >= 0 else { throw HDF5Error.library("open file", file: path, object: "") }
        return try HDF5File(state: FileState(path: path, id: id), writable: writable)
    }

    /// Whether the file is still open.
    public var isOpen: Bool { state.isOpen }

    /// Writes everything buffered for this file to disk.
    public func flush() throws(HDF5Error) {
        HDF5Library.prepare()
        guard state.isOpen else { throw state.closedError("flush file") }
        guard H5Fflush(state.id, H5F_SCOPE_GLOBAL) >= 0 else {
            throw HDF5Error.library("flush file", file: path, object: "")
        }
    }

    /// Flushes and closes the file and every object opened from it. Closing twice does nothing.
    public func close() throws(HDF5Error) {
        try state.close()
    }

    /// A file-access property list with the strong close degree.
    private static func strongCloseAccessList(path: String) throws(HDF5Error) -> hid_t {
        let fapl = H5Pcreate(cim_h5p_file_access())
        guard fapl >= 0 else { throw HDF5Error.library("create file access list", file: path, object: "") }
        guard H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG) >= 0 else {
            H5Pclose(fapl)
            throw HDF5Error.library("set close degree", file: path, object: "")
        }
        // No flock-based file locking: files are written under a temporary name and renamed into
        // place, so readers never see a file being written; locking only fails on file systems
        // without flock (NFS on clusters) and between two handles of one process.
        guard H5Pset_file_locking(fapl, false, true) >= 0 else {
            H5Pclose(fapl)
            throw HDF5Error.library("disable file locking", file: path, object: "")
        }
        return fapl
    }
}

/// The file identifier shared by a file and its objects; closes the file when released.
final class FileState {
    /// The path the file was created or opened with.
    let path: String
    /// The HDF5 file identifier, negative once closed.
    private(set) var id: hid_t

    init(path: String, id: hid_t) {
        self.path = path
        self.id = id
    }

    /// Whether the file is still open.
    var isOpen: Bool { id >= 0 }

    /// The error for using the file after it was closed.
    func closedError(_ operation: String, object: String = "") -> HDF5Error {
        HDF5Error(kind: .closed, operation: operation, file: path, object: object, message: "the file is closed")
    }

    /// Closes the file (strong degree: with every object opened from it).
    func close() throws(HDF5Error) {
        guard isOpen else { return }
        HDF5Library.prepare()
        let status = H5Fclose(id)
        id = cim_h5i_invalid_hid()
        guard status >= 0 else { throw HDF5Error.library("close file", file: path, object: "") }
    }

    deinit {
        if isOpen {
            HDF5Library.prepare()
            _ = H5Fclose(id)
        }
    }
}
