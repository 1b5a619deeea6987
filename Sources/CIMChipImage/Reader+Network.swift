import CIMCore
import CIMCrossbar
import CIMHDF5
import CIMMap
import CIMNetwork
import Foundation

extension Reader {
    /// The architecture, its weighted layers, its affine layers and the preprocessing.
    mutating func readNetwork(_ root: HDF5Node, spec: ChipSpec) -> (Architecture, [LayerImage], [AffineLayerImage], InputPreprocessing)? {
        guard let net = group(root, "network"), let text = str(net, "architecture_json") else { return nil }
        guard let arch = try? JSONDecoder().decode(Architecture.self, from: Data(text.utf8)) else {
            problem("/network/architecture_json", "not a valid architecture")
            return nil
        }
        do { try arch.validate() } catch { problem("/network/architecture_json", error.description); return nil }
        var preprocessing = InputPreprocessing()
        if version == 1 {
            if arch.inputs != nil { problem("/network/architecture_json", "a layer graph (inputs) in a version 1 image; graphs need version 2") }
            if let k = arch.layers.firstIndex(where: { !$0.isChipImageV1 }) {
                problem("/network/architecture_json", "layer \(k) (\(arch.layers[k])) in a version 1 image; it needs version 2")
            }
        } else if let text = str(net, "preprocessing_json") {
            if let p = try? JSONDecoder().decode(InputPreprocessing.self, from: Data(text.utf8)) {
                do {
                    try p.validate(channels: arch.inputShape.last ?? 0, layers: arch.layers.count)
                    preprocessing = p
                } catch { problem("/network/preprocessing_json", error.description) }
            } else {
                problem("/network/preprocessing_json", "not a valid preprocessing description")
            }
        }
        if let n = int(net, "layer_count"), n != arch.layers.count {
            problem("/network/layer_count", "\(n), but the architecture has \(arch.layers.count) layers")
        }
        var layers: [LayerImage] = []
        var affine: [AffineLayerImage] = []
        for (i, layerSpec) in arch.layers.enumerated() {
            let name = ChipImageFile.layerName(i), object = "/network/" + name
            guard let g = group(net, name) else { continue }
            do {
                if version >= 2 {
                    let inputs = try g.intArrayAttribute("inputs")
                    if inputs != arch.inputsOf(i) { problem(object + "/inputs", "\(inputs), the architecture has \(arch.inputsOf(i))") }
                }
                if let described = try LayerAttributes.read(g, version: version) {
                    if described != layerSpec { problem(object, "attributes describe \(described), the architecture has \(layerSpec)") }
                } else {
                    problem(object + "/kind", "unknown layer kind '\(try g.stringAttribute("kind"))', the architecture has \(layerSpec)")
                }
            } catch {
                problem(object, "layer attributes unreadable: \(error.message)")
            }
            if case let .affine(c) = layerSpec {
                let scale = data(g, "scale", shape: [c], as: Float.self) ?? []
                let shift = data(g, "shift", shape: [c], as: Float.self) ?? []
                for (name, v) in [("scale", scale), ("shift", shift)] {
                    if let k = v.firstIndex(where: { !$0.isFinite }) { problem(object + "/" + name, "element \(k) is \(v[k])") }
                }
                if scale.count == c, shift.count == c { affine.append(AffineLayerImage(index: i, scale: scale, shift: shift)) }
                continue
            }
            guard let (rows, cols) = layerSpec.matrixShape else { continue }
            let r = int(g, "rows"), c = int(g, "columns")
            if r != nil && c != nil && (r != rows || c != cols) {
                problem(object, "rows × columns \(r!)×\(c!), the layer needs \(rows)×\(cols)")
            }
            let groups = layerSpec.groups
            if version >= 2, let n = int(g, "groups"), n != groups { problem(object + "/groups", "\(n), the layer has \(groups)") }
            let scale = dbl(g, "weight_per_uS") ?? 1
            if let why = Self.scaleProblem(scale, spec: spec) { problem(object + "/weight_per_uS", why) }
            let bias = data(g, "bias", shape: [cols], as: Float.self) ?? []
            if let k = bias.firstIndex(where: { !$0.isFinite }) { problem(object + "/bias", "element \(k) is \(bias[k])") }
            guard let slicing = readSlicing(g, object: object, spec: spec) else { continue }
            // device pairs of the layer: rows · cols · slices, overflow-checked before any allocation
            let (p0, o1) = rows.multipliedReportingOverflow(by: cols), (pairs, o2) = p0.multipliedReportingOverflow(by: slicing.count)
            let fields = ChipImageFile.blockFields.count
            let (maxFields, o3) = pairs.multipliedReportingOverflow(by: fields)
            guard !o1, !o2, !o3, pairs <= 1 << 31 else {
                problem(object, "\(rows)×\(cols)×\(slicing.count) device pairs overflow")
                continue
            }
            guard let flat = data(g, "blocks", shape: nil, as: Int32.self, maxCount: maxFields), flat.count % fields == 0 else {
                problem(object + "/blocks", "missing, or not \(fields) fields a row")
                continue
            }
            let n = flat.count / fields
            let rowMap = data(g, "block_row_map", shape: nil, as: Int32.self, maxCount: pairs) ?? []
            var blocks: [TileBlock] = []
            var offset = 0
            for b in 0..<n {
                let f = flat[(b * fields)..<((b + 1) * fields)].map(Int.init)
                guard f.allSatisfy({ $0 >= 0 }), offset + f[3] <= rowMap.count else {
                    problem(object + "/blocks", "block \(b) has negative fields or runs past block_row_map")
                    break
                }
                blocks.append(TileBlock(tile: f[0], rowStart: f[1], columnStart: f[2], rows: f[3], columns: f[4], tileRow: f[5],
                                        tileColumn: f[6], rowMap: rowMap[offset..<(offset + f[3])].map(Int.init)))
                offset += f[3]
            }
            if offset != rowMap.count { problem(object + "/block_row_map", "\(rowMap.count) entries, the blocks need \(offset)") }
            let calibration = version >= 3 ? readCalibration(g, object: object, rows: rows, columns: cols, groups: groups,
                                                             scale: scale, spec: spec) : nil
            layers.append(LayerImage(index: i, rows: rows, columns: cols, weightPerMicroSiemens: scale, bias: bias, blocks: blocks,
                                     groups: groups, calibration: calibration, slicing: slicing))
        }
        return (arch, layers, affine, preprocessing)
    }

    /// A v4 weighted layer's bit slicing (`schemas/chip-image-v4.md`): no `slices` attribute =
    /// one pair per weight; else `slices` in 2…``BitSlicing/maxCount`` with `slice_significance`
    /// exactly `L^s` (s = 0…slices−1) for the chip's device of L levels. `nil` (with one problem)
    /// when the metadata is inconsistent.
    mutating func readSlicing(_ g: HDF5Node, object: String, spec: ChipSpec) -> BitSlicing? {
        func has(_ name: String) -> Bool { g.attributes[name] != nil }
        guard has("slices") || has("slice_significance") else { return .single }
        guard version >= 4 else { problem(object + "/slices", "bit slices in a version \(version) image (slices need version 4)"); return nil }
        guard has("slices"), has("slice_significance") else {
            problem(object + "/slices", "slices and slice_significance must come together")
            return nil
        }
        guard let n = int(g, "slices") else { return nil }
        guard (2...BitSlicing.maxCount).contains(n) else {
            problem(object + "/slices", "\(n) must be in 2…\(BitSlicing.maxCount) (absent = 1)")
            return nil
        }
        let slicing: BitSlicing
        do { slicing = try BitSlicing(count: n, levels: spec.device.levels) } catch {
            if case let .invalidConfig(_, reason) = error { problem(object + "/slices", reason) } else { problem(object + "/slices", error.description) }
            return nil
        }
        let significance: [Int]
        do { significance = try g.intArrayAttribute("slice_significance") } catch {
            attributeProblem(g, "slice_significance", error)
            return nil
        }
        let expected = slicing.significance.map { Int($0) }
        guard significance == expected else {
            problem(object + "/slice_significance", "\(significance.prefix(BitSlicing.maxCount + 1)), expected \(expected) (\(n) slices of \(spec.device.levels)-level devices)")
            return nil
        }
        return slicing
    }

    /// A v3 weighted layer's calibration (`schemas/chip-image-v3.md`): `input_scaling`, and the
    /// optional `column_weight_per_uS` `[columns]`, `input_range` and `adc_full_scale_uA`
    /// `[groups, row_blocks]`, every value checked before use. `nil` when uncalibrated.
    mutating func readCalibration(_ g: HDF5Node, object: String, rows: Int, columns: Int, groups: Int, scale: Double,
                                  spec: ChipSpec) -> LayerCalibration? {
        let scaling = str(g, "input_scaling")
        if let scaling, scaling != "abs-max", scaling != "static" {
            problem(object + "/input_scaling", "'\(scaling)' is not abs-max or static")
        }
        func has(_ name: String) -> Bool { (try? g.exists(name)) == true }
        let blocks = [groups, (rows + spec.tileRows - 1) / spec.tileRows]
        if has("input_range") != (scaling == "static") {
            problem(object + "/input_range", has("input_range") ? "present, but input_scaling is \(scaling ?? "missing")" : "missing (input_scaling is static)")
        }
        guard has("column_weight_per_uS") else {
            for name in ["input_range", "adc_full_scale_uA"] where has(name) {
                problem(object + "/" + name, "a calibrated layer needs column_weight_per_uS")
            }
            return nil
        }
        guard let c = data(g, "column_weight_per_uS", shape: [columns], as: Double.self) else { return nil }
        if let k = c.indices.first(where: { Self.scaleProblem(c[$0], spec: spec) != nil }) {
            problem(object + "/column_weight_per_uS", "column \(k): " + Self.scaleProblem(c[k], spec: spec)!)
            return nil
        }
        if c.max() != scale { problem(object + "/weight_per_uS", "\(scale), but the largest column scale is \(c.max() ?? 0)") }
        var calibration = LayerCalibration(columnWeightPerMicroSiemens: c)
        if has("input_range") {
            guard let r = data(g, "input_range", shape: blocks, as: Float.self) else { return nil }
            if let k = r.firstIndex(where: { !($0 >= CrossbarCalibration.minInputRange && $0 <= CrossbarCalibration.maxInputRange) }) {
                problem(object + "/input_range", "element \(k) is \(r[k]), not in [\(CrossbarCalibration.minInputRange), \(CrossbarCalibration.maxInputRange)]")
                return nil
            }
            calibration.inputRanges = r
        }
        if has("adc_full_scale_uA") {
            guard let f = data(g, "adc_full_scale_uA", shape: blocks, as: Double.self) else { return nil }
            if let k = f.firstIndex(where: { !($0.isFinite && $0 > 0 && $0 <= ADCConfig.maxMicroAmps) }) {
                problem(object + "/adc_full_scale_uA", "element \(k) is \(f[k]) µA, not in (0, \(ADCConfig.maxMicroAmps)] µA")
                return nil
            }
            calibration.adcFullScalesMicroAmps = f
        }
        return calibration
    }

    /// The tiles, or `nil` (with a problem) when their conductances cannot be read.
    mutating func readTiles(_ root: HDF5Node, spec: ChipSpec) -> [TileImage]? {
        guard let g = group(root, "tiles"), let count = int(g, "count") else { return nil }
        guard count >= 0 else { problem("/tiles/count", "\(count) is negative"); return nil }
        let shape = [count, spec.tileRows, spec.weightColumns]
        let gPlus = data(g, "g_plus", shape: shape, as: Float.self), gMinus = data(g, "g_minus", shape: shape, as: Float.self)
        guard let gp = gPlus, let gm = gMinus else { return nil }
        let d = spec.device
        let tolerance = 1e-3
        for (name, a) in [("g_plus", gp), ("g_minus", gm)] {
            if let k = a.firstIndex(where: { !$0.isFinite || Double($0) < d.gMinMicroSiemens - tolerance || Double($0) > d.gMaxMicroSiemens + tolerance }) {
                problem("/tiles/\(name)", "element \(k) (tile \(k / (shape[1] * shape[2]))) is \(a[k]) µS, outside the device window \(d.gMinMicroSiemens)–\(d.gMaxMicroSiemens) µS")
            }
        }
        var lp: [UInt8] = [], lm: [UInt8] = []
        if d.levels >= 2 {
            lp = data(g, "level_plus", shape: shape, as: UInt8.self) ?? []
            lm = data(g, "level_minus", shape: shape, as: UInt8.self) ?? []
            for (name, levels, gs) in [("level_plus", lp, gp), ("level_minus", lm, gm)] where levels.count == gs.count {
                if let k = levels.indices.first(where: { Int(levels[$0]) >= d.levels || abs(d.conductance(level: min(Int(levels[$0]), d.levels - 1)) - Double(gs[$0])) > tolerance }) {
                    problem("/tiles/\(name)", "element \(k): level \(levels[k]) does not match \(gs[k]) µS (\(d.levels) levels over \(d.gMinMicroSiemens)–\(d.gMaxMicroSiemens) µS)")
                }
            }
            if lp.count != gp.count || lm.count != gm.count { lp = []; lm = [] }
        }
        let cells = spec.tileRows * spec.weightColumns
        return (0..<count).map { t in
            let range = (t * cells)..<((t + 1) * cells)
            return TileImage(gPlus: Array(gp[range]), gMinus: Array(gm[range]),
                             levelPlus: lp.isEmpty ? [] : Array(lp[range]), levelMinus: lm.isEmpty ? [] : Array(lm[range]))
        }
    }

    /// Blocks inside their tiles and layers; every weight placed exactly once; no two weights
    /// on one device pair.
    mutating func checkPlacement(_ layers: [LayerImage], tiles: Int, spec: ChipSpec) {
        let pairs = spec.weightColumns, cells = spec.tileRows * pairs
        var occupied = [Bool](repeating: false, count: tiles * cells)
        for l in layers {
            let object = "/network/" + ChipImageFile.layerName(l.index) + "/blocks"
            let pc = l.pairColumns  // device-pair columns (columns · slices)
            var covered = [UInt8](repeating: 0, count: l.rows * pc)
            for (n, b) in l.blocks.enumerated() {
                guard b.tile < tiles, b.tileColumn + b.columns <= pairs, b.rowStart + b.rows <= l.rows, b.columnStart + b.columns <= pc,
                      b.rowMap.allSatisfy({ (0..<spec.tileRows).contains($0) }), Set(b.rowMap).count == b.rows else {
                    problem(object, "block \(n) lies outside its tile (of \(tiles)) or its layer, or repeats a tile row")
                    continue
                }
                let w = l.groupColumns * l.slicing.count
                guard b.columns > 0, b.columnStart / w == (b.columnStart + b.columns - 1) / w else {
                    problem(object, "block \(n) spans two groups of the grouped convolution (\(w) columns a group)")
                    continue
                }
                guard b.rowStart % spec.tileRows == 0 else {
                    problem(object, "block \(n) starts at layer row \(b.rowStart), not at a multiple of tile_rows (\(spec.tileRows))")
                    continue
                }
                for r in 0..<b.rows {
                    for c in 0..<b.columns {
                        covered[(b.rowStart + r) * pc + b.columnStart + c] &+= 1
                        let cell = b.tile * cells + b.rowMap[r] * pairs + b.tileColumn + c
                        if occupied[cell] { problem(object, "block \(n) overlaps another block on tile \(b.tile)"); return }
                        occupied[cell] = true
                    }
                }
            }
            if let k = covered.firstIndex(where: { $0 != 1 }) {
                let ns = l.slicing.count, what = ns == 1 ? "" : ", slice \(k % pc % ns)"
                problem(object, "weight (row \(k / pc), column \(k % pc / ns)\(what)) is placed \(covered[k]) times, not once")
            }
        }
    }

    /// Why a weight scale (weight units per µS) cannot be used: it must be finite, > 0, and
    /// map the device window to finite float32 weights.
    static func scaleProblem(_ scale: Double, spec: ChipSpec) -> String? {
        guard scale.isFinite && scale > 0 else { return "\(scale) must be finite and > 0" }
        let largest = scale * spec.device.gMaxMicroSiemens
        guard largest <= Double(Float.greatestFiniteMagnitude) / 2 else {
            return "\(scale) makes a weight of \(largest) at g_max, beyond float32"
        }
        return nil
    }

    mutating func readSource(_ root: HDF5Node, architecture: Architecture) -> SourceChip? {
        guard (try? root.exists("source")) == true, let g = group(root, "source") else { return nil }
        let spec = str(g, "spec_json") ?? ""
        var sourceSpec: ChipSpec?
        if let decoded = try? JSONDecoder().decode(ChipSpec.self, from: Data(spec.utf8)) {
            do { try decoded.validate(); sourceSpec = decoded } catch { problem("/source/spec_json", error.description) }
        } else {
            problem("/source/spec_json", "not a valid chip spec")
        }
        let rule = str(g, "rule") ?? ""
        var layers: [Int: SourceChip.SourceLayer] = [:]
        for (i, layer) in architecture.layers.enumerated() {
            guard let (rows, cols) = layer.matrixShape, let lg = group(g, ChipImageFile.layerName(i)) else { continue }
            let shape = [rows, cols]
            guard let p = data(lg, "g_plus", shape: shape, as: Float.self), let m = data(lg, "g_minus", shape: shape, as: Float.self),
                  let tp = data(lg, "target_plus", shape: shape, as: Float.self), let tm = data(lg, "target_minus", shape: shape, as: Float.self),
                  let s = dbl(lg, "weight_per_uS") else { continue }
            if let sourceSpec, let why = Self.scaleProblem(s, spec: sourceSpec) {
                problem("/source/\(ChipImageFile.layerName(i))/weight_per_uS", why)
            }
            for (name, a) in [("g_plus", p), ("g_minus", m), ("target_plus", tp), ("target_minus", tm)] {
                if let k = a.firstIndex(where: { !$0.isFinite || $0 < 0 }) {
                    problem("/source/\(ChipImageFile.layerName(i))/\(name)", "element \(k) is \(a[k]) µS (must be finite and ≥ 0)")
                }
            }
            layers[i] = .init(gPlus: p, gMinus: m, targetPlus: tp, targetMinus: tm, weightPerMicroSiemens: Float(s))
        }
        return SourceChip(specJSON: spec, rule: rule, layers: layers)
    }
}
