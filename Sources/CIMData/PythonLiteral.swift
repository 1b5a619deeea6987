/// A parser for the Python literals in a `.npy` header: `{'descr': '<f4', 'fortran_order':
/// False, 'shape': (100, 28, 28), }`. Strings, integers, `True`/`False`/`None`, tuples, lists
/// and dicts with string keys, nested at most ``maxDepth`` deep. Any byte sequence gives a
/// value or a failure, never a trap.
struct PythonLiteral {
    /// A parsed literal.
    indirect enum Value: Equatable {
        case string(String)
        /// An integer; nil when it does not fit in `Int`.
        case integer(Int?)
        case bool(Bool)
        case none
        case tuple([Value])
        case list([Value])
        case dict([String: Value], order: [String])
    }

    /// Why parsing failed (a phrase for an error message).
    struct Failure: Error {
        var reason: String
    }

    /// The deepest nesting accepted.
    static let maxDepth = 16

    private let bytes: [UInt8]
    private var position = 0

    /// Parses `text` as exactly one literal followed only by white space.
    static func parse(_ text: [UInt8]) throws(Failure) -> Value {
        var parser = PythonLiteral(bytes: text)
        let value = try parser.value(depth: 0)
        parser.skipSpace()
        guard parser.position == text.count else { throw parser.failure("unexpected text after the literal") }
        return value
    }

    private init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    private var current: UInt8? { position < bytes.count ? bytes[position] : nil }

    private func failure(_ what: String) -> Failure {
        Failure(reason: "\(what) at byte \(position)")
    }

    private mutating func skipSpace() {
        while let c = current, c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 { position += 1 }
    }

    private mutating func expect(_ c: UInt8) throws(Failure) {
        skipSpace()
        guard current == c else { throw failure("expected '\(Character(Unicode.Scalar(c)))'") }
        position += 1
    }

    private mutating func value(depth: Int) throws(Failure) -> Value {
        guard depth <= Self.maxDepth else { throw failure("nested more than \(Self.maxDepth) deep") }
        skipSpace()
        guard let c = current else { throw failure("unexpected end") }
        switch c {
        case UInt8(ascii: "'"), UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "("): return .tuple(try sequence(close: UInt8(ascii: ")"), depth: depth))
        case UInt8(ascii: "["): return .list(try sequence(close: UInt8(ascii: "]"), depth: depth))
        case UInt8(ascii: "{"): return try dict(depth: depth)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .integer(try integer())
        default:
            for (word, value) in [("True", Value.bool(true)), ("False", .bool(false)), ("None", .none)] {
                let w = Array(word.utf8)
                if position + w.count <= bytes.count, Array(bytes[position..<(position + w.count)]) == w {
                    position += w.count
                    return value
                }
            }
            throw failure("unexpected character 0x\(String(c, radix: 16))")
        }
    }

    private mutating func string() throws(Failure) -> String {
        let quote = bytes[position]
        position += 1
        var out: [UInt8] = []
        while let c = current {
            position += 1
            if c == quote { return String(decoding: out, as: UTF8.self) }
            if c == UInt8(ascii: "\\") {
                guard let next = current else { break }
                out.append(next)
                position += 1
            } else {
                out.append(c)
            }
        }
        throw failure("unterminated string")
    }

    private mutating func integer() throws(Failure) -> Int? {
        var negative = false
        if current == UInt8(ascii: "-") {
            negative = true
            position += 1
        }
        var value = 0
        var overflow = false
        var digits = 0
        while let c = current, c >= UInt8(ascii: "0"), c <= UInt8(ascii: "9") {
            let (times10, o1) = value.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times10.addingReportingOverflow(Int(c - UInt8(ascii: "0")))
            overflow = overflow || o1 || o2
            value = sum
            digits += 1
            position += 1
        }
        guard digits > 0 else { throw failure("expected digits") }
        if current == UInt8(ascii: "L") || current == UInt8(ascii: "l") { position += 1 }  // Python 2 longs
        if overflow { return nil }
        return negative ? -value : value
    }

    private mutating func sequence(close: UInt8, depth: Int) throws(Failure) -> [Value] {
        position += 1
        var items: [Value] = []
        while true {
            skipSpace()
            if current == close {
                position += 1
                return items
            }
            items.append(try value(depth: depth + 1))
            skipSpace()
            if current == UInt8(ascii: ",") {
                position += 1
            } else if current != close {
                throw failure("expected ',' or '\(Character(Unicode.Scalar(close)))'")
            }
        }
    }

    private mutating func dict(depth: Int) throws(Failure) -> Value {
        position += 1
        var entries: [String: Value] = [:]
        var order: [String] = []
        while true {
            skipSpace()
            if current == UInt8(ascii: "}") {
                position += 1
                return .dict(entries, order: order)
            }
            guard current == UInt8(ascii: "'") || current == UInt8(ascii: "\"") else { throw failure("expected a string key") }
            let key = try string()
            guard entries[key] == nil else { throw failure("duplicate key '\(key)'") }
            try expect(UInt8(ascii: ":"))
            entries[key] = try value(depth: depth + 1)
            order.append(key)
            skipSpace()
            if current == UInt8(ascii: ",") {
                position += 1
            } else if current != UInt8(ascii: "}") {
                throw failure("expected ',' or '}'")
            }
        }
    }
}
