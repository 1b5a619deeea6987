import CIMCore
import Foundation

extension ChipDocument {
    /// Whether `--chip` text names a chip file: it ends in `.json`, or it is not a preset's name
    /// and a file of that name exists (`./ideal` reads a file called `ideal`; `ideal` is the preset).
    public static func isFileReference(_ text: String) -> Bool {
        text.lowercased().hasSuffix(".json") || (ChipPreset(rawValue: text) == nil && FileManager.default.fileExists(atPath: text))
    }

    /// What a config stores for `--chip nameOrFile` with `--set` texts: `nil` for a preset
    /// without overrides (kept by name; an unknown name throws, naming the presets), else the
    /// whole spec (a chip file, or a preset with overrides).
    public static func customSpec(_ nameOrFile: String, set overrides: [String]) throws(CIMError) -> ChipSpec? {
        guard isFileReference(nameOrFile) || !overrides.isEmpty else {
            _ = try load(nameOrFile)
            return nil
        }
        return try load(nameOrFile, set: overrides).spec
    }

    /// The chip that `nameOrFile` names (a preset, or a chip file: see ``isFileReference(_:)``),
    /// with the `--set` texts applied in order and the result checked like a chip file.
    public static func load(_ nameOrFile: String, set: [String]) throws(CIMError) -> ChipDocument {
        var overrides: [ChipOverride] = []
        for text in set { overrides.append(try ChipOverride(parsing: text)) }
        return try load(nameOrFile, overrides: overrides)
    }

    /// The chip that `nameOrFile` names, with `overrides` applied in order. Each override is
    /// recorded in the document: its field's source becomes `--set key=value`, and the chip's
    /// name gets ` with key=value, …` appended (unless an override sets the name), so that
    /// images and training records never show a changed chip under a preset's name.
    public static func load(_ nameOrFile: String, overrides: [ChipOverride] = []) throws(CIMError) -> ChipDocument {
        let label: String, bytes: [UInt8]
        if isFileReference(nameOrFile) {
            label = "chip file \(nameOrFile)"
            bytes = try BoundedFileRead.bytes(atPath: nameOrFile, maxBytes: maxFileBytes, what: label)
        } else {
            guard let preset = ChipPreset(rawValue: nameOrFile) else {
                throw .invalidConfig(field: ChipPreset.presetField, reason: "unknown chip preset '\(nameOrFile)' (known: "
                    + ChipPreset.allCases.map(\.rawValue).joined(separator: ", ") + "; a chip file is a path that exists or ends in .json)")
            }
            if overrides.isEmpty { return preset.document }
            label = "chip preset \(preset.rawValue)"
            bytes = Array(preset.jsonText.utf8)
        }
        let tree = try self.tree(bytes, label: label)
        let given = try decode(tree, label: label)  // the chip as given must be sound on its own
        if overrides.isEmpty { return given }
        return try applying(overrides, to: tree, label: label)
    }

    /// `spec` with the `--set` texts applied, as ``load(_:set:)`` applies them to a preset
    /// (e.g. to evaluate a chip image's own chip with another ADC); `label` names the chip in errors.
    public static func applying(_ set: [String], to spec: ChipSpec, label: String) throws(CIMError) -> ChipDocument {
        var overrides: [ChipOverride] = []
        for text in set { overrides.append(try ChipOverride(parsing: text)) }
        guard !overrides.isEmpty else { return ChipDocument(spec: spec) }
        let data: [UInt8]
        do { data = Array(try JSONEncoder().encode(spec)) } catch { throw .format(path: label, reason: "cannot be written as JSON: \(error)") }
        return try applying(overrides, to: try tree(data, label: label), label: label)
    }

    /// The document `tree` with `overrides` applied, recorded and checked.
    static func applying(_ overrides: [ChipOverride], to tree: JSONValue, label: String) throws(CIMError) -> ChipDocument {
        var tree = tree
        for o in overrides { tree = try o.apply(to: tree) }
        tree = annotated(tree, overrides: overrides)
        return try decode(tree, label: label + " with " + overrides.map { "--set \($0)" }.joined(separator: " "))
    }

    /// `tree` with each override's field sourced to its `--set`, and its name marked.
    static func annotated(_ tree: JSONValue, overrides: [ChipOverride]) -> JSONValue {
        var t = tree
        if t[["sources"]] == nil, let u = t.replacing(["sources"], with: .object([:])) { t = u }
        for o in overrides {
            if case .object? = t[["sources"]], let u = t.replacing(["sources", JSONTreeDecoder.text(o.keyPath)], with: .string("--set \(o)")) { t = u }
        }
        if !overrides.contains(where: { $0.keyPath == ["name"] }), case .string(let name)? = t[["name"]],
           let u = t.replacing(["name"], with: .string(name + " with " + overrides.map(\.description).joined(separator: ", "))) {
            t = u
        }
        return t
    }
}
