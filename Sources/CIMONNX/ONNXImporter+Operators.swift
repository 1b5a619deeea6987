import CIMCore
import CIMNetwork

extension ONNXImporter {
    /// Applies one node (see the type's documentation for what each operator may be).
    mutating func apply(_ node: ONNXNode) throws(CIMError) {
        if isConstantComputation(node) { return try fold(node) }
        switch node.opType {
        case "Conv": try conv(node)
        case "Gemm": try gemm(node)
        case "MatMul": try matMul(node)
        case "BatchNormalization": try batchNorm(node)
        case "Add", "Sub", "Mul", "Div": try elementwise(node)
        case "Relu", "Tanh", "Sigmoid":
            let a = try activation(node, 0)
            let k = try append(node, node.opType == "Relu" ? .relu : node.opType == "Tanh" ? .tanh : .sigmoid, reading: a)
            try produce(node, shape: a.shape, layer: k, flattenedFrom: a.flattenedFrom)
        case "MaxPool": try maxPool(node)
        case "Flatten":
            guard try int(node, "axis", 1) == 1 else { throw fail(node, "only axis 1 (keep the batch) is supported") }
            try flatten(node)
        case "Reshape": try reshape(node)
        case "Identity", "Dropout":
            guard node.outputs.dropFirst().allSatisfy({ $0.isEmpty || !isUsed($0) }) else { throw fail(node, "its mask output is used") }
            try alias(node)
        case "Cast":
            guard try int(node, "to", 0) == 1 || isSymbolicOrInt(node.inputs.first) else {
                throw fail(node, "only casts to float32 of float32 values are supported")
            }
            try alias(node)
        case "Softmax", "LogSoftmax":
            let a = try activation(node, 0)
            guard a.shape.count == 1, [-1, 1].contains(try int(node, "axis", -1)), a.node == specs.count - 1 else {
                throw fail(node, "only a softmax over the class axis of [N, classes] logits is supported")
            }
            try alias(node)
            outputTransform = node.opType == "Softmax" ? .softmax : .logSoftmax
            transformNode = node.label
            notes.append("\(node.label) applied at the output is kept out of the network (it does not change the predicted class)")
        case "Constant": try constantNode(node)
        case "Shape", "Gather", "Unsqueeze", "Concat", "Squeeze": try shapeOp(node)
        case "LeakyRelu":
            let a = try activation(node, 0)
            let k = try append(node, .leakyRelu(slope: try float(node, "alpha", 0.01)), reading: a)
            try produce(node, shape: a.shape, layer: k, flattenedFrom: a.flattenedFrom)
        case "Clip": try clip(node)
        case "AveragePool": try averagePool(node)
        case "GlobalAveragePool", "ReduceMean": try globalAveragePool(node)
        case "Pad": try pad(node)
        default:
            throw fail(node, "operator not supported")
        }
    }

    /// Whether any node reads `name` (or it is a graph output).
    func isUsed(_ name: String) -> Bool {
        model.graph.nodes.contains { $0.inputs.contains(name) } || model.graph.outputs.contains { $0.name == name }
    }

    func isSymbolicOrInt(_ name: String?) -> Bool {
        switch name.flatMap({ values[$0] }) {
        case .symbolic?: return true
        case .constant(let t)?: return t.ints != nil
        default: return false
        }
    }

    mutating func conv(_ node: ONNXNode) throws(CIMError) {
        let a = try activation(node, 0)
        guard let w = try constant(node, 1) else { return }
        let b = try constant(node, 2, required: false)
        guard a.shape.count == 3 else { throw fail(node, "input has per-sample shape \(a.shape), expected C×H×W") }
        guard w.shape.count == 4, w.ints == nil else { throw fail(node, "weight shape \(w.shape) is not [OC, C/groups, KH, KW] float32") }
        let (oc, icg, kh, kw) = (w.shape[0], w.shape[1], w.shape[2], w.shape[3])
        let groups = try int(node, "group", 1)
        guard groups >= 1, icg * groups == a.shape[0], oc >= 1, oc % groups == 0 else {
            throw fail(node, "weight \(w.shape) with group \(groups) does not fit \(a.shape[0]) input channels")
        }
        if let k = try ints(node, "kernel_shape"), k != [kh, kw] { throw fail(node, "kernel_shape \(k) disagrees with the weight \(w.shape)") }
        let strides = try ints(node, "strides") ?? [1, 1], dilations = try ints(node, "dilations") ?? [1, 1]
        guard strides.count == 2, dilations.count == 2 else { throw fail(node, "only 2-D convolutions are supported") }
        let autoPad = try string(node, "auto_pad", "NOTSET")
        guard ["NOTSET", "VALID"].contains(autoPad) else { throw fail(node, "auto_pad \(autoPad) is not supported (export with explicit pads)") }
        // ONNX pads: [top, left, bottom, right] (x1_begin, x2_begin, x1_end, x2_end).
        let own = autoPad == "VALID" ? [0, 0, 0, 0] : (try ints(node, "pads") ?? [0, 0, 0, 0])
        guard own.count == 4 else { throw fail(node, "pads \(own) is not [top, left, bottom, right]") }
        let pads = try withPendingPad(node, own, a)  // a preceding Pad node's zeros
        let spec = ConvolutionSpec(inChannels: a.shape[0], outChannels: oc, kernelHeight: kh, kernelWidth: kw, strideHeight: strides[0],
                                   strideWidth: strides[1], padding: pads, dilationHeight: dilations[0], dilationWidth: dilations[1], groups: groups)
        do { try spec.validate(at: node.label) } catch { throw fail(node, "\(spec.description): \(error)") }
        guard let (oh, ow) = spec.outputSize(height: a.shape[1], width: a.shape[2]) else {
            throw fail(node, "kernel \(kh)×\(kw) does not fit the \(a.shape[1])×\(a.shape[2]) input")
        }
        if a.normalized, spec.padding != [0, 0, 0, 0] || groups != 1 {
            throw fail(node, "input normalisation before a padded or grouped convolution cannot be folded into it (zero padding would change meaning)")
        }
        // ONNX [OC, C/g, KH, KW] → CIMKit [OC, (kh·KW + kw)·C/g + c].
        let src = w.floats
        var dst = [Float](repeating: 0, count: src.count)
        for o in 0..<oc {
            for c in 0..<icg {
                for y in 0..<kh {
                    for x in 0..<kw {
                        dst[o * icg * kh * kw + (y * kw + x) * icg + c] = src[((o * icg + c) * kh + y) * kw + x]
                    }
                }
            }
        }
        let bias = try biasVector(node, b, count: oc)
        let layer: LayerSpec = spec.isPlainValid ? .conv2d(inChannels: spec.inChannels, outChannels: oc, kernel: kh) : .convolution(spec: spec)
        let k = try emit(node, layer, weights: dst, bias: bias, reading: a)
        if let p = a.pad { notes.append("a preceding Pad's zero padding \(p) (top, left, bottom, right) folded into layer \(k) (\(node.label))") }
        try produce(node, shape: [oc, oh, ow], layer: k, isLayerOutput: true)
    }

    mutating func gemm(_ node: ONNXNode) throws(CIMError) {
        let a = try activation(node, 0)
        guard let bT = try constant(node, 1) else { return }
        let c = try constant(node, 2, required: false)
        guard try int(node, "transA", 0) == 0 else { throw fail(node, "transA = 1 is not supported") }
        let transB = try int(node, "transB", 0) != 0
        let alpha = try float(node, "alpha", 1), beta = try float(node, "beta", 1)
        guard bT.shape.count == 2, bT.ints == nil else { throw fail(node, "B has shape \(bT.shape), expected a float32 matrix") }
        let (inF, outF) = transB ? (bT.shape[1], bT.shape[0]) : (bT.shape[0], bT.shape[1])
        var w = transB ? bT.floats : transpose(bT.floats, rows: inF, cols: outF)
        if alpha != 1 { w = w.map { $0 * alpha } }
        var bias = try biasVector(node, c, count: outF)
        if beta != 1 { bias = bias.map { $0 * beta } }
        try dense(node, a, inFeatures: inF, outFeatures: outF, weights: w, bias: bias)
    }

    mutating func matMul(_ node: ONNXNode) throws(CIMError) {
        let a = try activation(node, 0)
        guard let b = try constant(node, 1) else { return }
        guard b.shape.count == 2, b.ints == nil else { throw fail(node, "the constant operand has shape \(b.shape), expected [in, out] float32") }
        try dense(node, a, inFeatures: b.shape[0], outFeatures: b.shape[1], weights: transpose(b.floats, rows: b.shape[0], cols: b.shape[1]),
                  bias: [Float](repeating: 0, count: b.shape[1]))
    }

    /// A dense layer on a flat input, permuting its columns when the input was a flattened
    /// `C×H×W` map (ONNX order `(c, h, w)` → CIMKit's `(h, w, c)`).
    mutating func dense(_ node: ONNXNode, _ a: Activation, inFeatures: Int, outFeatures: Int, weights: [Float], bias: [Float]) throws(CIMError) {
        guard a.shape == [inFeatures], outFeatures >= 1 else {
            throw fail(node, "a \(inFeatures)→\(outFeatures) matrix on input of per-sample shape \(a.shape)")
        }
        var w = weights
        if let m = a.flattenedFrom {
            let (c, h, wd) = (m[0], m[1], m[2])
            for o in 0..<outFeatures {
                for ch in 0..<c {
                    for y in 0..<h {
                        for x in 0..<wd {
                            w[o * inFeatures + (y * wd + x) * c + ch] = weights[o * inFeatures + (ch * h + y) * wd + x]
                        }
                    }
                }
            }
        }
        let k = try emit(node, .dense(inFeatures: inFeatures, outFeatures: outFeatures), weights: w, bias: bias, reading: a)
        try produce(node, shape: [outFeatures], layer: k, isLayerOutput: true)
    }

    mutating func maxPool(_ node: ONNXNode) throws(CIMError) {
        let a = try activation(node, 0)
        guard a.shape.count == 3 else { throw fail(node, "input has per-sample shape \(a.shape), expected C×H×W") }
        guard let k = try ints(node, "kernel_shape"), k.count == 2, k[0] == k[1], k[0] >= 1 else {
            throw fail(node, "only square kernels are supported")
        }
        let s = try ints(node, "strides") ?? [1, 1]
        guard s == k else { throw fail(node, "strides \(s) with kernel \(k): only non-overlapping pooling (stride = kernel) is supported yet") }
        if let p = try ints(node, "pads"), p.contains(where: { $0 != 0 }) { throw fail(node, "pads \(p): padding is not supported yet") }
        if let d = try ints(node, "dilations"), d.contains(where: { $0 != 1 }) { throw fail(node, "dilations \(d) are not supported") }
        let ceil = try int(node, "ceil_mode", 0) != 0
        guard !ceil || (a.shape[1] % k[0] == 0 && a.shape[2] % k[0] == 0) else { throw fail(node, "ceil_mode 1 on a map not divisible by the kernel") }
        guard ["NOTSET", "VALID"].contains(try string(node, "auto_pad", "NOTSET")) else { throw fail(node, "auto_pad padding is not supported yet") }
        guard node.outputs.dropFirst().allSatisfy({ $0.isEmpty || !isUsed($0) }) else { throw fail(node, "its indices output is used") }
        guard a.shape[1] >= k[0], a.shape[2] >= k[0] else { throw fail(node, "kernel \(k[0]) does not fit \(a.shape)") }
        let layer = try append(node, .maxPool(size: k[0]), reading: a)
        try produce(node, shape: [a.shape[0], a.shape[1] / k[0], a.shape[2] / k[0]], layer: layer)
    }

    mutating func flatten(_ node: ONNXNode) throws(CIMError) {
        let a = try activation(node, 0)
        guard a.shape.count > 1 else { try alias(node); return }
        let n = a.shape.reduce(1, *)
        let k = try append(node, .flatten, reading: a)
        // CIMKit flattens (h, w, c); the same as ONNX's (c, h, w) when C = 1 or H·W = 1.
        let permuted = a.shape.count == 3 && a.shape[0] > 1 && a.shape[1] * a.shape[2] > 1
        try produce(node, shape: [n], layer: k, flattenedFrom: permuted ? a.shape : nil, normalized: a.normalized)
    }

    func transpose(_ m: [Float], rows: Int, cols: Int) -> [Float] {
        var t = [Float](repeating: 0, count: m.count)
        for r in 0..<rows { for c in 0..<cols { t[c * rows + r] = m[r * cols + c] } }
        return t
    }
}
