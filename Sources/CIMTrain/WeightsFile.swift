import CIMCore
import CIMNetwork
import Foundation

/// Trained weights in the *safetensors* layout (readable by NumPy in a few lines, or by the
/// `safetensors` Python package):
///
/// - 8 bytes: little-endian UInt64 `H`, the length of the header;
/// - `H` bytes: UTF-8 JSON `{"__metadata__": {…}, "<name>": {"dtype": "F32", "shape": […],
///   "data_offsets": [begin, end]}, …}`, padded with spaces to a multiple of 8;
/// - the tensors' little-endian float32 bytes, `data_offsets` relative to the end of the header.
///
/// Tensors are named `layers.<i>.weight` and `layers.<i>.bias` (i = index in the architecture).
/// Convolution weights have shape `[out, kh, kw, in]`, dense weights `[out, in]`. The metadata
/// holds `format` = `cimkit-weights`, `version` = `1`, and `architecture` (JSON of
/// ``Architecture``); see `schemas/weights-v1.md`.
public enum WeightsFile {
    public static let format = "cimkit-weights"
    public static let version = "1"

    struct Entry: Codable { var dtype: String; var shape: [Int]; var data_offsets: [Int] }

    /// The named tensors of `network`, in file order.
    static func tensors(of architecture: Architecture) -> [(name: String, shape: [Int], count: Int)] {
        var out: [(String, [Int], Int)] = []
        for (i, layer) in architecture.layers.enumerated() {
            switch layer {
            case let .conv2d(c, o, k):
                out.append(("layers.\(i).weight", [o, k, k, c], o * k * k * c))
                out.append(("layers.\(i).bias", [o], o))
            case let .dense(n, o):
                out.append(("layers.\(i).weight", [o, n], o * n))
                out.append(("layers.\(i).bias", [o], o))
            default: break
            }
        }
        return out
    }

    /// Encodes a network (plus extra string metadata) as bytes.
    public static func encode(_ network: Network, metadata extra: [String: String] = [:]) throws -> [UInt8] {
        var meta = extra
        meta["format"] = format
        meta["version"] = version
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]  // byte-identical files for identical networks
        meta["architecture"] = String(decoding: try encoder.encode(network.architecture), as: UTF8.self)
        var header: [String: Any] = ["__metadata__": meta]
        var offset = 0
        for t in tensors(of: network.architecture) {
            header[t.name] = ["dtype": "F32", "shape": t.shape, "data_offsets": [offset, offset + 4 * t.count]]
            offset += 4 * t.count
        }
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        while json.count % 8 != 0 { json.append(0x20) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(8 + json.count + offset)
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { bytes += $0 }
        bytes += json
        for value in network.parameters {
            withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes += $0 }
        }
        return bytes
    }

    /// Decodes a network; `path` is used in error messages.
    public static func decode(_ bytes: [UInt8], path: String) throws(CIMError) -> (network: Network, metadata: [String: String]) {
        func fail(_ why: String) -> CIMError { .format(path: path, reason: why) }
        guard bytes.count >= 8 else { throw fail("too short for a safetensors header (\(bytes.count) bytes)") }
        var h: UInt64 = 0
        for i in 0..<8 { h |= UInt64(bytes[i]) << (8 * UInt64(i)) }
        guard h <= UInt64(bytes.count - 8) else { throw fail("header length \(h) exceeds file size \(bytes.count)") }
        let headerEnd = 8 + Int(h)
        guard let object = try? JSONSerialization.jsonObject(with: Data(bytes[8..<headerEnd])),
              let header = object as? [String: Any] else { throw fail("header is not a JSON object") }
        guard let meta = header["__metadata__"] as? [String: String] else { throw fail("no __metadata__") }
        guard meta["format"] == format else { throw fail("format is \(meta["format"] ?? "missing"), expected \(format)") }
        guard meta["version"] == version else {
            throw fail("unsupported version \(meta["version"] ?? "missing") (this CIMKit reads version \(version))")
        }
        guard let archText = meta["architecture"],
              let architecture = try? JSONDecoder().decode(Architecture.self, from: Data(archText.utf8)) else {
            throw fail("metadata 'architecture' is missing or not valid")
        }
        var parameters: [Float] = []
        parameters.reserveCapacity(architecture.parameterCount)
        let payload = bytes.count - headerEnd
        for t in tensors(of: architecture) {
            guard let entryObject = header[t.name],
                  let entryData = try? JSONSerialization.data(withJSONObject: entryObject),
                  let entry = try? JSONDecoder().decode(Entry.self, from: entryData) else {
                throw fail("tensor \(t.name) is missing")
            }
            guard entry.dtype == "F32" else { throw fail("tensor \(t.name) has dtype \(entry.dtype), expected F32") }
            guard entry.shape == t.shape else { throw fail("tensor \(t.name) has shape \(entry.shape), expected \(t.shape)") }
            guard entry.data_offsets.count == 2, entry.data_offsets[0] >= 0,
                  entry.data_offsets[1] - entry.data_offsets[0] == 4 * t.count,
                  entry.data_offsets[1] <= payload else {
                throw fail("tensor \(t.name) has data_offsets \(entry.data_offsets) outside the \(payload)-byte payload")
            }
            let start = headerEnd + entry.data_offsets[0]
            for i in 0..<t.count {
                let o = start + 4 * i
                let bits = UInt32(bytes[o]) | UInt32(bytes[o + 1]) << 8 | UInt32(bytes[o + 2]) << 16 | UInt32(bytes[o + 3]) << 24
                parameters.append(Float(bitPattern: bits))
            }
        }
        do {
            return (try Network(architecture: architecture, parameters: parameters), meta)
        } catch {
            throw fail(error.description)
        }
    }

    /// Reads a weights file.
    public static func read(path: String) throws(CIMError) -> (network: Network, metadata: [String: String]) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CIMError.io(path: path, reason: "cannot read file")
        }
        return try decode([UInt8](data), path: path)
    }

    /// Writes a weights file atomically (temporary file, then rename).
    public static func write(_ network: Network, metadata: [String: String] = [:], to path: String) throws {
        try AtomicFile.write(Data(encode(network, metadata: metadata)), to: path)
    }
}
