import CIMHDF5
import CIMNetwork

/// The schema's layout as a whitelist: every group, dataset and attribute of the file must be
/// one `schemas/chip-image-v2.md` (or v1) defines. Anything else (an extra attribute on a
/// layer, a group the schema never mentions) is a problem, so that `verify` accepts exactly
/// the files whose every byte CIMKit understands.
extension Reader {
    /// Attributes each layer kind adds to `kind` (and `inputs` in v2), as ``LayerAttributes`` writes them.
    static let kindAttributes: [String: Set<String>] = [
        "conv2d": ["in_channels", "out_channels", "kernel"], "dense": ["in_features", "out_features"], "max_pool": ["size"],
        "relu": [], "tanh": [], "sigmoid": [], "flatten": [],
        "convolution": ["in_channels", "out_channels", "kernel", "stride", "padding", "dilation", "groups"],
        "avg_pool": ["kernel", "stride", "padding", "count_include_pad"], "global_avg_pool": [], "leaky_relu": ["slope"],
        "clip": ["min", "max"], "add": [], "affine": ["channels"],
    ]
    /// Datasets of digital layers with parameters, by kind.
    static let kindDatasets: [String: Set<String>] = ["affine": ["scale", "shift"]]

    mutating func checkLayout(_ root: HDF5Node, architecture: Architecture) {
        let checksummed: Set<String> = ["sha256"]
        expect(root, attributes: ["format", "format_version", "creator", "created_utc", "seed", "source", "weights_from"],
               groups: ["chip", "network", "tiles", "provenance", "source"])
        if version >= 3, let chip = root.children["chip"] {
            expect(chip, attributes: ["spec_json"])
        } else if let chip = root.children["chip"] {
            expect(chip, attributes: ["name", "spec_json", "tile_rows", "tile_columns", "tile_count"], groups: ["device", "dac", "adc"])
            if let g = chip.children["device"] {
                expect(g, attributes: ["name", "levels", "g_min_uS", "g_max_uS", "read_voltage_V", "programming_sigma_uS", "read_sigma_uS",
                                       "max_write_trials", "verify_tolerance_levels", "stuck_rate", "drift_nu"])
            }
            if let g = chip.children["dac"] { expect(g, attributes: ["bits", "bit_serial"]) }
            if let g = chip.children["adc"] { expect(g, attributes: ["bits", "full_scale_uA", "noise_sigma_uA", "columns_per_adc"]) }
        }
        let names = architecture.layers.indices.map(ChipImageFile.layerName)
        if let net = root.children["network"] {
            expect(net, attributes: Set(["name", "input_shape", "layer_count", "architecture_json"] + (version >= 2 ? ["preprocessing_json"] : [])),
                   groups: Set(names))
            for (i, spec) in architecture.layers.enumerated() {
                guard let g = net.children[names[i]], case .string(let kind)? = g.attributes["kind"]?.values,
                      let own = Self.kindAttributes[kind] else { continue }
                var attributes = own.union(["kind"]).union(version >= 2 ? ["inputs"] : [])
                var datasets: [String: Set<String>] = [:]
                for d in Self.kindDatasets[kind] ?? [] { datasets[d] = checksummed }
                if spec.matrixShape != nil {
                    attributes.formUnion(["rows", "columns", "weight_per_uS"] + (version >= 2 ? ["groups"] : [])
                                         + (version >= 3 ? ["input_scaling"] : []) + (version >= 4 ? ["slices", "slice_significance"] : []))
                    datasets.merge(["bias": checksummed, "blocks": ["sha256", "fields"], "block_row_map": checksummed]) { a, _ in a }
                    if version >= 3 {
                        datasets.merge(["column_weight_per_uS": checksummed, "input_range": checksummed,
                                        "adc_full_scale_uA": checksummed]) { a, _ in a }
                    }
                }
                expect(g, attributes: attributes, datasets: datasets)
            }
        }
        if let tiles = root.children["tiles"] {
            expect(tiles, attributes: ["count"], datasets: ["g_plus": checksummed, "g_minus": checksummed,
                                                           "level_plus": checksummed, "level_minus": checksummed])
        }
        if let provenance = root.children["provenance"] {
            expect(provenance, attributes: Set(provenance.attributes.keys))  // free-form texts, no objects
        }
        if let source = root.children["source"] {
            let weighted = architecture.layers.indices.filter { architecture.layers[$0].matrixShape != nil }.map { names[$0] }
            expect(source, attributes: ["spec_json", "rule"], groups: Set(weighted))
            for name in weighted {
                guard let g = source.children[name] else { continue }
                expect(g, attributes: ["weight_per_uS"], datasets: ["g_plus": checksummed, "g_minus": checksummed,
                                                                    "target_plus": checksummed, "target_minus": checksummed])
            }
        }
    }

    /// Problems for attributes of `node` outside `attributes`, children outside `groups` and
    /// `datasets`, objects of the wrong kind, and dataset attributes outside their set.
    private mutating func expect(_ node: HDF5Node, attributes: Set<String>, groups: Set<String> = [],
                                 datasets: [String: Set<String>] = [:]) {
        let base = node.path == "/" ? "" : node.path
        for name in HDF5Node.byteOrder(node.attributes.keys) where !attributes.contains(name) {
            problem(base + "/" + name, "an attribute the schema (version \(version)) does not define")
        }
        for name in HDF5Node.byteOrder(node.children.keys) {
            let child = node.children[name]!
            if child.kind == .group && groups.contains(name) { continue }
            if child.kind == .dataset, let allowed = datasets[name] {
                for a in HDF5Node.byteOrder(child.attributes.keys) where !allowed.contains(a) {
                    problem(child.path + "/" + a, "an attribute the schema (version \(version)) does not define")
                }
                continue
            }
            problem(child.path, "a \(child.kind == .group ? "group" : "dataset") the schema (version \(version)) does not define here")
        }
    }
}
