import CIMCore
import CIMNetwork

extension ONNXImporter {
    /// Appends a weighted layer reading `a`, folding the pending input normalisation into it
    /// when `a` carries it; returns the layer's index.
    mutating func emit(_ node: ONNXNode, _ spec: LayerSpec, weights w: [Float], bias b: [Float], reading a: Activation) throws(CIMError) -> Int {
        var w = w, b = b
        if a.normalized, let affine = inputAffine {
            guard readOnce(node, 0) else { throw fail(node, "the normalised input is read by several layers; folding it is not supported") }
            let outs = b.count, ins = w.count / max(outs, 1)
            for o in 0..<outs {
                var shift = Double(b[o])
                for i in 0..<ins {
                    let c = i % inputChannels
                    shift += Double(w[o * ins + i]) * affine.shift[c]
                    w[o * ins + i] = Float(Double(w[o * ins + i]) * affine.scale[c])
                }
                b[o] = Float(shift)
            }
            inputAffine = nil
            inputNormalization = .init(scale: affine.scale, shift: affine.shift, intoLayer: specs.count)
            notes.append("input normalisation folded into layer \(specs.count) (\(node.label))")
        }
        guard w.allSatisfy(\.isFinite), b.allSatisfy(\.isFinite) else { throw fail(node, "weights or biases are not finite") }
        specs.append(spec)
        layerInputs.append([a.node])
        weightSlot[specs.count - 1] = weights.count
        weights.append(w)
        biases.append(b)
        return specs.count - 1
    }

    /// A bias of `count` values from an optional constant (scalar, `[count]`, `[1, count]`).
    func biasVector(_ node: ONNXNode, _ t: ONNXTensor?, count: Int) throws(CIMError) -> [Float] {
        guard let t else { return [Float](repeating: 0, count: count) }
        return try channelVector(node, t, channels: count, what: "bias")
    }

    /// A per-channel vector from a constant that broadcasts over `[N, C, …]`: a scalar, `[C]`,
    /// `[1, C]`, `[C, 1, 1]` or `[1, C, 1, 1]` (and the same with one element for all).
    func channelVector(_ node: ONNXNode, _ t: ONNXTensor, channels: Int, what: String) throws(CIMError) -> [Float] {
        let squeezed = t.shape.filter { $0 != 1 }
        let v = t.floats
        if v.count == 1 { return [Float](repeating: v[0], count: channels) }
        let trailingOnes = t.shape.reversed().prefix { $0 == 1 }.count
        guard squeezed == [channels], v.count == channels,
              t.shape.count <= 1 || (t.shape.first == channels && t.shape.count - 1 == trailingOnes)
                || (t.shape.first == 1 && t.shape.dropFirst().first == channels) else {
            throw fail(node, "\(what) of shape \(t.shape) does not broadcast per channel over \(channels) channels")
        }
        return v
    }

    /// BatchNormalization: folded into the conv or dense layer whose output only it reads;
    /// otherwise (on the input, after pooling, an add, an activation, a flatten, or on an
    /// output that others read too) kept as a digital ``LayerSpec/affine(channels:)`` layer with
    /// `scale = γ/√(var + ε)` and `shift = β − μ·scale`, both computed in float64 from the
    /// float32 inputs and rounded once to float32 (`shift` uses the unrounded float64 scale).
    mutating func batchNorm(_ node: ONNXNode) throws(CIMError) {
        let a = try activation(node, 0)
        guard try int(node, "training_mode", 0) == 0 else { throw fail(node, "training_mode = 1 (export the model in eval mode)") }
        guard node.outputs.dropFirst().allSatisfy({ $0.isEmpty || !isUsed($0) }) else { throw fail(node, "its running-statistics outputs are used") }
        guard let channels = a.shape.first, a.shape.count == 1 || a.shape.count == 3 else {
            throw fail(node, "input has per-sample shape \(a.shape), expected C×H×W or C")
        }
        var p: [[Float]] = []
        for i in 1...4 {
            guard let t = try constant(node, i) else { return }
            guard t.count == channels else { throw fail(node, "input \(i + 1) has \(t.count) values for \(channels) channels") }
            p.append(t.floats)
        }
        let eps = Double(try float(node, "epsilon", 1e-5))
        // s = γ/√(var + ε) per channel, in float64
        var s = [Double](repeating: 0, count: channels)
        for o in 0..<channels {
            let variance = Double(p[3][o]) + eps
            guard variance > 0 else { throw fail(node, "running variance + ε of channel \(o) is \(variance), not > 0") }
            s[o] = Double(p[0][o]) / variance.squareRoot()
        }
        if a.isLayerOutput, readOnce(node, 0), let k = weightSlot[a.node] {
            let ins = weights[k].count / channels
            for o in 0..<channels {
                for i in 0..<ins { weights[k][o * ins + i] = Float(Double(weights[k][o * ins + i]) * s[o]) }
                biases[k][o] = Float(s[o] * (Double(biases[k][o]) - Double(p[2][o])) + Double(p[1][o]))
            }
            guard weights[k].allSatisfy(\.isFinite), biases[k].allSatisfy(\.isFinite) else { throw fail(node, "folding gives values that are not finite") }
            notes.append("\(node.label) folded into layer \(a.node)")
            try produce(node, shape: a.shape, layer: a.node, isLayerOutput: true)
            return
        }
        var scale = s.map { Float($0) }
        var shift = (0..<channels).map { Float(Double(p[1][$0]) - Double(p[2][$0]) * s[$0]) }
        guard scale.allSatisfy(\.isFinite), shift.allSatisfy(\.isFinite) else { throw fail(node, "scale or shift is not finite") }
        if let m = a.flattenedFrom {  // per feature of a flattened C×H×W map: ONNX (c, h, w) → CIMKit (h, w, c)
            let (c, h, w) = (m[0], m[1], m[2])
            var s2 = scale, b2 = shift
            for ch in 0..<c { for y in 0..<h { for x in 0..<w {
                s2[(y * w + x) * c + ch] = scale[(ch * h + y) * w + x]
                b2[(y * w + x) * c + ch] = shift[(ch * h + y) * w + x]
            } } }
            (scale, shift) = (s2, b2)
        }
        let layer = try append(node, .affine(channels: channels), reading: a)
        affines[layer] = (scale, shift)
        notes.append("\(node.label) kept as digital per-channel affine layer \(layer) (no conv or dense layer before it to fold into)")
        try produce(node, shape: a.shape, layer: layer, flattenedFrom: a.flattenedFrom)
    }

    /// Add of two computed tensors (a residual connection: an `add` layer); Add/Sub/Mul/Div of
    /// a tensor and a constant: into the producing layer's bias (and weights), or, on the
    /// network's input, into the input normalisation.
    mutating func elementwise(_ node: ONNXNode) throws(CIMError) {
        guard node.inputs.count == 2 else { throw fail(node, "needs two inputs") }
        let first = values[node.inputs[0]], second = values[node.inputs[1]]
        if case .activation(let a)? = first, case .activation(let b)? = second {
            guard node.opType == "Add" else { throw fail(node, "\(node.opType) of two computed tensors is not supported") }
            guard a.shape == b.shape, a.flattenedFrom == b.flattenedFrom else { throw fail(node, "adds shapes \(a.shape) and \(b.shape)") }
            guard !a.normalized, !b.normalized else { throw fail(node, "adds the normalised input; that is not supported yet") }
            specs.append(.add)
            layerInputs.append([a.node, b.node])
            try produce(node, shape: a.shape, layer: specs.count - 1, flattenedFrom: a.flattenedFrom)
            return
        }
        let actIndex: Int
        if case .activation? = first { actIndex = 0 } else if case .activation? = second { actIndex = 1 } else {
            throw fail(node, "of two constants or shapes is not supported")
        }
        let a = try activation(node, actIndex)
        guard let t = try constant(node, 1 - actIndex) else { return }
        guard actIndex == 0 || node.opType == "Add" || node.opType == "Mul" else {
            throw fail(node, "a constant \(node.opType == "Sub" ? "minus" : "divided by") the tensor is not supported")
        }
        let channels = a.shape[0]
        guard a.flattenedFrom == nil else { throw fail(node, "on a flattened feature map is not supported") }
        let v = try channelVector(node, t, channels: channels, what: "constant").map(Double.init)
        // x ↦ scale·x + shift per channel
        var scale = [Double](repeating: 1, count: channels), shift = [Double](repeating: 0, count: channels)
        for c in 0..<channels {
            switch node.opType {
            case "Add": shift[c] = v[c]
            case "Sub": shift[c] = -v[c]
            case "Mul": scale[c] = v[c]
            default:
                guard v[c] != 0 else { throw fail(node, "division by zero in channel \(c)") }
                scale[c] = 1 / v[c]
            }
        }
        if a.isLayerOutput, readOnce(node, actIndex), let k = weightSlot[a.node] {
            let ins = weights[k].count / channels
            for o in 0..<channels {
                if scale[o] != 1 { for i in 0..<ins { weights[k][o * ins + i] = Float(Double(weights[k][o * ins + i]) * scale[o]) } }
                biases[k][o] = Float(Double(biases[k][o]) * scale[o] + shift[o])
            }
            guard weights[k].allSatisfy(\.isFinite), biases[k].allSatisfy(\.isFinite) else { throw fail(node, "folding gives values that are not finite") }
            try produce(node, shape: a.shape, layer: a.node, isLayerOutput: true)
            return
        }
        guard a.node == -1 || a.normalized, a.shape.count == 3, channels == inputChannels, readOnce(node, actIndex) else {
            throw fail(node, "a constant \(node.opType) that is neither a bias nor input normalisation is not supported yet")
        }
        let n = inputChannels
        var affine = inputAffine ?? (scale: [Double](repeating: 1, count: n), shift: [Double](repeating: 0, count: n))
        for c in 0..<n {
            affine.scale[c] *= scale[c]
            affine.shift[c] = affine.shift[c] * scale[c] + shift[c]
        }
        inputAffine = affine
        try produce(node, shape: a.shape, layer: a.node, normalized: true)
    }
}
