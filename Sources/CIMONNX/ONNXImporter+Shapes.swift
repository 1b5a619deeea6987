import CIMCore

extension ONNXImporter {
    /// A `Constant` node: its tensor (or `value_float(s)`, `value_int(s)`) as a constant.
    mutating func constantNode(_ node: ONNXNode) throws(CIMError) {
        guard let out = node.outputs.first else { throw fail(node, "has no output") }
        let t: ONNXTensor
        switch (node.attributes["value"], node.attributes["value_float"], node.attributes["value_floats"],
                node.attributes["value_int"], node.attributes["value_ints"]) {
        case (.tensor(let v)?, nil, nil, nil, nil): t = v
        case (nil, .float(let v)?, nil, nil, nil): t = ONNXTensor(shape: [], values: .floats([v]))
        case (nil, nil, .floats(let v)?, nil, nil): t = ONNXTensor(shape: [v.count], values: .floats(v))
        case (nil, nil, nil, .int(let v)?, nil): t = ONNXTensor(shape: [], values: .ints([v]))
        case (nil, nil, nil, nil, .ints(let v)?): t = ONNXTensor(shape: [v.count], values: .ints(v))
        default: throw fail(node, "only a tensor, float(s) or int(s) value is supported")
        }
        values[out] = .constant(t)
    }

    /// An integer vector (possibly with the symbolic batch) from a constant or a shape value.
    func symbolic(_ node: ONNXNode, _ k: Int) throws(CIMError) -> (values: [SymbolicInt], scalar: Bool) {
        guard k < node.inputs.count, let v = values[node.inputs[k]] else { throw fail(node, "input \(k + 1) is not defined before the node") }
        switch v {
        case let .symbolic(s, scalar): return (s, scalar)
        case let .constant(t):
            guard let ints = t.ints, t.shape.count <= 1 else { throw fail(node, "input \(k + 1) must be an integer vector") }
            return (ints.map { .value($0) }, t.shape.isEmpty)
        case .activation: throw fail(node, "computing on the running tensor's values is not supported")
        }
    }

    /// Shape, Gather, Unsqueeze, Squeeze and Concat on shape vectors (the exporters' flatten chains).
    mutating func shapeOp(_ node: ONNXNode) throws(CIMError) {
        guard let out = node.outputs.first else { throw fail(node, "has no output") }
        switch node.opType {
        case "Shape":
            guard case .activation(let a)? = values[node.inputs.first ?? ""] else { throw fail(node, "input is not the running tensor") }
            let full: [SymbolicInt] = [.batch] + a.shape.map { .value($0) }
            let r = full.count
            func clamp(_ i: Int) -> Int { Swift.min(Swift.max(i < 0 ? i + r : i, 0), r) }
            let start = clamp(try int(node, "start", 0)), end = clamp(try int(node, "end", r))
            values[out] = .symbolic(start < end ? Array(full[start..<end]) : [], scalar: false)
        case "Gather":
            guard try int(node, "axis", 0) == 0 else { throw fail(node, "only axis 0 is supported on shape vectors") }
            let data = try symbolic(node, 0), idx = try symbolic(node, 1)
            var picked: [SymbolicInt] = []
            for i in idx.values {
                guard case .value(var j) = i else { throw fail(node, "indices must be constants") }
                if j < 0 { j += data.values.count }
                guard data.values.indices.contains(j) else { throw fail(node, "index \(j) is out of range for \(data.values.count) values") }
                picked.append(data.values[j])
            }
            values[out] = .symbolic(picked, scalar: idx.scalar)
        case "Unsqueeze", "Squeeze":
            let data = try symbolic(node, 0)
            guard node.opType == "Squeeze" || data.scalar || data.values.count == 1 else { throw fail(node, "only shape scalars can be unsqueezed") }
            values[out] = .symbolic(data.values, scalar: node.opType == "Squeeze" && data.values.count == 1)
        default:  // Concat
            var all: [SymbolicInt] = []
            for k in node.inputs.indices { all += try symbolic(node, k).values }
            values[out] = .symbolic(all, scalar: false)
        }
    }

    /// Reshape of the running tensor: to `[batch, features]` (a flatten), or to its own shape.
    mutating func reshape(_ node: ONNXNode) throws(CIMError) {
        let a = try activation(node, 0)
        let target = try symbolic(node, 1).values
        let allowZero = try int(node, "allowzero", 0) != 0
        let full: [SymbolicInt] = [.batch] + a.shape.map { .value($0) }
        var dims: [SymbolicInt] = []
        var inferred: Int?
        for (i, d) in target.enumerated() {
            switch d {
            case .value(0) where !allowZero:
                guard i < full.count else { throw fail(node, "copies dimension \(i), which the input does not have") }
                dims.append(full[i])
            case .value(-1):
                guard inferred == nil else { throw fail(node, "more than one -1 in the target shape") }
                inferred = i
                dims.append(.value(-1))
            case .value(let v) where v > 0: dims.append(.value(v))
            case .batch: dims.append(.batch)
            default: throw fail(node, "target shape \(target) is not supported")
            }
        }
        let perSample = a.shape.reduce(1, *)
        var known = 1  // the product of the target's given dimensions, never beyond one sample
        for case .value(let v) in dims where v > 0 {
            let (product, overflow) = known.multipliedReportingOverflow(by: v)
            guard !overflow, product <= perSample else {
                throw fail(node, "target shape \(target) holds more elements than the input's \(perSample) per sample")
            }
            known = product
        }
        if let i = inferred {
            // -1 in the batch position (e.g. [-1, 784]): the batch itself when the rest is one sample.
            if i == 0, known == perSample { dims[0] = .batch } else if dims.first == .batch, perSample % known == 0 {
                dims[i] = .value(perSample / known)
            } else {
                throw fail(node, "cannot infer -1 in \(target) for per-sample shape \(a.shape)")
            }
        }
        guard dims.first == .batch, dims.dropFirst().allSatisfy({ if case .value = $0 { return true }; return false }) else {
            throw fail(node, "must keep the batch as its first dimension (target \(target))")
        }
        let rest = dims.dropFirst().map { d -> Int in if case .value(let v) = d { return v }; return 0 }
        if rest == a.shape {
            try alias(node)
        } else if rest == [perSample] {
            try flatten(node)
        } else {
            throw fail(node, "reshaping \(a.shape) to \(rest) per sample is not supported (only flattening)")
        }
    }
}
