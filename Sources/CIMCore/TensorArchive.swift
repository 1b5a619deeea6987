import Foundation

/// Named arrays plus string metadata in the *safetensors* layout: an 8-byte little-endian
/// header length `H`, `H` bytes of UTF-8 JSON (`{"__metadata__": {…}, "<name>": {"dtype": …,
/// "shape": […], "data_offsets": [begin, end]}, …}`, sorted keys, space-padded to a multiple
/// of 8), then the arrays' little-endian bytes (offsets relative to the end of the header).
/// NumPy reads it in a few lines; so does the `safetensors` Python package.
///
/// Used for weights files, on-chip training results and checkpoints. Encoding is
/// deterministic: the same content gives the same bytes.
public struct TensorArchive: Sendable {
    /// Element types (safetensors names).
    public enum DType: String, Sendable { case f32 = "F32", u64 = "U64", u32 = "U32", u8 = "U8" }

    /// One stored array.
    public struct Entry: Sendable {
        public var dtype: DType
        public var shape: [Int]
        /// Little-endian element bytes.
        public var bytes: [UInt8]
    }

    public var metadata: [String: String]
    /// Arrays by name.
    public private(set) var entries: [String: Entry] = [:]
    /// Names in the order added (the file's data order).
    public private(set) var names: [String] = []

    public init(metadata: [String: String] = [:]) { self.metadata = metadata }

    private mutating func put<T>(_ name: String, _ dtype: DType, _ shape: [Int], _ values: [T]) {
        precondition(shape.reduce(1, *) == values.count, "TensorArchive: \(name) shape \(shape) does not hold \(values.count) values")
        precondition(UInt16(1).littleEndian == 1, "TensorArchive assumes a little-endian host")
        if entries[name] == nil { names.append(name) }
        entries[name] = Entry(dtype: dtype, shape: shape, bytes: values.withUnsafeBytes { Array($0) })
    }

    /// Adds (or replaces) a float32 array.
    public mutating func add(_ name: String, shape: [Int], _ values: [Float]) { put(name, .f32, shape, values) }
    /// Adds (or replaces) a uint64 array.
    public mutating func add(_ name: String, shape: [Int], _ values: [UInt64]) { put(name, .u64, shape, values) }
    /// Adds (or replaces) a uint32 array.
    public mutating func add(_ name: String, shape: [Int], _ values: [UInt32]) { put(name, .u32, shape, values) }
    /// Adds (or replaces) a uint8 array.
    public mutating func add(_ name: String, shape: [Int], _ values: [UInt8]) { put(name, .u8, shape, values) }

    private func get<T>(_ name: String, _ dtype: DType, shape: [Int]?, path: String, as: T.Type) throws(CIMError) -> [T] {
        guard let e = entries[name] else { throw CIMError.format(path: path, reason: "tensor \(name) is missing") }
        guard e.dtype == dtype else { throw CIMError.format(path: path, reason: "tensor \(name) has dtype \(e.dtype.rawValue), expected \(dtype.rawValue)") }
        if let shape, shape != e.shape { throw CIMError.format(path: path, reason: "tensor \(name) has shape \(e.shape), expected \(shape)") }
        let count = e.shape.reduce(1, *)
        return [T](unsafeUninitializedCapacity: count) { buf, n in
            _ = e.bytes.withUnsafeBytes { memcpy(buf.baseAddress!, $0.baseAddress!, $0.count) }
            n = count
        }
    }

    /// A float32 array, checked for dtype and (if given) shape; `path` names the file in errors.
    public func floats(_ name: String, shape: [Int]? = nil, path: String) throws(CIMError) -> [Float] {
        try get(name, .f32, shape: shape, path: path, as: Float.self)
    }
    public func uint64s(_ name: String, shape: [Int]? = nil, path: String) throws(CIMError) -> [UInt64] {
        try get(name, .u64, shape: shape, path: path, as: UInt64.self)
    }
    public func uint32s(_ name: String, shape: [Int]? = nil, path: String) throws(CIMError) -> [UInt32] {
        try get(name, .u32, shape: shape, path: path, as: UInt32.self)
    }
    public func uint8s(_ name: String, shape: [Int]? = nil, path: String) throws(CIMError) -> [UInt8] {
        try get(name, .u8, shape: shape, path: path, as: UInt8.self)
    }

    /// The file bytes.
    public func encode() throws -> [UInt8] {
        var header: [String: Any] = ["__metadata__": metadata]
        var offset = 0
        for name in names {
            let e = entries[name]!
            header[name] = ["dtype": e.dtype.rawValue, "shape": e.shape, "data_offsets": [offset, offset + e.bytes.count]]
            offset += e.bytes.count
        }
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        while json.count % 8 != 0 { json.append(0x20) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(8 + json.count + offset)
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { bytes += $0 }
        bytes += json
        for name in names { bytes += entries[name]!.bytes }
        return bytes
    }

    /// Parses file bytes; every inconsistency is a one-line error naming `path`.
    public static func decode(_ bytes: [UInt8], path: String) throws(CIMError) -> TensorArchive {
        func fail(_ why: String) -> CIMError { .format(path: path, reason: why) }
        guard bytes.count >= 8 else { throw fail("too short for a safetensors header (\(bytes.count) bytes)") }
        var h: UInt64 = 0
        for i in 0..<8 { h |= UInt64(bytes[i]) << (8 * UInt64(i)) }
        guard h <= UInt64(bytes.count - 8) else { throw fail("header length \(h) exceeds file size \(bytes.count)") }
        let headerEnd = 8 + Int(h)
        guard let object = try? JSONSerialization.jsonObject(with: Data(bytes[8..<headerEnd])),
              let header = object as? [String: Any] else { throw fail("header is not a JSON object") }
        guard let meta = header["__metadata__"] as? [String: String] else { throw fail("no __metadata__ of strings") }
        var archive = TensorArchive(metadata: meta)
        let payload = bytes.count - headerEnd
        var spans: [(name: String, begin: Int, end: Int)] = []
        for (name, value) in header where name != "__metadata__" {
            guard let d = value as? [String: Any], let dt = d["dtype"] as? String, let dtype = DType(rawValue: dt),
                  let shape = d["shape"] as? [Int], shape.allSatisfy({ $0 >= 0 }),
                  let off = d["data_offsets"] as? [Int], off.count == 2 else {
                throw fail("tensor \(name): bad entry (need dtype F32/U64/U32/U8, shape, data_offsets)")
            }
            let size = dtype == .f32 || dtype == .u32 ? 4 : (dtype == .u64 ? 8 : 1)
            // The byte count of the shape, overflow-checked (a crafted shape must not trap).
            var byteCount = size
            for d in shape {
                let (p, overflow) = byteCount.multipliedReportingOverflow(by: d)
                guard !overflow else { throw fail("tensor \(name): shape \(shape) is too large") }
                byteCount = p
            }
            guard off[0] >= 0, off[0] <= off[1], off[1] <= payload, off[1] - off[0] == byteCount else {
                throw fail("tensor \(name) has data_offsets \(off) inconsistent with shape \(shape) or outside the \(payload)-byte payload")
            }
            spans.append((name, off[0], off[1]))
            archive.entries[name] = Entry(dtype: dtype, shape: shape, bytes: Array(bytes[(headerEnd + off[0])..<(headerEnd + off[1])]))
        }
        spans.sort { $0.begin < $1.begin || ($0.begin == $1.begin && $0.name < $1.name) }
        for (a, b) in zip(spans, spans.dropFirst()) where b.begin < a.end {
            throw fail("tensors \(a.name) and \(b.name) overlap")
        }
        archive.names = spans.map(\.name)
        return archive
    }

    /// Reads and parses a file.
    public static func read(path: String) throws(CIMError) -> TensorArchive {
        guard let data = FileManager.default.contents(atPath: path) else { throw CIMError.io(path: path, reason: "cannot read file") }
        return try decode([UInt8](data), path: path)
    }

    /// Writes the file atomically (temporary file, then rename).
    public func write(to path: String) throws {
        try AtomicFile.write(Data(encode()), to: path)
    }
}
