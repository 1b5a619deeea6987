import CIMCore

/// One `--set key.path=value` change to a chip, for quick what-ifs
/// (`--set adc.fullScaleMicroAmps=90`).
///
/// It edits the chip's JSON document generically: the key path must be a field of a chip
/// (``ChipDocument/specKeyPaths``), and the new value keeps the type of the one it replaces
/// (a number stays a number, true/false stay booleans, an array of numbers stays one, written
/// `[0.049,0.1]`, text stays text); `null` removes an
/// optional field (`--set tileCount=null`: no tile limit). The edited document is then decoded
/// and validated like a chip file.
public struct ChipOverride: Equatable, Sendable, CustomStringConvertible {
    /// The field, e.g. `["adc", "fullScaleMicroAmps"]`.
    public var keyPath: [String]
    /// The new value as given.
    public var value: String

    /// `key.path=value` as given.
    public var description: String { JSONTreeDecoder.text(keyPath) + "=" + value }

    /// Parses `key.path=value`; errors name the flag and the text.
    public init(parsing text: String) throws(CIMError) {
        guard let eq = text.firstIndex(of: "=") else {
            throw .invalidConfig(field: "--set \(text)", reason: "expected KEY.PATH=VALUE, e.g. adc.fullScaleMicroAmps=90")
        }
        let key = String(text[..<eq])
        keyPath = key.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        value = String(text[text.index(after: eq)...])
        guard ChipDocument.specKeyPaths.contains(key) else {
            throw .invalidConfig(field: "--set \(text)", reason: "unknown key path '\(key)' (a chip's fields: \(ChipDocument.specKeyPaths.joined(separator: ", ")))")
        }
    }

    /// The document `tree` with this change made; errors name the flag.
    public func apply(to tree: JSONValue) throws(CIMError) -> JSONValue {
        func fail(_ why: String) -> CIMError { .invalidConfig(field: "--set \(description)", reason: why) }
        let new: JSONValue
        switch tree[keyPath] {
        case _ where value == "null":
            new = .null
        case .number?:
            guard JSONValue.isNumber(value) else { throw fail("'\(value)' is not a number (a JSON number such as 90 or 0.549)") }
            new = .number(value)
        case .bool?:
            guard value == "true" || value == "false" else { throw fail("'\(value)' is not true or false") }
            new = .bool(value == "true")
        case .string?:
            new = .string(value)
        case .array?:
            new = try Self.array(value, fail)
        case nil:
            // an optional field the document leaves out: a number, a boolean, an array or text
            if value.hasPrefix("[") {
                new = try Self.array(value, fail)
            } else {
                new = JSONValue.isNumber(value) ? .number(value) : value == "true" || value == "false" ? .bool(value == "true") : .string(value)
            }
        case let other?:
            throw fail("the chip's \(JSONTreeDecoder.text(keyPath)) is \(other.kind), not a value")
        }
        guard let out = tree.replacing(keyPath, with: new == .null ? nil : new) else {
            throw fail("the chip has no object at '\(JSONTreeDecoder.text(keyPath.dropLast()))'")
        }
        return out
    }

    /// A JSON array of numbers given as the value (`[0.049,0.1]`, the form of the device terms'
    /// ranges, polynomials and tables); anything else is an error naming the flag.
    static func array(_ value: String, _ fail: (String) -> CIMError) throws(CIMError) -> JSONValue {
        guard let parsed = try? JSONValue.parse(Array(value.utf8)), case .array(let items) = parsed,
              items.allSatisfy({ if case .number = $0 { return true } else { return false } }) else {
            throw fail("'\(value)' is not a JSON array of numbers (such as [0.049,0.1])")
        }
        return parsed
    }
}

extension JSONTreeDecoder {
    /// A key path as text.
    static func text(_ path: ArraySlice<String>) -> String { text(Array(path)) }
}
