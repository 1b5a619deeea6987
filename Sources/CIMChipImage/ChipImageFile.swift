import CIMCore
import CIMCrossbar
import CIMHDF5
import CIMMap
import CIMNetwork
import Foundation

/// A ``ChipImage`` as an HDF5 file, schema version 4 (`schemas/chip-image-v4.md`: bit-sliced
/// layers); version 3 (`schemas/chip-image-v3.md`: the chip stored once as `spec_json`,
/// calibrated layers), version 2 (`schemas/chip-image-v2.md`) and version 1 files
/// (`schemas/chip-image-v1.md`: a chain of the original layer kinds) still read.
///
/// Writing goes to a temporary file next to the destination that is renamed into place only
/// when complete, so an interrupted export never leaves a partial file or damages an existing
/// one. Every dataset carries a `sha256` attribute (hex digest of its little-endian, C-order
/// bytes) that ``read(path:)`` and ``verify(path:)`` check, and the whole file is sealed by a
/// checksum in its user block (``seal(path:)``), checked before libhdf5 reads anything.
public enum ChipImageFile {
    public static let format = "cimkit-chip-image"
    /// The version written.
    public static let version = 4
    /// The versions read.
    public static let readableVersions = 1...4
    /// Fields of a layer's `blocks` dataset (one row per block).
    public static let blockFields = ["tile", "row_start", "column_start", "rows", "columns", "tile_row", "tile_column"]

    /// Writes `image` to `path` atomically. The HDF5 file is built in memory, sealed, and
    /// written by ``AtomicFile`` (a full disk is one error line, nothing partial remains);
    /// `mode` `.exclusive` fails if `path` exists, even when another export creates it meanwhile.
    public static func write(_ image: ChipImage, to path: String, mode: AtomicFile.Mode = .replace) throws(CIMError) {
        var bytes: [UInt8]
        do {
            // the core driver's image starts with the superblock; the user block (the seal) is
            // put in front of it, where libhdf5 and h5py look for a superblock second (offset 512)
            let file = try HDF5File.createInMemory(name: path)
            try writeContent(image, into: file.root)
            bytes = [UInt8](repeating: 0, count: userBlockBytes) + (try file.fileImage())
            try file.close()
        } catch {
            throw CIMError.io(path: path, reason: "cannot build the chip image: \(error.message)")
        }
        try seal(&bytes, path: path)
        try AtomicFile.write(bytes, to: path, mode: mode)
    }

    static func json<T: Encodable>(_ value: T) -> String {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return (try? e.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "null"
    }

    /// A dataset with its checksum attribute; large arrays chunked and compressed.
    @discardableResult
    static func dataset<T: HDF5Scalar>(_ group: HDF5Group, _ name: String, shape: [Int], _ values: [T]) throws(HDF5Error) -> HDF5Dataset {
        let big = values.count >= 4096
        var chunk: [Int]? = nil
        if big {  // about 64 k elements a chunk, along the first axis
            let inner = shape.dropFirst().reduce(1, *)
            chunk = [max(1, min(shape[0], 65_536 / max(inner, 1)))] + shape.dropFirst()
        }
        let d = try group.createDataset(name, shape: shape, values: values, chunk: chunk, gzipLevel: big ? 1 : nil)
        try d.setAttribute("sha256", checksum(values))
        return d
    }

    /// Hex SHA-256 of the values' little-endian bytes.
    static func checksum<T>(_ values: [T]) -> String {
        values.withUnsafeBytes { SHA256.hex(of: $0) }
    }

    static func layerName(_ i: Int) -> String { String(format: "layer_%03d", i) }

    private static func writeContent(_ image: ChipImage, into root: HDF5Group) throws(HDF5Error) {
        try root.setAttribute("format", format)
        try root.setAttribute("format_version", version)
        try root.setAttribute("creator", image.info.creator)
        try root.setAttribute("created_utc", image.info.createdUTC)
        try root.setAttribute("seed", Int(bitPattern: UInt(image.info.seed)))
        try root.setAttribute("source", image.info.source)
        try root.setAttribute("weights_from", image.info.weightsFrom)
        // chip: the spec once, as a chip document (schemas/chip-spec.md)
        let s = image.spec
        let chip = try root.createGroup("chip")
        try chip.setAttribute("spec_json", json(s))
        // network
        let net = try root.createGroup("network")
        let a = image.architecture
        try net.setAttribute("name", a.name)
        try net.setAttribute("input_shape", a.inputShape)
        try net.setAttribute("layer_count", a.layers.count)
        try net.setAttribute("architecture_json", json(a))
        try net.setAttribute("preprocessing_json", json(image.preprocessing))
        for (i, spec) in a.layers.enumerated() {
            let g = try net.createGroup(layerName(i))
            try LayerAttributes.write(spec, to: g)
            try g.setAttribute("inputs", a.inputsOf(i))
            if let affine = image.affineLayers.first(where: { $0.index == i }) {
                try dataset(g, "scale", shape: [affine.scale.count], affine.scale)
                try dataset(g, "shift", shape: [affine.shift.count], affine.shift)
            }
            guard let l = image.layers.first(where: { $0.index == i }) else { continue }
            try g.setAttribute("rows", l.rows)
            try g.setAttribute("columns", l.columns)
            try g.setAttribute("groups", l.groups)
            try g.setAttribute("weight_per_uS", l.weightPerMicroSiemens)
            try g.setAttribute("input_scaling", l.calibration?.inputRanges == nil ? "abs-max" : "static")
            if l.slicing.count > 1 {  // absent = one pair per weight
                try g.setAttribute("slices", l.slicing.count)
                try g.setAttribute("slice_significance", l.slicing.significance.map { Int($0) })
            }
            if let c = l.calibration {
                let blocks = [l.groups, (l.rows + s.tileRows - 1) / s.tileRows]
                try dataset(g, "column_weight_per_uS", shape: [l.columns], c.columnWeightPerMicroSiemens)
                if let r = c.inputRanges { try dataset(g, "input_range", shape: blocks, r) }
                if let f = c.adcFullScalesMicroAmps { try dataset(g, "adc_full_scale_uA", shape: blocks, f) }
            }
            try dataset(g, "bias", shape: [l.columns], l.bias)
            let rows = l.blocks.flatMap { b in [b.tile, b.rowStart, b.columnStart, b.rows, b.columns, b.tileRow, b.tileColumn].map(Int32.init) }
            let blocks = try dataset(g, "blocks", shape: [l.blocks.count, blockFields.count], rows)
            try blocks.setAttribute("fields", blockFields.joined(separator: ","))
            try dataset(g, "block_row_map", shape: [l.blocks.reduce(0) { $0 + $1.rows }], l.blocks.flatMap { $0.rowMap.map(Int32.init) })
        }
        // tiles: one dataset per quantity, [tiles, tile_rows, pairs]
        let tiles = try root.createGroup("tiles")
        try tiles.setAttribute("count", image.tiles.count)
        let shape = [image.tiles.count, s.tileRows, s.weightColumns]
        try dataset(tiles, "g_plus", shape: shape, image.tiles.flatMap(\.gPlus))
        try dataset(tiles, "g_minus", shape: shape, image.tiles.flatMap(\.gMinus))
        if s.device.levels >= 2 {
            try dataset(tiles, "level_plus", shape: shape, image.tiles.flatMap(\.levelPlus))
            try dataset(tiles, "level_minus", shape: shape, image.tiles.flatMap(\.levelMinus))
        }
        // source (on-chip-trained models)
        if let src = image.source {
            let g = try root.createGroup("source")
            try g.setAttribute("spec_json", src.specJSON)
            try g.setAttribute("rule", src.rule)
            for (i, l) in src.layers.sorted(by: { $0.key < $1.key }) {
                let lg = try g.createGroup(layerName(i))
                guard let (rows, cols) = a.layers[i].matrixShape else { continue }
                try lg.setAttribute("weight_per_uS", Double(l.weightPerMicroSiemens))
                try dataset(lg, "g_plus", shape: [rows, cols], l.gPlus)
                try dataset(lg, "g_minus", shape: [rows, cols], l.gMinus)
                try dataset(lg, "target_plus", shape: [rows, cols], l.targetPlus)
                try dataset(lg, "target_minus", shape: [rows, cols], l.targetMinus)
            }
        }
        // provenance and report
        let prov = try root.createGroup("provenance")
        for (k, v) in image.provenance.sorted(by: { $0.key < $1.key }) { try prov.setAttribute(k, v) }
        try prov.setAttribute("mapping_report", json(image.report))
    }
}
