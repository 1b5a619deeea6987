import CHDF5

/// Facts about the linked HDF5 library, and the set-up every CIMHDF5 call goes through.
///
/// CIMHDF5 turns HDF5's automatic error printing off (the library never writes to stderr) and
/// turns the library's error stack into `HDF5Error` messages instead.
///
/// Threads: HDF5 objects (`HDF5File`, `HDF5Group`, `HDF5Dataset`) are not `Sendable`; use each
/// file from one thread at a time. Whether *different* files may be used from different threads
/// at once depends on how libhdf5 was built: check `isThreadSafe`, and if it is `false` make
/// every HDF5 call in the process from one thread at a time.
public enum HDF5Library {
    /// The linked library's version, e.g. `"1.10.8"`.
    public static var version: String {
        prepare()
        var major: UInt32 = 0, minor: UInt32 = 0, release: UInt32 = 0
        _ = H5get_libversion(&major, &minor, &release)
        return "\(major).\(minor).\(release)"
    }

    /// Whether the linked library was built thread-safe (one global lock around every call).
    public static var isThreadSafe: Bool {
        prepare()
        var flag: hbool_t = false
        return H5is_library_threadsafe(&flag) >= 0 && flag
    }

    /// `H5open` once per process.
    private static let opened: Bool = H5open() >= 0

    /// Opens the library once, and turns automatic error printing off for the calling thread
    /// (a thread-safe HDF5 keeps one error stack, with its own printing switch, per thread).
    static func prepare() {
        _ = opened
        _ = H5Eset_auto2(cim_h5e_default(), nil, nil)
    }

    /// The failure on the calling thread's error stack as one line, then clears the stack:
    /// the outermost description (what the API call could not do) and the innermost (why).
    static func takeErrorMessage() -> String {
        var entries: [String] = []
        _ = withUnsafeMutablePointer(to: &entries) { list in
            H5Ewalk2(cim_h5e_default(), H5E_WALK_DOWNWARD, { _, error, data in
                guard let error, let data else { return 0 }
                var text = error.pointee.desc.map { String(cString: $0) } ?? ""
                if text.isEmpty { text = HDF5Library.minorMessage(error.pointee.min_num) }
                data.assumingMemoryBound(to: [String].self).pointee.append(text)
                return 0
            }, list)
        }
        _ = H5Eclear2(cim_h5e_default())
        // one line: some messages (a failed write's) carry newlines of their own
        let described = entries.map { $0.split(whereSeparator: \.isNewline).joined(separator: " ") }.filter { !$0.isEmpty }
        guard let outer = described.first, let inner = described.last else {
            return "HDF5 call failed (the library left no error message)"
        }
        return outer == inner ? outer : "\(outer): \(inner)"
    }

    /// The text HDF5 keeps for a minor error number (e.g. "Unable to open file").
    private static func minorMessage(_ number: hid_t) -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        let length = H5Eget_msg(number, nil, &buffer, buffer.count)
        guard length > 0 else { return "" }
        return String(decoding: buffer.prefix(min(Int(length), buffer.count - 1)).map { UInt8(bitPattern: $0) },
                      as: UTF8.self)
    }
}
