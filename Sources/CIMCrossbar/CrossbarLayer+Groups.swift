import CIMCore

/// The crossbars of a grouped convolution and the whole-layer matrix they make up.
///
/// A grouped convolution's `[inputs, outputs]` matrix (row = crossbar row, column = output
/// channel) holds `g` independent matrices side by side: group j is columns
/// `j·outputs/g ..< (j+1)·outputs/g`, and every group reads its own inputs, so each group is a
/// crossbar of its own (its own DAC scaling, row blocks and ADC conversions). Files (chip images,
/// training checkpoints, `model.safetensors` of an on-chip run) store the whole-layer matrix;
/// these helpers cut it into the groups' crossbars and join them back, exactly (no arithmetic).
extension CrossbarLayer {
    /// Columns `from ..< from + count` of a row-major `[rows, columns]` matrix.
    public static func columns<T>(_ a: [T], rows: Int, columns: Int, from: Int, count: Int) -> [T] {
        precondition(a.count == rows * columns && from >= 0 && count >= 0 && from + count <= columns, "CrossbarLayer.columns: out of range")
        var out: [T] = []
        out.reserveCapacity(rows * count)
        for r in 0..<rows { out += a[(r * columns + from)..<(r * columns + from + count)] }
        return out
    }

    /// The `[rows, Σ widths]` matrix of row-major `[rows, widthₖ]` parts placed side by side
    /// (the inverse of ``columns(_:rows:columns:from:count:)``).
    public static func joinedColumns<T>(_ parts: [[T]], rows: Int) -> [T] {
        precondition(parts.allSatisfy { rows > 0 && $0.count % rows == 0 }, "CrossbarLayer.joinedColumns: ragged parts")
        var out: [T] = []
        out.reserveCapacity(parts.reduce(0) { $0 + $1.count })
        let widths = parts.map { $0.count / rows }
        for r in 0..<rows {
            for (p, w) in zip(parts, widths) { out += p[(r * w)..<((r + 1) * w)] }
        }
        return out
    }

    /// One crossbar holding `groups` crossbars side by side: conductances, targets and stuck
    /// masks joined column-wise (a group without stuck devices contributes zeros when another
    /// has some). All groups must share inputs, spec and scale.
    public init(joiningColumns groups: [CrossbarLayer]) throws(CIMError) {
        guard let first = groups.first,
              groups.allSatisfy({ $0.inputs == first.inputs && $0.spec == first.spec && $0.weightPerMicroSiemens == first.weightPerMicroSiemens
                                  && $0.slicing == first.slicing }) else {
            throw .invalidConfig(field: "crossbar", reason: "groups to join must share inputs, chip and scale")
        }
        let rows = first.inputs
        func stuck(_ masks: [[UInt8]]) -> [UInt8] {
            masks.allSatisfy(\.isEmpty) ? [] : Self.joinedColumns(zip(masks, groups).map { $0.isEmpty ? [UInt8](repeating: 0, count: $1.inputs * $1.columns) : $0 }, rows: rows)
        }
        try self.init(inputs: rows, outputs: groups.reduce(0) { $0 + $1.outputs }, spec: first.spec,
                      weightPerMicroSiemens: first.weightPerMicroSiemens,
                      gPlus: Self.joinedColumns(groups.map(\.gPlus), rows: rows), gMinus: Self.joinedColumns(groups.map(\.gMinus), rows: rows),
                      targetPlus: Self.joinedColumns(groups.map(\.targetPlus), rows: rows),
                      targetMinus: Self.joinedColumns(groups.map(\.targetMinus), rows: rows),
                      stuckPlus: stuck(groups.map(\.stuckPlus)), stuckMinus: stuck(groups.map(\.stuckMinus)), slicing: first.slicing)
    }

    /// This crossbar cut into `groups` crossbars of `outputs/groups` columns each (group j =
    /// columns `j·outputs/groups ..< (j+1)·outputs/groups`, device pairs `slices` times as
    /// many), with the same spec, scale and slicing.
    public func splitColumns(into groups: Int) throws(CIMError) -> [CrossbarLayer] {
        guard groups >= 1, outputs % groups == 0 else {
            throw .invalidConfig(field: "crossbar", reason: "\(outputs) columns do not split into \(groups) groups")
        }
        let w = outputs / groups, pw = w * slicing.count
        var parts: [CrossbarLayer] = []
        for j in 0..<groups {
            func slice<T>(_ a: [T]) -> [T] { a.isEmpty ? [] : Self.columns(a, rows: inputs, columns: columns, from: j * pw, count: pw) }
            parts.append(try CrossbarLayer(inputs: inputs, outputs: w, spec: spec, weightPerMicroSiemens: weightPerMicroSiemens,
                                           gPlus: slice(gPlus), gMinus: slice(gMinus), targetPlus: slice(targetPlus),
                                           targetMinus: slice(targetMinus), stuckPlus: slice(stuckPlus), stuckMinus: slice(stuckMinus),
                                           slicing: slicing))
        }
        return parts
    }
}
