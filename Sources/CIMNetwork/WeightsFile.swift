import CIMCore
import Foundation

/// Trained weights in the *safetensors* layout (readable by NumPy in a few lines, or by the
/// `safetensors` Python package):
///
/// - 8 bytes: little-endian UInt64 `H`, the length of the header;
/// - `H` bytes: UTF-8 JSON `{"__metadata__": {…}, "<name>": {"dtype": "F32", "shape": […],
///   "data_offsets": [begin, end]}, …}`, padded with spaces to a multiple of 8;
/// - the tensors' little-endian float32 bytes, `data_offsets` relative to the end of the header.
///
/// Tensors are named `layers.<i>.weight` and `layers.<i>.bias` (i = index in the architecture),
/// and for an affine layer `layers.<i>.scale` and `layers.<i>.shift` (`[C]` each).
/// Convolution weights have shape `[out, kh, kw, in]`, dense weights `[out, in]`. The metadata
/// holds `format` = `cimkit-weights`, `version` = `1`, and `architecture` (JSON of
/// ``Architecture``); see `schemas/weights-v1.md`.
public enum WeightsFile {
    public static let format = "cimkit-weights"
    public static let version = "1"

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
            case let .convolution(c):
                out.append(("layers.\(i).weight", [c.outChannels, c.kernelHeight, c.kernelWidth, c.inChannels / c.groups], c.outChannels * c.fanIn))
                out.append(("layers.\(i).bias", [c.outChannels], c.outChannels))
            case let .affine(c):
                out.append(("layers.\(i).scale", [c], c))
                out.append(("layers.\(i).shift", [c], c))
            case .maxPool, .relu, .tanh, .sigmoid, .flatten, .avgPool, .globalAvgPool, .leakyRelu, .clip, .add: break
            }
        }
        return out
    }

    /// The archive of a network (plus extra string metadata), to which callers may add tensors.
    public static func archive(_ network: Network, metadata extra: [String: String] = [:]) throws -> TensorArchive {
        var meta = extra
        meta["format"] = format
        meta["version"] = version
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]  // byte-identical files for identical networks
        meta["architecture"] = String(decoding: try encoder.encode(network.architecture), as: UTF8.self)
        var archive = TensorArchive(metadata: meta)
        var offset = 0
        for t in tensors(of: network.architecture) {
            archive.add(t.name, shape: t.shape, Array(network.parameters[offset..<(offset + t.count)]))
            offset += t.count
        }
        return archive
    }

    /// Encodes a network (plus extra string metadata) as bytes.
    public static func encode(_ network: Network, metadata extra: [String: String] = [:]) throws -> [UInt8] {
        try archive(network, metadata: extra).encode()
    }

    /// The network stored in an archive; `path` is used in error messages.
    public static func network(from archive: TensorArchive, path: String) throws(CIMError) -> Network {
        func fail(_ why: String) -> CIMError { .format(path: path, reason: why) }
        let meta = archive.metadata
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
        for t in tensors(of: architecture) {
            parameters += try archive.floats(t.name, shape: t.shape, path: path)
        }
        do {
            return try Network(architecture: architecture, parameters: parameters)
        } catch {
            throw fail(error.description)
        }
    }

    /// Decodes a network; `path` is used in error messages.
    public static func decode(_ bytes: [UInt8], path: String) throws(CIMError) -> (network: Network, metadata: [String: String]) {
        let archive = try TensorArchive.decode(bytes, path: path)
        return (try network(from: archive, path: path), archive.metadata)
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
