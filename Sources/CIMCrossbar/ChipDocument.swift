import CIMCore
import Foundation

/// A chip as a JSON document: a preset (``ChipPreset``) or a user's chip file.
///
/// The document's keys are ``ChipSpec``'s fields at the top level (units in the key names:
/// µS, µA, V), plus an optional `description` and `sources`, an object mapping a field's key
/// path (`adc.fullScaleMicroAmps`) to where its value comes from. Format and units:
/// `schemas/chip-spec.md` and `schemas/chip-spec.schema.json`.
///
/// A chip file is untrusted input, read by ``parse(_:label:)``: at most ``maxFileBytes``
/// bytes, strict JSON (no key twice), no key the format does not define, every value of its
/// field's type, every source naming a field, no control characters in text, and then
/// ``ChipSpec/validate(fieldPrefix:)``. Each error is one line naming the file and the key path:
/// `chip file my.json: adc.fullScaleMicroAmps: -3.0 µA must be > 0`.
public struct ChipDocument: Codable, Equatable, Sendable {
    /// The chip.
    public var spec: ChipSpec
    /// What the chip is, in a sentence or two.
    public var description: String?
    /// Where values come from: a field's key path → its source (a citation, or an assumption
    /// stated as one).
    public var sources: [String: String]

    /// The largest chip file read, in bytes (1 MiB).
    public static let maxFileBytes = 1 << 20
    /// The deepest nesting of arrays and objects a chip file may have (the format needs 3:
    /// a device term's array).
    static let maxDepth = 8

    public init(spec: ChipSpec, description: String? = nil, sources: [String: String] = [:]) {
        self.spec = spec
        self.description = description
        self.sources = sources
    }

    private enum Keys: String, CodingKey { case description, sources }

    /// Decodes the spec's fields and the document's own keys from one object.
    public init(from decoder: any Decoder) throws {
        spec = try ChipSpec(from: decoder)
        let c = try decoder.container(keyedBy: Keys.self)
        description = try c.decodeIfPresent(String.self, forKey: .description)
        sources = try c.decodeIfPresent([String: String].self, forKey: .sources) ?? [:]
    }

    /// Encodes the spec's fields and the document's own keys into one object.
    public func encode(to encoder: any Encoder) throws {
        try spec.encode(to: encoder)
        var c = encoder.container(keyedBy: Keys.self)
        try c.encodeIfPresent(description, forKey: .description)
        if !sources.isEmpty { try c.encode(sources, forKey: .sources) }
    }

    /// The document as pretty-printed JSON with sorted keys, ending in a newline.
    public var jsonText: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        // a validated spec has only finite numbers, so encoding cannot fail
        return String(decoding: (try? encoder.encode(self)) ?? Data(), as: UTF8.self) + "\n"
    }

    /// Key paths of every field a chip spec has, sorted (`adc.bits`, …, `tileRows`): the keys
    /// the encoder writes for a spec with every optional field set (a preset's spec, decoded
    /// here on its own, with a tile count and every optional device term).
    public static let specKeyPaths: [String] = {
        var decoder = JSONTreeDecoder()
        guard let preset = try? JSONValue.parse(Array(ChipPreset.wu2023SoC.jsonText.utf8)),
              var spec = try? decoder.decode(ChipSpec.self, from: preset) else { return [] }
        spec.tileCount = spec.tileCount ?? 1
        spec.device = spec.device.withEveryOptionalTerm()
        guard let data = try? JSONEncoder().encode(spec), let tree = try? JSONValue.parse(Array(data)) else { return [] }
        var out: [String] = []
        func walk(_ v: JSONValue, _ path: [String]) {
            if case .object(let o) = v {
                for (k, x) in o { walk(x, path + [k]) }
            } else {
                out.append(JSONTreeDecoder.text(path))
            }
        }
        walk(tree, [])
        return out.sorted()
    }()

    /// Reads a chip file (strictly, see the type's documentation).
    public static func read(path: String) throws(CIMError) -> ChipDocument {
        let label = "chip file \(path)"
        return try parse(try BoundedFileRead.bytes(atPath: path, maxBytes: maxFileBytes, what: label), label: label)
    }

    /// Parses and checks a chip document; errors are `label: key.path: reason`.
    public static func parse(_ bytes: [UInt8], label: String) throws(CIMError) -> ChipDocument {
        try decode(try tree(bytes, label: label), label: label)
    }

    /// The JSON tree of a chip document's bytes (size and syntax checked).
    static func tree(_ bytes: [UInt8], label: String) throws(CIMError) -> JSONValue {
        guard bytes.count <= maxFileBytes else {
            throw .format(path: label, reason: "\(bytes.count) bytes is more than the limit of \(maxFileBytes) bytes")
        }
        do { return try JSONValue.parse(bytes, maxDepth: maxDepth) } catch { throw .format(path: label, reason: "not valid JSON: \(error.description)") }
    }

    /// Decodes and checks a chip document's JSON tree; errors are `label: key.path: reason`.
    public static func decode(_ tree: JSONValue, label: String) throws(CIMError) -> ChipDocument {
        func fail(_ why: String) -> CIMError { .format(path: label, reason: why) }
        guard case .object = tree else { throw fail("expected a JSON object, found \(tree.kind)") }
        func unknown(_ path: [String]) -> CIMError {
            let parent = Array(path.dropLast())
            let known = parent.isEmpty ? topLevelKeys : specKeyPaths.compactMap { k -> String? in
                let p = k.split(separator: ".").map(String.init)
                return p.count == parent.count + 1 && Array(p.dropLast()) == parent ? p.last : nil
            }
            return fail("unknown key '\(JSONTreeDecoder.text(path))' (\(parent.isEmpty ? "a chip has" : JSONTreeDecoder.text(parent) + " has"): "
                + known.joined(separator: ", ") + ")")
        }
        // unknown keys first: a misspelt key would otherwise be reported as the key it replaces, missing
        if let path = unknownKeyPath(in: tree) { throw unknown(path) }
        var decoder = JSONTreeDecoder()
        let doc: ChipDocument
        do { doc = try decoder.decode(ChipDocument.self, from: tree) } catch { throw fail(JSONTreeDecoder.describe(error)) }
        if let path = decoder.unreadKeyPaths(in: tree).first { throw unknown(path) }  // what the types did not read
        let fields = Set(specKeyPaths)
        for key in doc.sources.keys.sorted() where !fields.contains(key) {
            throw fail("sources.\(key): '\(key)' is not a field of a chip (fields: \(specKeyPaths.joined(separator: ", ")))")
        }
        let texts = [("description", doc.description ?? "")] + doc.sources.sorted { $0.key < $1.key }.map { ("sources.\($0.key)", $0.value) }
        for (key, text) in texts {
            if let c = text.unicodeScalars.first(where: { $0.properties.generalCategory == .control }) {
                throw fail("\(key): contains the control character U+\(String(c.value, radix: 16, uppercase: true))")
            }
        }
        do { try doc.spec.validate(fieldPrefix: "") } catch {
            guard case let .invalidConfig(field, reason) = error else { throw fail(error.description) }
            throw fail("\(field): \(reason)")
        }
        return doc
    }

    /// The first key (sorted, shallowest first) of `tree` that is not a chip field, a container
    /// of fields, `description` or `sources`; `sources`' own keys are checked after decoding.
    static func unknownKeyPath(in tree: JSONValue) -> [String]? {
        var known: Set<String> = ["description", "sources"]
        for k in specKeyPaths {
            let parts = k.split(separator: ".").map(String.init)
            for n in 1...parts.count { known.insert(JSONTreeDecoder.text(Array(parts[..<n]))) }
        }
        var level: [([String], JSONValue)] = [([], tree)]
        while !level.isEmpty {
            var next: [([String], JSONValue)] = []
            for (path, value) in level {
                guard case .object(let o) = value, path != ["sources"] else { continue }
                for k in o.keys.sorted() {
                    guard known.contains(JSONTreeDecoder.text(path + [k])) else { return path + [k] }
                    next.append((path + [k], o[k]!))
                }
            }
            level = next
        }
        return nil
    }

    /// The keys of a chip document's top level.
    static var topLevelKeys: [String] {
        (Set(specKeyPaths.map { String($0.split(separator: ".")[0]) }).union(["description", "sources"])).sorted()
    }
}
