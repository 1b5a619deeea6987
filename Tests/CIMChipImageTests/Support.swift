import CHDF5
import CIMChipImage
import CIMCore
import CIMCrossbar
import CIMHDF5
import CIMMap
import CIMNetwork
import Foundation
import Testing

/// Every chip-image test runs under this serialized suite (one HDF5 file at a time).
@Suite("CIMChipImage", .serialized)
struct ChipImageTests {}

/// Small valid images, made once (no training: a freshly initialised LeNet).
enum Fixtures {
    static func model(source: Bool) throws -> TrainedModel {
        let network = try Network(architecture: ModelPreset.lenetWu2023.architecture, seed: 1)
        guard source else { return TrainedModel(network: network, provenance: ["note": "test"], seed: 1) }
        // A hand-made training chip: conductances on the 4 levels of brram-2bit, slightly off.
        let soc = ChipPreset.wu2023SoC.spec, d = soc.device
        var rng = SeededBits(seed: 7)
        var layers: [Int: SourceChip.SourceLayer] = [:]
        for (i, layer) in network.architecture.layers.enumerated() {
            guard let (rows, cols) = layer.matrixShape else { continue }
            let n = rows * cols
            let tp = (0..<n).map { _ in Float(d.conductance(level: rng.next(below: 4))) }
            let tm = (0..<n).map { _ in Float(d.conductance(level: rng.next(below: 4))) }
            let p = tp.map { $0 + Float(rng.next(below: 100)) / 100 - 0.5 }
            let m = tm.map { $0 + Float(rng.next(below: 100)) / 100 - 0.5 }
            layers[i] = .init(gPlus: p, gMinus: m, targetPlus: tp, targetMinus: tm, weightPerMicroSiemens: 0.01)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let specJSON = String(decoding: try encoder.encode(soc), as: UTF8.self)
        let chip = SourceChip(specJSON: specJSON, rule: "mixed-precision", layers: layers)
        return TrainedModel(network: network, source: chip, provenance: ["note": "test"], seed: 1)
    }

    static func image(_ chip: ChipPreset, source: Bool = false) throws -> ChipImage {
        var config = MappingConfig(spec: chip.spec)
        config.monteCarloDraws = 2
        return try Mapper(config: config).map(try model(source: source), calibration: nil, creator: "test")
    }

    /// ``GraphModel`` (random weights) mapped onto `chip`.
    static func graphImage(_ spec: ChipSpec) throws -> ChipImage {
        var config = MappingConfig(spec: spec)
        config.monteCarloDraws = 2
        let network = try Network(architecture: GraphModel.architecture, seed: 3)
        let folded = InputPreprocessing.FoldedNormalization(scale: [4, 4.5, 5], shift: [-2, -2.1, -2.2], intoLayer: 0)
        return try Mapper(config: config).map(TrainedModel(network: network, provenance: ["note": "graph"], seed: 3,
                                                           preprocessing: InputPreprocessing(foldedNormalization: folded)),
                                              calibration: GraphModel.inputs(16, seed: 4), creator: "test")
    }

    static let inference: ChipImage = try! image(.wu2023Inference)
    static let graph: ChipImage = try! graphImage(ChipPreset.wu2023Inference.spec)
    static let soc: ChipImage = try! image(.wu2023SoC)
    static let onChip: ChipImage = try! image(.wu2023SoC, source: true)
}

/// A tiny deterministic generator (SplitMix64).
struct SeededBits {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func next(below n: Int) -> Int { Int(next() % UInt64(n)) }
}

/// A fresh, uniquely named temporary directory.
struct TempDir {
    let path: String
    init(_ name: String) {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("cimkit-image-\(name)-\(UUID().uuidString)").path
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    func file(_ name: String) -> String { path + "/" + name }
    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// SHA-256 hex of the values' little-endian bytes, as the writer computes it.
func checksum<T>(_ values: [T]) -> String { values.withUnsafeBytes { SHA256.hex(of: $0) } }

/// Raw file edits that CIMHDF5 does not offer: deleting a link.
enum RawHDF5 {
    static func delete(_ object: String, in path: String) throws {
        _ = HDF5Library.version  // opens the library with error printing off
        let file = H5Fopen(path, cim_h5f_acc_rdwr(), cim_h5p_default())
        guard file >= 0 else { throw CIMError.io(path: path, reason: "H5Fopen failed") }
        defer { H5Fclose(file) }
        guard H5Ldelete(file, object, cim_h5p_default()) >= 0 else { throw CIMError.io(path: path, reason: "cannot delete \(object)") }
    }

    /// File offset and stored size of the first chunk of a chunked dataset.
    static func firstChunk(_ object: String, in path: String) throws -> (offset: Int, size: Int) {
        _ = HDF5Library.version
        let file = H5Fopen(path, cim_h5f_acc_rdonly(), cim_h5p_default())
        guard file >= 0 else { throw CIMError.io(path: path, reason: "H5Fopen failed") }
        defer { H5Fclose(file) }
        let d = H5Dopen2(file, object, cim_h5p_default())
        guard d >= 0 else { throw CIMError.io(path: path, reason: "cannot open \(object)") }
        defer { H5Dclose(d) }
        let space = H5Dget_space(d)
        defer { H5Sclose(space) }
        var offsets = [hsize_t](repeating: 0, count: 8)
        var mask: UInt32 = 0, address: haddr_t = 0, size: hsize_t = 0
        guard H5Dget_chunk_info(d, space, 0, &offsets, &mask, &address, &size) >= 0 else {
            throw CIMError.io(path: path, reason: "\(object) is not chunked")
        }
        return (Int(address), Int(size))
    }
}

/// Edits of a chip image file through CIMHDF5 (writable).
enum Edit {
    static func attribute(_ path: String, _ object: String, _ name: String, _ value: String) throws {
        let f = try HDF5File.open(path: path, writable: true)
        try f.root.openGroup(object).setAttribute(name, value)
        try f.close()
    }

    static func attribute(_ path: String, _ object: String, _ name: String, _ value: Int) throws {
        let f = try HDF5File.open(path: path, writable: true)
        try f.root.openGroup(object).setAttribute(name, value)
        try f.close()
    }

    static func deleteAttribute(_ path: String, _ object: String, _ name: String) throws {
        let f = try HDF5File.open(path: path, writable: true)
        try f.root.openGroup(object).deleteAttribute(name)
        try f.close()
    }

    static func read<T: HDF5Scalar>(_ path: String, _ object: String, as: T.Type) throws -> (shape: [Int], values: [T]) {
        let f = try HDF5File.open(path: path)
        defer { try? f.close() }
        return try f.root.readDataset(object, as: T.self)
    }

    /// Replaces dataset `object` with `values` of `shape`, keeping its other attributes and
    /// giving it a correct `sha256`, so only the reader's content checks can object.
    static func replace<T: HDF5Scalar>(_ path: String, _ object: String, shape: [Int], _ values: [T]) throws {
        var strings: [String: String] = [:]
        do {
            let f = try HDF5File.open(path: path)
            let d = try f.root.openDataset(object)
            for n in try d.attributeNames() where n != "sha256" { strings[n] = try d.stringAttribute(n) }
            try f.close()
        }
        try RawHDF5.delete(object, in: path)
        let f = try HDF5File.open(path: path, writable: true)
        let d = try f.root.createDataset(object, shape: shape, values: values)
        try d.setAttribute("sha256", checksum(values))
        for (n, v) in strings { try d.setAttribute(n, v) }
        try f.close()
    }

    /// Reads dataset `object`, lets `change` edit its values, and writes it back (same shape).
    static func modify<T: HDF5Scalar>(_ path: String, _ object: String, as: T.Type, _ change: (inout [T]) -> Void) throws {
        var (shape, values) = try read(path, object, as: T.self)
        change(&values)
        try replace(path, object, shape: shape, values)
    }
}

/// Every dataset and attribute of a file as `path` or `path@attribute` → a canonical text of
/// its type, shape and values (numbers by bit pattern).
enum FileWalk {
    static func contents(of path: String) throws -> [String: String] {
        let f = try HDF5File.open(path: path)
        defer { try? f.close() }
        var out: [String: String] = [:]
        try walk(f.root, into: &out)
        return out
    }

    static func walk(_ g: HDF5Group, into out: inout [String: String]) throws {
        try attributes(g, into: &out)
        for name in try g.childNames() {
            if try g.isGroup(name) {
                try walk(try g.openGroup(name), into: &out)
            } else {
                let d = try g.openDataset(name)
                try attributes(d, into: &out)
                out[d.path] = "\(d.dataType) \(d.shape) " + (try bits(d))
            }
        }
    }

    static func bits(_ d: HDF5Dataset) throws -> String {
        switch d.dataType {
        case .float32: return checksum(try d.read(as: Float.self).map(\.bitPattern))
        case .float64: return checksum(try d.read(as: Double.self).map(\.bitPattern))
        case .int32: return checksum(try d.read(as: Int32.self))
        case .int64: return checksum(try d.read(as: Int64.self))
        case .uint8: return checksum(try d.read(as: UInt8.self))
        default: return "unsupported \(d.dataType)"
        }
    }

    static func attributes(_ o: HDF5Object, into out: inout [String: String]) throws {
        for name in try o.attributeNames() {
            let type = try o.attributeType(name)
            let value: String
            switch type {
            case .string: value = try o.stringAttribute(name)
            case .float32, .float64: value = try o.doubleArrayAttribute(name).map { String($0.bitPattern, radix: 16) }.joined(separator: ",")
            default: value = try o.intArrayAttribute(name).map(String.init).joined(separator: ",")
            }
            out[o.path + "@" + name] = "\(type) " + value
        }
    }
}
