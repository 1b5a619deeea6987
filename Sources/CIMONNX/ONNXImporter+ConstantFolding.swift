import CIMCore

/// Constant folding of the small tensor computations exporters emit for an operator's
/// constant inputs (the TorchScript exporter computes `Pad`'s `pads` with
/// `ConstantOfShape → Concat → Reshape → Slice → Transpose → Reshape → Cast`).
///
/// Only `ConstantOfShape`, `Concat`, `Reshape`, `Slice`, `Transpose`, `Cast`, `Unsqueeze` and
/// `Squeeze` fold, and only when every input is a constant. The file is untrusted: every size
/// it gives is checked (ranks ≤ ``ONNXLimits/maxRank``, overflow-checked element counts within
/// ``ONNXLimits/maxFoldedElements`` per tensor and ``ONNXLimits/maxFoldedTotal`` for all
/// folds together) before anything is allocated; a problem is one error naming the node.
extension ONNXImporter {
    static let foldable: Set<String> = ["ConstantOfShape", "Concat", "Reshape", "Slice", "Transpose", "Cast", "Unsqueeze", "Squeeze"]

    /// Whether `node` is a foldable operator whose inputs are all constants.
    func isConstantComputation(_ node: ONNXNode) -> Bool {
        guard Self.foldable.contains(node.opType), !node.inputs.isEmpty else { return false }
        return node.inputs.allSatisfy { name in
            if name.isEmpty { return true }
            if case .constant? = values[name] { return true }
            return false
        }
    }

    /// Computes `node` on its constant inputs; its output becomes a constant.
    mutating func fold(_ node: ONNXNode) throws(CIMError) {
        guard let out = node.outputs.first, !out.isEmpty else { throw fail(node, "has no output") }
        let result: ONNXTensor
        switch node.opType {
        case "ConstantOfShape": result = try constantOfShape(node)
        case "Concat": result = try concat(node)
        case "Reshape": result = try reshapeConstant(node)
        case "Slice": result = try slice(node)
        case "Transpose": result = try transposeConstant(node)
        case "Cast": result = try cast(node)
        default: result = try unsqueezeOrSqueeze(node)
        }
        let limits = ONNXLimits()
        guard result.count <= limits.maxFoldedTotal - foldedElements else {
            throw fail(node, "constant folding would exceed \(limits.maxFoldedTotal) elements in all")
        }
        foldedElements += result.count
        values[out] = .constant(result)
    }

    /// The element count of `shape` (from the file), checked before allocating.
    func foldedCount(_ node: ONNXNode, _ shape: [Int]) throws(CIMError) -> Int {
        let limits = ONNXLimits()
        guard shape.count <= limits.maxRank else { throw fail(node, "rank \(shape.count) exceeds \(limits.maxRank)") }
        var n = 1
        for d in shape {
            guard d >= 0 else { throw fail(node, "negative dimension \(d) in \(shape)") }
            let (p, overflow) = n.multipliedReportingOverflow(by: d)
            guard !overflow, p <= limits.maxFoldedElements else {
                throw fail(node, "shape \(shape) has more than \(limits.maxFoldedElements) elements, more than constant folding allows")
            }
            n = p
        }
        return n
    }

    /// Integer input `k` as a list (rank ≤ 1).
    func intList(_ node: ONNXNode, _ k: Int) throws(CIMError) -> [Int]? {
        guard let t = try constant(node, k, required: false) else { return nil }
        guard let v = t.ints, t.shape.count <= 1 else { throw fail(node, "input \(k + 1) must be an integer list") }
        return v
    }

    /// `axis` normalised into `0..<rank` (negative counts from the end).
    func axis(_ node: ONNXNode, _ a: Int, rank: Int) throws(CIMError) -> Int {
        guard a >= -rank, a < rank else { throw fail(node, "axis \(a) is out of range for rank \(rank)") }
        return a < 0 ? a + rank : a
    }

    /// Row-major strides of `shape`.
    /// The input element each of the `count` outputs of `shape` reads when output axis `a`
    /// starts at input index `first[a]` and moves `step[a]` per element along input stride
    /// `inputStrides[a]` (Slice; Transpose with permuted strides).
    static func stridedIndices(count: Int, shape: [Int], first: [Int], step: [Int], inputStrides: [Int]) -> [Int] {
        let outStrides = strides(shape)
        var indices = [Int](repeating: 0, count: count)
        for o in 0..<count {
            var source = 0, rest = o
            for a in shape.indices {
                source += (first[a] + rest / outStrides[a] * step[a]) * inputStrides[a]
                rest %= outStrides[a]
            }
            indices[o] = source
        }
        return indices
    }

    static func strides(_ shape: [Int]) -> [Int] {
        var s = [Int](repeating: 1, count: shape.count)
        for i in shape.indices.reversed().dropFirst() { s[i] = s[i + 1] * shape[i + 1] }
        return s
    }

    /// The elements of `t` at `indices` (flat positions), as a tensor of `shape`.
    static func gather(_ t: ONNXTensor, _ indices: [Int], shape: [Int]) -> ONNXTensor {
        switch t.values {
        case let .ints(v): return ONNXTensor(shape: shape, values: .ints(indices.map { v[$0] }))
        case let .floats(v): return ONNXTensor(shape: shape, values: .floats(indices.map { v[$0] }))
        }
    }

    func constantOfShape(_ node: ONNXNode) throws(CIMError) -> ONNXTensor {
        let shape = try intList(node, 0) ?? []
        let n = try foldedCount(node, shape)
        var fill = ONNXTensor(shape: [1], values: .floats([0]))
        if let a = node.attributes["value"] {
            guard case .tensor(let t) = a, t.count == 1 else { throw fail(node, "attribute 'value' must be a one-element tensor") }
            fill = t
        }
        switch fill.values {
        case let .ints(v): return ONNXTensor(shape: shape, values: .ints([Int](repeating: v[0], count: n)))
        case let .floats(v): return ONNXTensor(shape: shape, values: .floats([Float](repeating: v[0], count: n)))
        }
    }

    func concat(_ node: ONNXNode) throws(CIMError) -> ONNXTensor {
        var parts: [ONNXTensor] = []
        for k in node.inputs.indices where !node.inputs[k].isEmpty { if let t = try constant(node, k) { parts.append(t) } }
        guard let first = parts.first, !first.shape.isEmpty else { throw fail(node, "needs inputs of rank ≥ 1") }
        let rank = first.shape.count
        let a = try axis(node, try int(node, "axis", 0), rank: rank)
        var total = 0
        for p in parts {
            guard p.shape.count == rank, (p.ints == nil) == (first.ints == nil),
                  p.shape.indices.allSatisfy({ $0 == a || p.shape[$0] == first.shape[$0] }) else {
                throw fail(node, "inputs of shapes \(parts.map(\.shape)) do not concatenate along axis \(a)")
            }
            total += p.shape[a]  // each ≤ maxTensorElements: no overflow for ≤ maxNodes inputs
        }
        var shape = first.shape
        shape[a] = total
        _ = try foldedCount(node, shape)
        let outer = shape[..<a].reduce(1, *), inner = shape[(a + 1)...].reduce(1, *)
        var ints: [Int] = [], floats: [Float] = []
        for o in 0..<outer {
            for p in parts {
                let run = p.shape[a] * inner
                switch p.values {
                case let .ints(v): ints += v[(o * run)..<((o + 1) * run)]
                case let .floats(v): floats += v[(o * run)..<((o + 1) * run)]
                }
            }
        }
        return ONNXTensor(shape: shape, values: first.ints != nil ? .ints(ints) : .floats(floats))
    }

    func reshapeConstant(_ node: ONNXNode) throws(CIMError) -> ONNXTensor {
        guard let data = try constant(node, 0), let target = try intList(node, 1) else { throw fail(node, "needs data and a shape") }
        let allowZero = try int(node, "allowzero", 0) != 0
        var shape: [Int] = []
        var inferred: Int?
        for (i, d) in target.enumerated() {
            if d == 0, !allowZero {
                guard i < data.shape.count else { throw fail(node, "copies dimension \(i), which the input does not have") }
                shape.append(data.shape[i])
            } else if d == -1 {
                guard inferred == nil else { throw fail(node, "more than one -1 in the target shape") }
                inferred = i
                shape.append(1)
            } else {
                guard d >= 0 else { throw fail(node, "target shape \(target) is not valid") }
                shape.append(d)
            }
        }
        let known = try foldedCount(node, shape)
        if let i = inferred {
            guard known > 0, data.count % known == 0 else { throw fail(node, "cannot infer -1 in \(target) for \(data.count) elements") }
            shape[i] = data.count / known
        }
        guard try foldedCount(node, shape) == data.count else { throw fail(node, "cannot reshape \(data.shape) to \(target)") }
        return ONNXTensor(shape: shape, values: data.values)
    }

    func slice(_ node: ONNXNode) throws(CIMError) -> ONNXTensor {
        guard let data = try constant(node, 0), let starts = try intList(node, 1), let ends = try intList(node, 2) else {
            throw fail(node, "needs data, starts and ends")
        }
        let rank = data.shape.count
        let axes = try intList(node, 3) ?? Array(0..<starts.count)
        let steps = try intList(node, 4) ?? [Int](repeating: 1, count: starts.count)
        guard starts.count == ends.count, axes.count == starts.count, steps.count == starts.count else {
            throw fail(node, "starts, ends, axes and steps differ in length")
        }
        // per axis: first index and step, and how many elements are taken
        var first = [Int](repeating: 0, count: rank), step = [Int](repeating: 1, count: rank), shape = data.shape
        var seen = Set<Int>()
        for k in starts.indices {
            let a = try axis(node, axes[k], rank: rank)
            guard seen.insert(a).inserted else { throw fail(node, "axis \(a) is sliced twice") }
            let d = data.shape[a]
            guard steps[k] != 0 else { throw fail(node, "a step of 0") }
            let s = min(max(steps[k], -(d + 1)), d + 1)  // a longer stride takes one element at most, as this does
            var b = starts[k], e = ends[k]
            if b < 0 { b += d }
            if e < 0 { e += d }
            if s > 0 {
                b = min(max(b, 0), d); e = min(max(e, 0), d)
                shape[a] = e > b ? (e - b + s - 1) / s : 0
            } else {
                b = min(max(b, 0), d - 1); e = min(max(e, -1), d - 1)
                shape[a] = b > e ? (b - e - s - 1) / -s : 0
            }
            first[a] = b
            step[a] = s
        }
        let n = try foldedCount(node, shape)
        let indices = Self.stridedIndices(count: n, shape: shape, first: first, step: step, inputStrides: Self.strides(data.shape))
        return Self.gather(data, indices, shape: shape)
    }

    func transposeConstant(_ node: ONNXNode) throws(CIMError) -> ONNXTensor {
        guard let data = try constant(node, 0) else { throw fail(node, "needs data") }
        let rank = data.shape.count
        let perm = try ints(node, "perm") ?? Array((0..<rank).reversed())
        guard perm.count == rank, Set(perm) == Set(0..<rank) else { throw fail(node, "perm \(perm) is not a permutation of \(rank) axes") }
        let shape = perm.map { data.shape[$0] }
        let n = try foldedCount(node, shape)
        let inStrides = Self.strides(data.shape)
        let indices = Self.stridedIndices(count: n, shape: shape, first: [Int](repeating: 0, count: rank),
                                          step: [Int](repeating: 1, count: rank), inputStrides: perm.map { inStrides[$0] })
        return Self.gather(data, indices, shape: shape)
    }

    /// Cast to float32 (1), int32 (6) or int64 (7); a float becomes an integer only when it is one.
    func cast(_ node: ONNXNode) throws(CIMError) -> ONNXTensor {
        guard let data = try constant(node, 0) else { throw fail(node, "needs data") }
        let to = try int(node, "to", 0)
        switch (to, data.values) {
        case (1, _): return ONNXTensor(shape: data.shape, values: .floats(data.floats))
        case (6, .ints(let v)), (7, .ints(let v)):
            if to == 6, let bad = v.first(where: { Int32(exactly: $0) == nil }) { throw fail(node, "\(bad) does not fit int32") }
            return data
        case (6, .floats(let v)), (7, .floats(let v)):
            var out: [Int] = []
            out.reserveCapacity(v.count)
            for x in v {
                guard let i = to == 6 ? Int32(exactly: x).map(Int.init) : Int(exactly: x) else { throw fail(node, "\(x) is not an integer of type \(ONNXFile.typeName(Int32(to)))") }
                out.append(i)
            }
            return ONNXTensor(shape: data.shape, values: .ints(out))
        default: throw fail(node, "casting constants to \(ONNXFile.typeName(Int32(clamping: to))) is not supported")
        }
    }

    func unsqueezeOrSqueeze(_ node: ONNXNode) throws(CIMError) -> ONNXTensor {
        guard let data = try constant(node, 0) else { throw fail(node, "needs data") }
        let fromInput = try intList(node, 1), fromAttribute = try ints(node, "axes")
        let axes = fromInput ?? fromAttribute
        if node.opType == "Squeeze" {
            let rank = data.shape.count
            var drop = Set<Int>()
            for a in axes ?? data.shape.indices.filter({ data.shape[$0] == 1 }) {
                let k = try axis(node, a, rank: rank)
                guard data.shape[k] == 1 else { throw fail(node, "cannot squeeze axis \(k) of size \(data.shape[k])") }
                drop.insert(k)
            }
            return ONNXTensor(shape: data.shape.indices.filter { !drop.contains($0) }.map { data.shape[$0] }, values: data.values)
        }
        guard let axes, !axes.isEmpty else { throw fail(node, "needs axes") }
        let rank = data.shape.count + axes.count
        guard rank <= ONNXLimits().maxRank else { throw fail(node, "rank \(rank) exceeds \(ONNXLimits().maxRank)") }
        var inserted = Set<Int>()
        for a in axes { guard inserted.insert(try axis(node, a, rank: rank)).inserted else { throw fail(node, "axis \(a) repeats") } }
        var rest = data.shape.makeIterator()
        let shape = (0..<rank).map { inserted.contains($0) ? 1 : rest.next()! }
        return ONNXTensor(shape: shape, values: data.values)
    }
}
