import CIMCore

/// Reads NumPy `.npy` arrays: a standalone file, a member of a `.npz` archive, or bytes in
/// memory. See ``NPYHeader`` for what is accepted.
///
/// The header is checked (and handed to the caller's `check`) before any memory is allocated
/// for the data, and the data must be exactly as long as the header says.
public enum NPYReader {
    /// What a caller can check before the data are read: the array's element type and shape.
    public typealias Check = (ElementType, [Int]) throws(CIMError) -> Void

    /// Reads the `.npy` file at `path`.
    ///
    /// - Parameters:
    ///   - name: the array's name in messages (default: the file name).
    ///   - check: called with the type and shape before the data are read; throw to refuse.
    public static func read(path: String, name: String? = nil, limits: DatasetFileLimits = .default,
                            check: Check = { _, _ throws(CIMError) in }) throws(CIMError) -> NumericArray {
        try printableErrors { () throws(CIMError) in
            let file = try BinaryFile(path: path)
            var source = FileRegionSource(file: file, start: 0, length: file.size, what: "the array")
            return try read(from: &source, path: path, name: name ?? (path.split(separator: "/").last.map(String.init) ?? path),
                            limits: limits, check: check)
        }
    }

    /// Reads a `.npy` array held in memory (`path` and `name` are for messages).
    public static func read(bytes: [UInt8], path: String, name: String, limits: DatasetFileLimits = .default,
                            check: Check = { _, _ throws(CIMError) in }) throws(CIMError) -> NumericArray {
        try printableErrors { () throws(CIMError) in
            var source = MemorySource(bytes, path: path)
            return try read(from: &source, path: path, name: name, limits: limits, check: check)
        }
    }

    /// Reads one array from `source`, which must end exactly where the data end.
    static func read<S: ByteSource>(from source: inout S, path: String, name: String, limits: DatasetFileLimits,
                                    check: Check) throws(CIMError) -> NumericArray {
        let header = try NPYHeader.read(from: &source, path: path, name: name, limits: limits)
        try check(header.elementType, header.shape)
        guard NumericArray.canStore(header.elementType) else {
            throw CIMError.format(path: path, reason: "\(name): \(header.elementType) arrays are not supported")
        }
        guard header.dataBytes <= source.remaining else {
            throw CIMError.format(path: path, reason:
                "\(name): truncated: shape \(header.shape) of \(header.elementType) needs \(header.dataBytes) data bytes, \(source.remaining) present")
        }
        guard header.dataBytes == source.remaining else {
            throw CIMError.format(path: path, reason:
                "\(name): \(source.remaining - header.dataBytes) bytes after the \(header.dataBytes) data bytes of shape \(header.shape)")
        }
        let n = header.elementCount
        let values: NumericArray.Values
        switch header.elementType {
        case .uint8:
            values = .uint8(try readArray(UInt8.self, count: n, from: &source))
        case .float32:
            #if _endian(big)
            var floats = try readArray(Float.self, count: n, from: &source)
            for i in floats.indices { floats[i] = Float(bitPattern: UInt32(littleEndian: floats[i].bitPattern)) }
            values = .float32(floats)
            #else
            values = .float32(try readArray(Float.self, count: n, from: &source))
            #endif
        default:
            values = .integers(try readIntegers(header.elementType, count: n, from: &source))
        }
        return NumericArray(shape: header.shape, elementType: header.elementType, values: values)
    }

    /// `count` values of `T` read as raw bytes.
    private static func readArray<T: BitwiseCopyable, S: ByteSource>(_ type: T.Type, count: Int,
                                                                    from source: inout S) throws(CIMError) -> [T] {
        try [T].filled(count: count) { buffer throws(CIMError) in try source.read(into: buffer) }
    }

    /// `count` little-endian integers of `type`, widened to `Int64`, read 64 KiB at a time.
    private static func readIntegers<S: ByteSource>(_ type: ElementType, count: Int,
                                                   from source: inout S) throws(CIMError) -> [Int64] {
        var out: [Int64] = []
        out.reserveCapacity(count)
        let size = type.size
        var left = count
        while left > 0 {
            let n = min(left, (1 << 16) / size)
            let raw = try source.bytes(n * size)
            raw.withUnsafeBytes { p in
                for i in 0..<n {
                    let at = i * size
                    switch type {
                    case .uint8: out.append(Int64(p[at]))
                    case .int8: out.append(Int64(Int8(bitPattern: p[at])))
                    case .uint16: out.append(Int64(UInt16(littleEndian: p.loadUnaligned(fromByteOffset: at, as: UInt16.self))))
                    case .int16: out.append(Int64(Int16(littleEndian: p.loadUnaligned(fromByteOffset: at, as: Int16.self))))
                    case .uint32: out.append(Int64(UInt32(littleEndian: p.loadUnaligned(fromByteOffset: at, as: UInt32.self))))
                    case .int32: out.append(Int64(Int32(littleEndian: p.loadUnaligned(fromByteOffset: at, as: Int32.self))))
                    case .uint64:
                        let v = UInt64(littleEndian: p.loadUnaligned(fromByteOffset: at, as: UInt64.self))
                        out.append(v > UInt64(Int64.max) ? Int64.max : Int64(v))
                    default: out.append(Int64(littleEndian: p.loadUnaligned(fromByteOffset: at, as: Int64.self)))
                    }
                }
            }
            left -= n
        }
        return out
    }
}
