/// Decodes a `Decodable` from a ``JSONValue`` and records which object keys it read, so that a
/// caller can refuse keys the type does not know (``unreadKeyPaths``).
///
/// Type errors are `DecodingError`s whose context names the key path and says what was found
/// ("expected an integer, found 64.5"). Numbers convert exactly from their text: an `Int` field
/// takes an integral number within range (64 or 64.0), a `Double` field any finite number
/// (correctly rounded from the text, as Swift's `Double(String)` does).
public struct JSONTreeDecoder {
    /// Key paths (object keys and array indices as decimal text) that were decoded.
    public private(set) var readKeyPaths: Set<[String]> = []

    public init() {}

    /// Decodes `T` from `value`, adding the key paths it read to ``readKeyPaths``.
    public mutating func decode<T: Decodable>(_ type: T.Type, from value: JSONValue) throws -> T {
        let recorder = TreeRecorder()
        defer { readKeyPaths.formUnion(recorder.read) }
        return try T(from: TreeDecoder(value: value, path: [], recorder: recorder))
    }

    /// Object keys in `value` that no decode read, as key paths, in a stable order (shortest
    /// first, then by text). Keys inside an unread value are not listed separately.
    public func unreadKeyPaths(in value: JSONValue) -> [[String]] {
        var out: [[String]] = []
        func walk(_ v: JSONValue, _ path: [String]) {
            switch v {
            case .object(let o):
                for k in o.keys.sorted() {
                    let p = path + [k]
                    if readKeyPaths.contains(p) { walk(o[k]!, p) } else { out.append(p) }
                }
            case .array(let a):
                for (i, x) in a.enumerated() { walk(x, path + [String(i)]) }
            default: break
            }
        }
        walk(value, [])
        return out
    }

    /// A key path as text: `adc.fullScaleMicroAmps`, `layers.3.kind`.
    public static func text(_ path: [String]) -> String { path.joined(separator: ".") }

    /// A one-line account of a decoding error: `tileRows: expected an integer, found 64.5`.
    public static func describe(_ error: any Error) -> String {
        guard let e = error as? DecodingError else { return "\(error)" }
        switch e {
        case let .typeMismatch(_, c), let .valueNotFound(_, c), let .dataCorrupted(c):
            let at = text(c.codingPath.map(\.stringValue))
            return (at.isEmpty ? "" : at + ": ") + c.debugDescription
        case let .keyNotFound(key, c):
            return text((c.codingPath + [key]).map(\.stringValue)) + ": missing"
        @unknown default:
            return "\(error)"
        }
    }
}

/// The keys read so far (shared by the decoders of one document).
private final class TreeRecorder {
    var read: Set<[String]> = []
}

private struct IndexKey: CodingKey {
    var stringValue: String
    var intValue: Int?
    init(_ i: Int) { stringValue = String(i); intValue = i }
    init?(stringValue: String) { self.stringValue = stringValue; intValue = Int(stringValue) }
    init?(intValue: Int) { self.init(intValue) }
}

private struct TreeDecoder: Decoder {
    let value: JSONValue
    let path: [String]
    let recorder: TreeRecorder
    var codingPath: [any CodingKey] { path.map { IndexKey(stringValue: $0)! } }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func mismatch(_ expected: String) -> DecodingError {
        let found: String
        switch value {
        case .number(let n): found = n
        case .string(let s): found = JSONValue.quoted(s)
        case .bool(let b): found = b ? "true" : "false"
        default: found = value.kind
        }
        return .typeMismatch(Any.self, .init(codingPath: codingPath, debugDescription: "expected \(expected), found \(found)"))
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .object(let o) = value else { throw mismatch("an object") }
        return KeyedDecodingContainer(TreeKeyed<Key>(object: o, decoder: self))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case .array(let a) = value else { throw mismatch("an array") }
        return TreeUnkeyed(array: a, decoder: self)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { TreeSingle(decoder: self) }

    func child(_ v: JSONValue, _ key: String) -> TreeDecoder {
        recorder.read.insert(path + [key])
        return TreeDecoder(value: v, path: path + [key], recorder: recorder)
    }

    // Primitive conversions.
    func bool() throws -> Bool {
        guard case .bool(let b) = value else { throw mismatch("true or false") }
        return b
    }

    func string() throws -> String {
        guard case .string(let s) = value else { throw mismatch("a string") }
        return s
    }

    func double() throws -> Double {
        guard case .number(let n) = value else { throw mismatch("a number") }
        guard let d = Double(n), d.isFinite else { throw mismatch("a number within ±1.8e308") }
        return d
    }

    func integer<T: FixedWidthInteger>(_ type: T.Type) throws -> T {
        guard case .number(let n) = value else { throw mismatch("an integer") }
        if let i = T(n) { return i }
        guard let d = Double(n), d.isFinite, d.rounded() == d, let i = T(exactly: d) else {
            throw mismatch("an integer in \(T.min)…\(T.max)")
        }
        return i
    }

    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        switch type {
        case is Bool.Type: return try bool() as! T
        case is String.Type: return try string() as! T
        case is Double.Type: return try double() as! T
        case is Float.Type:
            let f = Float(try double())
            guard f.isFinite else { throw mismatch("a number within float32 range") }
            return f as! T
        case is Int.Type: return try integer(Int.self) as! T
        case is Int8.Type: return try integer(Int8.self) as! T
        case is Int16.Type: return try integer(Int16.self) as! T
        case is Int32.Type: return try integer(Int32.self) as! T
        case is Int64.Type: return try integer(Int64.self) as! T
        case is UInt.Type: return try integer(UInt.self) as! T
        case is UInt8.Type: return try integer(UInt8.self) as! T
        case is UInt16.Type: return try integer(UInt16.self) as! T
        case is UInt32.Type: return try integer(UInt32.self) as! T
        case is UInt64.Type: return try integer(UInt64.self) as! T
        default: return try T(from: self)
        }
    }
}

private struct TreeKeyed<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let object: [String: JSONValue]
    let decoder: TreeDecoder
    var codingPath: [any CodingKey] { decoder.codingPath }
    var allKeys: [Key] { object.keys.sorted().compactMap { Key(stringValue: $0) } }

    func contains(_ key: Key) -> Bool { object[key.stringValue] != nil }

    func child(_ key: Key) throws -> TreeDecoder {
        guard let v = object[key.stringValue] else {
            throw DecodingError.keyNotFound(key, .init(codingPath: codingPath, debugDescription: "missing"))
        }
        return decoder.child(v, key.stringValue)
    }

    func decodeNil(forKey key: Key) throws -> Bool {
        guard let v = object[key.stringValue] else { return true }
        guard v == .null else { return false }
        _ = decoder.child(v, key.stringValue)
        return true
    }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T { try child(key).decode(type) }
    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try child(key).bool() }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { try child(key).string() }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try child(key).double() }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float { try child(key).decode(type) }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try child(key).integer(type) }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try child(key).integer(type) }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try child(key).integer(type) }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try child(key).integer(type) }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try child(key).integer(type) }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try child(key).integer(type) }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try child(key).integer(type) }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try child(key).integer(type) }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try child(key).integer(type) }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try child(key).integer(type) }

    func nestedContainer<N: CodingKey>(keyedBy type: N.Type, forKey key: Key) throws -> KeyedDecodingContainer<N> {
        try child(key).container(keyedBy: type)
    }
    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer { try child(key).unkeyedContainer() }
    func superDecoder() throws -> any Decoder { decoder }
    func superDecoder(forKey key: Key) throws -> any Decoder { try child(key) }
}

private struct TreeUnkeyed: UnkeyedDecodingContainer {
    let array: [JSONValue]
    let decoder: TreeDecoder
    var currentIndex = 0
    var codingPath: [any CodingKey] { decoder.codingPath }
    var count: Int? { array.count }
    var isAtEnd: Bool { currentIndex >= array.count }

    mutating func next() throws -> TreeDecoder {
        guard !isAtEnd else {
            throw DecodingError.valueNotFound(Any.self, .init(codingPath: codingPath, debugDescription: "the array has only \(array.count) elements"))
        }
        defer { currentIndex += 1 }
        return decoder.child(array[currentIndex], String(currentIndex))
    }

    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd, array[currentIndex] == .null else { return false }
        _ = try next()
        return true
    }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T { try next().decode(type) }
    mutating func nestedContainer<N: CodingKey>(keyedBy type: N.Type) throws -> KeyedDecodingContainer<N> {
        try next().container(keyedBy: type)
    }
    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer { try next().unkeyedContainer() }
    mutating func superDecoder() throws -> any Decoder { try next() }
}

private struct TreeSingle: SingleValueDecodingContainer {
    let decoder: TreeDecoder
    var codingPath: [any CodingKey] { decoder.codingPath }
    func decodeNil() -> Bool { decoder.value == .null }
    func decode<T: Decodable>(_ type: T.Type) throws -> T { try decoder.decode(type) }
}
