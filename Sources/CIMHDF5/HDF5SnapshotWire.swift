/// The byte stream the isolated reader writes to its parent: a node tree, or a refusal.
///
/// All integers little-endian. A string is a u32 byte count and UTF-8 bytes; a shape is a u8
/// rank and that many i64 dimensions; a type is a u8 code (``typeCodes``) and, for `.other`, a
/// string. A node is: u8 kind (0 group, 1 dataset), string path, u32 attribute count, the
/// attributes (name, type, shape, u8 value tag 0 integers | 1 doubles | 2 string | 3 none,
/// then u64 count and i64 or f64 values, or a string), then for a group a u32 child count and
/// (name, node) pairs, for a dataset its type, shape, u64 byte count and the bytes.
///
/// The parent decodes it with every count checked against the bytes left and the policy's
/// limits before anything is allocated: a child that misbehaves cannot make the parent trap.
enum HDF5SnapshotWire {
    static let okMagic = Array("CIMH5OK1".utf8), refusedMagic = Array("CIMH5NO1".utf8)

    /// Type codes; `.other` is 255.
    static let typeCodes: [HDF5DataType] = [.float32, .float64, .int8, .int16, .int32, .int64, .uint8, .uint16, .uint32, .uint64, .string]

    // MARK: - Encoding

    struct Writer {
        var out: [UInt8] = []
        let flush: ([UInt8]) -> Void

        mutating func bytes(_ b: [UInt8]) {
            if b.count > 1 << 20 {
                flush(out); out.removeAll(keepingCapacity: true); flush(b)
            } else {
                out += b
                if out.count > 1 << 20 { flush(out); out.removeAll(keepingCapacity: true) }
            }
        }
        mutating func u8(_ v: UInt8) { out.append(v) }
        mutating func u32(_ v: Int) { withUnsafeBytes(of: UInt32(truncatingIfNeeded: v).littleEndian) { out += $0 } }
        mutating func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { out += $0 } }
        mutating func string(_ s: String) { let b = Array(s.utf8); u32(b.count); bytes(b) }
        mutating func type(_ t: HDF5DataType) {
            if let code = HDF5SnapshotWire.typeCodes.firstIndex(of: t) { u8(UInt8(code)) } else { u8(255); string(t.description) }
        }
        mutating func shape(_ s: [Int]) { u8(UInt8(s.count)); for d in s { u64(UInt64(bitPattern: Int64(d))) } }

        mutating func node(_ n: HDF5Node) {
            u8(n.kind.rawValue)
            string(n.path)
            u32(n.attributes.count)
            for name in HDF5Node.byteOrder(n.attributes.keys) {
                let a = n.attributes[name]!
                string(name); type(a.type); shape(a.shape)
                switch a.values {
                case .integers(let v): u8(0); u64(UInt64(v.count)); for x in v { u64(UInt64(bitPattern: x)) }
                case .doubles(let v): u8(1); u64(UInt64(v.count)); for x in v { u64(x.bitPattern) }
                case .string(let s): u8(2); string(s)
                case .unreadable: u8(3)
                }
            }
            switch n.kind {
            case .group:
                u32(n.children.count)
                for name in HDF5Node.byteOrder(n.children.keys) { string(name); node(n.children[name]!) }
            case .dataset:
                type(n.dataType); shape(n.shape); u64(UInt64(n.bytes.count)); bytes(n.bytes)
            }
        }

        mutating func finish() { flush(out); out.removeAll() }
    }

    /// Writes a successful snapshot through `flush`.
    static func encode(_ root: HDF5Node, flush: @escaping ([UInt8]) -> Void) {
        var w = Writer(flush: flush)
        w.bytes(okMagic)
        w.node(root)
        w.finish()
    }

    /// Writes a refusal (or libhdf5's failure) through `flush`.
    static func encode(_ error: HDF5Error, flush: @escaping ([UInt8]) -> Void) {
        var w = Writer(flush: flush)
        w.bytes(refusedMagic)
        w.u8(error.kind == .library ? 0 : error.kind == .typeMismatch ? 1 : 2)
        w.string(error.operation); w.string(error.object); w.string(error.message)
        w.finish()
    }

    // MARK: - Decoding

    /// The tree, or the child's error, from `bytes` written for `file`.
    static func decode(_ bytes: [UInt8], file: String, policy: HDF5SnapshotPolicy) throws(HDF5Error) -> HDF5Node {
        var r = Reader(bytes: bytes, file: file, policy: policy)
        let magic = try r.take(8)
        if magic.elementsEqual(refusedMagic) {
            let kind: HDF5Error.Kind = switch try r.u8() { case 0: .library; case 1: .typeMismatch; default: .invalidArgument }
            let op = try r.string(), object = try r.string(), message = try r.string()
            throw HDF5Error(kind: kind, operation: op, file: file, object: object, message: message)
        }
        guard magic.elementsEqual(okMagic) else { throw r.bad("the isolated reader's output does not start with its magic") }
        let root = try r.node(depth: 0)
        guard r.offset == bytes.count else { throw r.bad("\(bytes.count - r.offset) bytes after the tree") }
        return root
    }

    struct Reader {
        let bytes: [UInt8]
        let file: String
        let policy: HDF5SnapshotPolicy
        var offset = 0
        var objects = 0

        func bad(_ message: String) -> HDF5Error {
            HDF5Error(kind: .library, operation: "isolated read", file: file, object: "", message: "malformed reader output: \(message)")
        }
        mutating func take(_ n: Int) throws(HDF5Error) -> ArraySlice<UInt8> {
            guard n >= 0, n <= bytes.count - offset else { throw bad("\(n) bytes wanted at offset \(offset), \(bytes.count - offset) left") }
            defer { offset += n }
            return bytes[offset..<(offset + n)]
        }
        mutating func u8() throws(HDF5Error) -> UInt8 { try take(1).first! }
        mutating func u64() throws(HDF5Error) -> UInt64 { try take(8).reversed().reduce(0) { $0 << 8 | UInt64($1) } }
        mutating func u32() throws(HDF5Error) -> Int { Int(try take(4).reversed().reduce(UInt32(0)) { $0 << 8 | UInt32($1) }) }
        mutating func count(_ elementSize: Int) throws(HDF5Error) -> Int {
            let n = try u64()
            guard n <= UInt64((bytes.count - offset) / elementSize) else { throw bad("a count of \(n) beyond the bytes left") }
            return Int(n)
        }
        mutating func string() throws(HDF5Error) -> String { String(decoding: try take(try u32()), as: UTF8.self) }
        mutating func type() throws(HDF5Error) -> HDF5DataType {
            let code = Int(try u8())
            if code == 255 { return .other(try string()) }
            guard code < typeCodes.count else { throw bad("type code \(code)") }
            return typeCodes[code]
        }
        mutating func shape() throws(HDF5Error) -> [Int] {
            let rank = Int(try u8())
            guard rank <= policy.maxRank else { throw bad("rank \(rank)") }
            var dims: [Int] = []
            for _ in 0..<rank {
                let d = Int64(bitPattern: try u64())
                guard d >= 0 else { throw bad("negative dimension") }
                dims.append(Int(d))
            }
            guard elementCount(dims) != nil else { throw bad("shape \(dims) overflows") }
            return dims
        }

        mutating func node(depth: Int) throws(HDF5Error) -> HDF5Node {
            objects += 1
            guard depth <= policy.maxDepth, objects <= policy.maxObjects else { throw bad("more objects or nesting than the policy allows") }
            guard let kind = HDF5Node.Kind(rawValue: try u8()) else { throw bad("node kind") }
            var n = HDF5Node(file: file, path: try string(), kind: kind)
            let attributes = try u32()
            guard attributes <= policy.maxAttributes else { throw bad("\(attributes) attributes") }
            for _ in 0..<attributes {
                let name = try string(), t = try type(), s = try shape()
                let values: HDF5Node.Attribute.Values
                switch try u8() {
                case 0: let c = try count(8); var v: [Int64] = []; v.reserveCapacity(c); for _ in 0..<c { v.append(Int64(bitPattern: try u64())) }; values = .integers(v)
                case 1: let c = try count(8); var v: [Double] = []; v.reserveCapacity(c); for _ in 0..<c { v.append(Double(bitPattern: try u64())) }; values = .doubles(v)
                case 2: values = .string(try string())
                case 3: values = .unreadable
                default: throw bad("attribute value tag")
                }
                n.attributes[name] = .init(type: t, shape: s, values: values)
            }
            switch kind {
            case .group:
                let children = try u32()
                for _ in 0..<children {
                    let name = try string()
                    n.children[name] = try node(depth: depth + 1)
                }
            case .dataset:
                n.dataType = try type()
                n.shape = try shape()
                n.bytes = Array(try take(try count(1)))
            }
            return n
        }
    }
}
