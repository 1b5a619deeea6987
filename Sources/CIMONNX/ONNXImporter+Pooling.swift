import CIMCore
import CIMNetwork

extension ONNXImporter {
    /// Clip with constant bounds (opset ≥ 11: optional inputs 2 and 3; before: attributes).
    mutating func clip(_ node: ONNXNode) throws(CIMError) {
        let a = try activation(node, 0)
        func bound(_ k: Int, _ attribute: String, _ fallback: Float) throws(CIMError) -> Float {
            if let t = try constant(node, k, required: false) {
                guard t.count == 1 else { throw fail(node, "bound \(k) must be a scalar") }
                return t.floats[0]
            }
            return try float(node, attribute, fallback)
        }
        let lo = try bound(1, "min", -.greatestFiniteMagnitude), hi = try bound(2, "max", .greatestFiniteMagnitude)
        guard lo <= hi, !lo.isNaN, !hi.isNaN else { throw fail(node, "bounds [\(lo), \(hi)] are not an interval") }
        let k = try append(node, lo == 0 && hi == .greatestFiniteMagnitude ? .relu : .clip(min: lo, max: hi), reading: a)
        try produce(node, shape: a.shape, layer: k, flattenedFrom: a.flattenedFrom)
    }

    mutating func averagePool(_ node: ONNXNode) throws(CIMError) {
        let a = try activation(node, 0)
        guard a.shape.count == 3 else { throw fail(node, "input has per-sample shape \(a.shape), expected C×H×W") }
        guard let k = try ints(node, "kernel_shape"), k.count == 2 else { throw fail(node, "needs a 2-D kernel_shape") }
        let s = try ints(node, "strides") ?? [1, 1]
        let own = try ints(node, "pads") ?? [0, 0, 0, 0]
        guard s.count == 2, own.count == 4 else { throw fail(node, "strides \(s) or pads \(own) are not 2-D") }
        // a preceding Pad (checked there: own padding 0 or counted) pads with counted zeros
        let pads = try withPendingPad(node, own, a)
        let counted = try int(node, "count_include_pad", 0) != 0
        let countPad = a.pad != nil || counted
        guard try int(node, "ceil_mode", 0) == 0 else { throw fail(node, "ceil_mode 1 is not supported") }
        guard ["NOTSET", "VALID"].contains(try string(node, "auto_pad", "NOTSET")) else { throw fail(node, "auto_pad padding is not supported") }
        if let d = try ints(node, "dilations"), d.contains(where: { $0 != 1 }) { throw fail(node, "dilations \(d) are not supported") }
        let spec = PoolSpec(kernelHeight: k[0], kernelWidth: k[1], strideHeight: s[0], strideWidth: s[1], padding: pads,
                            countIncludePad: countPad)
        do { try spec.validate(at: node.label) } catch { throw fail(node, "\(error)") }
        guard let (oh, ow) = spec.outputSize(height: a.shape[1], width: a.shape[2]) else { throw fail(node, "kernel \(k) does not fit \(a.shape)") }
        let layer = try append(node, .avgPool(spec: spec), reading: a)
        if let p = a.pad { notes.append("a preceding Pad's zero padding \(p) (top, left, bottom, right) folded into layer \(layer) (\(node.label))") }
        try produce(node, shape: [a.shape[0], oh, ow], layer: layer)
    }

    /// GlobalAveragePool, or ReduceMean over both spatial axes with keepdims (the dynamo
    /// exporter's AdaptiveAvgPool2d(1)): `[C, H, W]` → `[C, 1, 1]`.
    mutating func globalAveragePool(_ node: ONNXNode) throws(CIMError) {
        let a = try activation(node, 0)
        guard a.shape.count == 3 else { throw fail(node, "input has per-sample shape \(a.shape), expected C×H×W") }
        var keep = true
        if node.opType == "ReduceMean" {
            let axes: [Int]
            if let t = try constant(node, 1, required: false) {
                guard let v = t.ints else { throw fail(node, "axes must be integers") }
                axes = v
            } else {
                axes = try ints(node, "axes") ?? []
            }
            let normal = Set(axes.map { $0 < 0 ? $0 + 4 : $0 })
            guard normal == [2, 3] else { throw fail(node, "only a mean over both spatial axes (2, 3) is supported, got \(axes)") }
            keep = try int(node, "keepdims", 1) != 0
        }
        let k = try append(node, .globalAvgPool, reading: a)
        // Without keepdims the result is [C] per sample: the same values as [C, 1, 1] flattened.
        if keep {
            try produce(node, shape: [a.shape[0], 1, 1], layer: k)
        } else {
            specs.append(.flatten)
            layerInputs.append([k])
            try produce(node, shape: [a.shape[0]], layer: k + 1)
        }
    }
}
