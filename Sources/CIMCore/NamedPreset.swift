/// An enumeration of named presets (devices, chips, …) looked up by name from user input.
public protocol NamedPreset: CaseIterable, RawRepresentable where RawValue == String {
    /// What a preset is, for messages: `"device preset"`, `"chip preset"`.
    static var presetKind: String { get }
    /// The configuration field the name comes from, for errors: `"device"`, `"chip"`.
    static var presetField: String { get }
}

extension NamedPreset {
    /// The preset called `name`, or an error that lists the known ones.
    public static func named(_ name: String) throws(CIMError) -> Self {
        guard let p = Self(rawValue: name) else {
            throw CIMError.invalidConfig(field: presetField, reason:
                "unknown \(presetKind) '\(name)' (known: \(allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        return p
    }
}
