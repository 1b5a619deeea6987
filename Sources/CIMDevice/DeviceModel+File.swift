import CIMCore
import Foundation

/// A device as a JSON file: the object a chip document holds under `device`
/// (`schemas/chip-spec.md`), on its own — what `cim device fit --out` writes.
extension DeviceModel {
    /// The largest device file read, bytes (64 KiB).
    public static let maxFileBytes = 1 << 16

    /// Reads a device JSON file strictly: size bounded before reading, valid JSON, no key the
    /// device does not define, every value of its type, then ``validate()``; one error line
    /// naming the file.
    public static func read(path: String) throws(CIMError) -> DeviceModel {
        let label = "device file \(path)"
        return try parse(try BoundedFileRead.bytes(atPath: path, maxBytes: maxFileBytes, what: label), label: label)
    }

    /// Parses and checks a device's JSON bytes; errors are `label: reason`.
    public static func parse(_ bytes: [UInt8], label: String) throws(CIMError) -> DeviceModel {
        guard bytes.count <= maxFileBytes else { throw .format(path: label, reason: "\(bytes.count) bytes is more than \(maxFileBytes) bytes") }
        let tree: JSONValue
        do { tree = try JSONValue.parse(bytes, maxDepth: 4) } catch { throw .format(path: label, reason: "not valid JSON: \(error.description)") }
        guard case .object = tree else { throw .format(path: label, reason: "expected a JSON object, found \(tree.kind)") }
        var decoder = JSONTreeDecoder()
        let device: DeviceModel
        do { device = try decoder.decode(DeviceModel.self, from: tree) } catch { throw .format(path: label, reason: JSONTreeDecoder.describe(error)) }
        if let path = decoder.unreadKeyPaths(in: tree).first {
            throw .format(path: label, reason: "unknown key '\(JSONTreeDecoder.text(path))' (a device has: \(CodingKeys.allKeyNames.joined(separator: ", ")))")
        }
        do { try device.validate(fieldPrefix: "") } catch {
            guard case let .invalidConfig(field, reason) = error else { throw .format(path: label, reason: error.description) }
            throw .format(path: label, reason: "\(field): \(reason)")
        }
        return device
    }

    /// The device as pretty-printed JSON with sorted keys, ending in a newline.
    public var jsonText: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(self)) ?? Data(), as: UTF8.self) + "\n"
    }
}

extension DeviceModel.CodingKeys {
    /// Every key a device may have.
    static var allKeyNames: [String] {
        guard let data = try? JSONEncoder().encode(DeviceModel(name: "x", levels: 0, gMinMicroSiemens: 0, gMaxMicroSiemens: 1, readVoltage: 0.1,
                                                               programmingSigmaMicroSiemens: 0, readSigmaMicroSiemens: 0).withEveryOptionalTerm()),
              let tree = try? JSONValue.parse(Array(data)), case .object(let o) = tree else { return [] }
        return o.keys.sorted()
    }
}
