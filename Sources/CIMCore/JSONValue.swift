/// A parsed JSON document, for configuration files read as untrusted input.
///
/// Numbers keep the text they were written with, so a value decodes to exactly the `Double`
/// (or `Int`) the text denotes, with no intermediate rounding. ``parse(_:maxDepth:)`` is strict:
/// RFC 8259 syntax only (no comments, trailing commas, NaN or Infinity), valid UTF-8, at most
/// `maxDepth` nested arrays and objects, and no key twice in one object (a JSON decoder would
/// keep one of them silently). ``JSONTreeDecoder`` decodes a `Decodable` from it and reports
/// the keys the type never read.
public indirect enum JSONValue: Equatable, Sendable {
    case null
    case bool(Bool)
    /// A number as written (JSON number syntax).
    case number(String)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// A syntax error: where (line and column, 1-based, columns in bytes) and what.
    public struct SyntaxError: Error, Equatable, CustomStringConvertible, Sendable {
        public var line: Int
        public var column: Int
        public var message: String
        public var description: String { "line \(line), column \(column): \(message)" }
    }

    /// The value at a key path (object keys; array indices as decimal text), or `nil`.
    public subscript(path: [String]) -> JSONValue? {
        guard let first = path.first else { return self }
        switch self {
        case .object(let o): return o[first]?[Array(path.dropFirst())]
        case .array(let a): return Int(first).flatMap { a.indices.contains($0) ? a[$0] : nil }?[Array(path.dropFirst())]
        default: return nil
        }
    }

    /// The document with the value at `path` replaced (or, in an object, added); `nil` removes
    /// an object's key. The containers on the way must exist.
    public func replacing(_ path: [String], with value: JSONValue?) -> JSONValue? {
        guard let first = path.first else { return value }
        switch self {
        case .object(var o):
            if path.count == 1 {
                o[first] = value
            } else {
                guard let inner = o[first]?.replacing(Array(path.dropFirst()), with: value) else { return nil }
                o[first] = inner
            }
            return .object(o)
        case .array(var a):
            guard let i = Int(first), a.indices.contains(i), path.count > 1 || value != nil,
                  let inner = a[i].replacing(Array(path.dropFirst()), with: value) else { return nil }
            a[i] = inner
            return .array(a)
        default:
            return nil
        }
    }

    /// What kind of value this is, for messages: "null", "a boolean", "a number", …
    public var kind: String {
        switch self {
        case .null: return "null"
        case .bool: return "a boolean"
        case .number: return "a number"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "an object"
        }
    }

    /// The value as JSON text (compact; numbers as written, object keys sorted).
    public var text: String {
        switch self {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .number(let n): return n
        case .string(let s): return Self.quoted(s)
        case .array(let a): return "[" + a.map(\.text).joined(separator: ",") + "]"
        case .object(let o): return "{" + o.keys.sorted().map { Self.quoted($0) + ":" + o[$0]!.text }.joined(separator: ",") + "}"
        }
    }

    /// `s` as a JSON string literal.
    public static func quoted(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where u.value < 0x20: out += "\\u" + String(repeating: "0", count: 4 - String(u.value, radix: 16).count) + String(u.value, radix: 16)
            default: out.unicodeScalars.append(u)
            }
        }
        return out + "\""
    }

    /// Whether `text` is one JSON number (RFC 8259 syntax).
    public static func isNumber(_ text: String) -> Bool {
        guard case .number? = try? parse(Array(text.utf8), maxDepth: 0) else { return false }
        return true
    }

    /// Parses one JSON value from `bytes` (UTF-8), allowing `maxDepth` levels of nesting.
    public static func parse(_ bytes: [UInt8], maxDepth: Int = 64) throws(SyntaxError) -> JSONValue {
        var p = JSONParser(bytes: bytes, maxDepth: maxDepth)
        p.skipSpace()
        let v = try p.value(depth: 0)
        p.skipSpace()
        guard p.at == bytes.count else { throw p.error("unexpected text after the JSON value") }
        return v
    }
}

/// A recursive-descent RFC 8259 parser over UTF-8 bytes.
private struct JSONParser {
    let bytes: [UInt8]
    let maxDepth: Int
    var at = 0

    init(bytes: [UInt8], maxDepth: Int) {
        self.bytes = bytes
        self.maxDepth = maxDepth
    }

    func error(_ message: String) -> JSONValue.SyntaxError {
        var line = 1, lineStart = 0
        for i in 0..<min(at, bytes.count) where bytes[i] == UInt8(ascii: "\n") {
            line += 1
            lineStart = i + 1
        }
        return .init(line: line, column: at - lineStart + 1, message: message)
    }

    var peek: UInt8? { at < bytes.count ? bytes[at] : nil }

    mutating func skipSpace() {
        while let c = peek, c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D { at += 1 }
    }

    mutating func expect(_ literal: String, _ value: JSONValue) throws(JSONValue.SyntaxError) -> JSONValue {
        let l = Array(literal.utf8)
        guard at + l.count <= bytes.count, Array(bytes[at..<(at + l.count)]) == l else { throw error("invalid literal (expected \(literal))") }
        at += l.count
        return value
    }

    mutating func value(depth: Int) throws(JSONValue.SyntaxError) -> JSONValue {
        guard let c = peek else { throw error("unexpected end of input (expected a value)") }
        switch c {
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            guard depth < maxDepth else { throw error("nested deeper than \(maxDepth) levels") }
            return c == UInt8(ascii: "{") ? try object(depth: depth + 1) : try array(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): return try expect("true", .bool(true))
        case UInt8(ascii: "f"): return try expect("false", .bool(false))
        case UInt8(ascii: "n"): return try expect("null", .null)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
        default: throw error("unexpected character '\(Unicode.Scalar(c))' (expected a value)")
        }
    }

    mutating func object(depth: Int) throws(JSONValue.SyntaxError) -> JSONValue {
        at += 1
        var out: [String: JSONValue] = [:]
        skipSpace()
        if peek == UInt8(ascii: "}") { at += 1; return .object(out) }
        while true {
            skipSpace()
            guard peek == UInt8(ascii: "\"") else { throw error("expected a key (a string)") }
            let keyAt = at
            let key = try string()
            guard out[key] == nil else {
                at = keyAt
                throw error("key \(JSONValue.quoted(key)) appears twice in one object")
            }
            skipSpace()
            guard peek == UInt8(ascii: ":") else { throw error("expected ':' after key \(JSONValue.quoted(key))") }
            at += 1
            skipSpace()
            out[key] = try value(depth: depth)
            skipSpace()
            if peek == UInt8(ascii: ",") { at += 1; continue }
            guard peek == UInt8(ascii: "}") else { throw error("expected ',' or '}'") }
            at += 1
            return .object(out)
        }
    }

    mutating func array(depth: Int) throws(JSONValue.SyntaxError) -> JSONValue {
        at += 1
        var out: [JSONValue] = []
        skipSpace()
        if peek == UInt8(ascii: "]") { at += 1; return .array(out) }
        while true {
            skipSpace()
            out.append(try value(depth: depth))
            skipSpace()
            if peek == UInt8(ascii: ",") { at += 1; continue }
            guard peek == UInt8(ascii: "]") else { throw error("expected ',' or ']'") }
            at += 1
            return .array(out)
        }
    }

    mutating func digits() -> Int {
        let start = at
        while let c = peek, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(c) { at += 1 }
        return at - start
    }

    mutating func number() throws(JSONValue.SyntaxError) -> String {
        let start = at
        if peek == UInt8(ascii: "-") { at += 1 }
        if peek == UInt8(ascii: "0") {
            at += 1
        } else {
            guard digits() > 0 else { throw error("invalid number") }
        }
        if peek == UInt8(ascii: ".") {
            at += 1
            guard digits() > 0 else { throw error("invalid number (no digits after '.')") }
        }
        if peek == UInt8(ascii: "e") || peek == UInt8(ascii: "E") {
            at += 1
            if peek == UInt8(ascii: "+") || peek == UInt8(ascii: "-") { at += 1 }
            guard digits() > 0 else { throw error("invalid number (no digits in the exponent)") }
        }
        return String(decoding: bytes[start..<at], as: UTF8.self)
    }

    mutating func hex4() throws(JSONValue.SyntaxError) -> UInt32 {
        guard at + 4 <= bytes.count, let v = UInt32(String(decoding: bytes[at..<(at + 4)], as: UTF8.self), radix: 16) else {
            throw error("invalid \\u escape")
        }
        at += 4
        return v
    }

    mutating func string() throws(JSONValue.SyntaxError) -> String {
        at += 1
        var scalars = String.UnicodeScalarView()
        var run = at  // start of the current run of unescaped bytes
        func flush(_ p: inout JSONParser, to end: Int) throws(JSONValue.SyntaxError) {
            guard run < end else { return }
            guard let s = String(validating: p.bytes[run..<end], as: UTF8.self) else { throw p.error("invalid UTF-8 in a string") }
            scalars.append(contentsOf: s.unicodeScalars)
        }
        while true {
            guard let c = peek else { throw error("unterminated string") }
            if c == UInt8(ascii: "\"") {
                try flush(&self, to: at)
                at += 1
                return String(scalars)
            }
            if c < 0x20 { throw error("control character in a string (escape it)") }
            if c != UInt8(ascii: "\\") { at += 1; continue }
            try flush(&self, to: at)
            at += 1
            guard let e = peek else { throw error("unterminated string") }
            at += 1
            switch e {
            case UInt8(ascii: "\""): scalars.append("\"")
            case UInt8(ascii: "\\"): scalars.append("\\")
            case UInt8(ascii: "/"): scalars.append("/")
            case UInt8(ascii: "b"): scalars.append("\u{08}")
            case UInt8(ascii: "f"): scalars.append("\u{0C}")
            case UInt8(ascii: "n"): scalars.append("\n")
            case UInt8(ascii: "r"): scalars.append("\r")
            case UInt8(ascii: "t"): scalars.append("\t")
            case UInt8(ascii: "u"):
                var v = try hex4()
                if (0xD800..<0xDC00).contains(v) {
                    guard at + 2 <= bytes.count, bytes[at] == UInt8(ascii: "\\"), bytes[at + 1] == UInt8(ascii: "u") else {
                        throw error("unpaired surrogate in a \\u escape")
                    }
                    at += 2
                    let low = try hex4()
                    guard (0xDC00..<0xE000).contains(low) else { throw error("unpaired surrogate in a \\u escape") }
                    v = 0x10000 + ((v - 0xD800) << 10) + (low - 0xDC00)
                }
                guard let u = Unicode.Scalar(v) else { throw error("unpaired surrogate in a \\u escape") }
                scalars.append(u)
            default:
                throw error("invalid escape '\\\(Unicode.Scalar(e))'")
            }
            run = at
        }
    }
}
