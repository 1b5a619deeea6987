import CIMCore
import CIMCrossbar
import CIMDevice
import CIMNetwork

extension ChipImage {
    /// The `[rows, pairColumns]` target conductances (µS) of weighted layer `position` (index into
    /// ``layers``; `pairColumns` = columns · slices), gathered from the tiles through the blocks.
    public func layerTargets(_ position: Int) -> (plus: [Float], minus: [Float]) {
        let l = layers[position]
        let pairs = spec.weightColumns, pc = l.pairColumns
        var p = [Float](repeating: 0, count: l.rows * pc), m = p
        for b in l.blocks {
            let t = tiles[b.tile]
            for r in 0..<b.rows {
                let src = b.rowMap[r] * pairs + b.tileColumn
                let dst = (b.rowStart + r) * pc + b.columnStart
                for c in 0..<b.columns {
                    p[dst + c] = t.gPlus[src + c]
                    m[dst + c] = t.gMinus[src + c]
                }
            }
        }
        return (p, m)
    }

    /// The network with the weights the targets hold (`scale · (G⁺ − G⁻)`; sliced, the slices'
    /// differences combined by ``BitSlicing/combine(_:)`` first), the digital
    /// biases and the affine layers' scales and shifts: the quantised model, in FP32.
    public func quantizedNetwork() throws(CIMError) -> Network {
        var params: [Float] = []
        params.reserveCapacity(architecture.parameterCount)
        var next = 0
        for (i, spec) in architecture.layers.enumerated() {
            if case let .affine(c) = spec {
                guard let a = affineLayers.first(where: { $0.index == i }), a.scale.count == c, a.shift.count == c else {
                    throw .invalidConfig(field: "affineLayers", reason: "affine layer \(i) has no \(c) scales and shifts")
                }
                params += a.scale + a.shift
                continue
            }
            guard spec.matrixShape != nil else { continue }
            guard next < layers.count, layers[next].index == i else {
                throw .invalidConfig(field: "layers", reason: "weighted layer \(i) has no mapping")
            }
            let l = layers[next]
            let (p, m) = layerTargets(next)
            var w = [Float](repeating: 0, count: l.rows * l.columns)
            let s = l.columnScales
            let d = l.slicing.combineColumns(zip(p, m).map { $0 - $1 }, rows: l.rows, outputs: l.columns)
            for r in 0..<l.rows { for c in 0..<l.columns { w[c * l.rows + r] = s[c] * d[r * l.columns + c] } }
            params += w
            params += l.bias
            next += 1
        }
        return try Network(architecture: architecture, parameters: params)
    }

    /// The crossbars that run the image on the simulated chip, as a ``ChipEngine``: one per
    /// ungrouped weighted layer, one per group of a grouped convolution (columns
    /// `j·columns/groups ..< (j+1)·columns/groups` of the layer's matrix).
    /// - Parameters:
    ///   - spec: the chip to simulate (default: the image's; evaluation passes one with
    ///     device overrides).
    ///   - conductances: the programmed conductances, `[rows, columns]` µS per layer position
    ///     (default: the targets).
    ///   - noise: the read-noise stream (`nil` = noiseless reads).
    ///   - targets: the layers' targets if the caller has gathered them already (default: gathered here).
    public func engine(spec: ChipSpec? = nil, conductances: [(plus: [Float], minus: [Float])]? = nil,
                       targets: [(plus: [Float], minus: [Float])]? = nil, noise: NormalStream?) throws(CIMError) -> ChipEngine {
        let spec = spec ?? self.spec
        var out = [CrossbarLayer?](repeating: nil, count: architecture.layers.count)
        var grouped: [Int: [CrossbarLayer]] = [:]
        for (k, l) in layers.enumerated() {
            let bars = try crossbars(position: k, spec: spec, conductances: conductances?[k], targets: targets?[k])
            if l.groups == 1 { out[l.index] = bars[0] } else { grouped[l.index] = bars }
        }
        return ChipEngine(layers: out, noise: noise, grouped: grouped)
    }

    /// The calibrated crossbars of the weighted layer at `position` (one, or one per group in
    /// group order), as ``engine(spec:conductances:targets:noise:)`` builds them: programmed
    /// with `conductances` (default: the targets) on `spec` (default: the image's).
    public func crossbars(position k: Int, spec: ChipSpec? = nil, conductances: (plus: [Float], minus: [Float])? = nil,
                          targets: (plus: [Float], minus: [Float])? = nil) throws(CIMError) -> [CrossbarLayer] {
        let l = layers[k]
        let (tp, tm) = targets ?? layerTargets(k)
        let (p, m) = conductances ?? (tp, tm)
        let whole = try CrossbarLayer(inputs: l.rows, outputs: l.columns, spec: spec ?? self.spec,
                                      weightPerMicroSiemens: Float(l.weightPerMicroSiemens),
                                      gPlus: p, gMinus: m, targetPlus: tp, targetMinus: tm, slicing: l.slicing)
        var parts = l.groups == 1 ? [whole] : try whole.splitColumns(into: l.groups)
        for j in parts.indices { try parts[j].calibrate(l.crossbarCalibration(group: j, rowBlocks: parts[j].rowBlocks)) }
        return parts
    }

    /// A fresh programmed instance of the targets by ``DeviceProgrammer`` (the one programming
    /// path: stuck devices, write-and-verify, drift and 1/f read noise until `seconds`), for
    /// every layer position in order, G⁺ of a layer then its G⁻: the conductances as programmed
    /// and at `seconds`, `[rows, pairColumns]` each.
    /// - Parameters:
    ///   - device: the device to program (default: the image's; evaluation passes one with overrides).
    ///   - targets: the layers' targets if the caller has gathered them already.
    public func program(device: DeviceModel? = nil, seconds: Double = 0, streams: inout DeviceProgrammer.Streams,
                        targets: [(plus: [Float], minus: [Float])]? = nil)
        -> (initial: [(plus: [Float], minus: [Float])], atTime: [(plus: [Float], minus: [Float])]) {
        let programmer = DeviceProgrammer(device: device ?? spec.device)
        var initial: [(plus: [Float], minus: [Float])] = [], atTime = initial
        for k in layers.indices {
            let (tp, tm) = targets?[k] ?? layerTargets(k)
            let p = programmer.program(tp, seconds: seconds, streams: &streams)
            let m = programmer.program(tm, seconds: seconds, streams: &streams)
            initial.append((p.initial, m.initial))
            atTime.append((p.atTime, m.atTime))
        }
        return (initial, atTime)
    }
}
