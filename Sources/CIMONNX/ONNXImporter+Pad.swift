import CIMCore
import CIMNetwork

extension ONNXImporter {
    /// `Pad` (opsets 13–21): constant mode, value 0, zeros on H and W only (`pads` on N and C
    /// are 0, none negative), read by exactly one Conv, or one AveragePool whose own padding is
    /// 0 or counted (`count_include_pad = 1`). It becomes part of that node's padding
    /// (``Activation/pad``), which is exact: a Conv's zero padding and explicit zeros are the
    /// same numbers, and an AveragePool counting its padding divides by the whole window either
    /// way. Anything else (another mode or value, cropping, padding N or C, a Pad before a
    /// MaxPool or any other operator) is one error naming this node.
    mutating func pad(_ node: ONNXNode) throws(CIMError) {
        let a = try activation(node, 0)
        guard a.shape.count == 3, a.flattenedFrom == nil else { throw fail(node, "input has per-sample shape \(a.shape), expected C×H×W") }
        let mode = try string(node, "mode", "constant")
        guard mode == "constant" else { throw fail(node, "mode '\(mode)' is not supported (only constant zero padding)") }
        guard let pads = try intList(node, 1) else { throw fail(node, "input 2 (pads) is missing") }
        if let v = try constant(node, 2, required: false) {
            guard v.count == 1, v.floats[0] == 0 else { throw fail(node, "pads with \(v.floats.first.map { "\($0)" } ?? "no value"); only zero padding is supported") }
        }
        // full pads over N, C, H, W: begins then ends
        var full = [Int](repeating: 0, count: 8)
        if let axes = try intList(node, 3) {
            guard pads.count == 2 * axes.count else { throw fail(node, "\(pads.count) pads for \(axes.count) axes") }
            var seen = Set<Int>()
            for (k, raw) in axes.enumerated() {
                let x = try axis(node, raw, rank: 4)
                guard seen.insert(x).inserted else { throw fail(node, "axis \(x) repeats") }
                full[x] = pads[k]
                full[x + 4] = pads[k + axes.count]
            }
        } else {
            guard pads.count == 8 else { throw fail(node, "pads \(pads) are not 2 × 4 values for an N×C×H×W input") }
            full = pads
        }
        guard full[0] == 0, full[1] == 0, full[4] == 0, full[5] == 0 else { throw fail(node, "pads \(full) pad the batch or channel axis") }
        let limit = ONNXLimits().maxDimension
        guard full.allSatisfy({ (0...limit).contains($0) }) else {
            throw fail(node, "pads \(full) are negative (cropping is not supported) or larger than \(limit)")
        }
        guard let out = node.outputs.first, !out.isEmpty else { throw fail(node, "has no output") }
        let readers = model.graph.nodes.filter { $0.inputs.contains(out) }
        let isOutput = model.graph.outputs.contains { $0.name == out }
        guard !isOutput, readers.count == 1, let reader = readers.first, reader.inputs.filter({ $0 == out }).count == 1,
              reader.inputs.first == out else {
            throw fail(node, "its output is read \(isOutput ? "as the graph's output" : "by \(readers.count) nodes"); "
                + "a Pad is only folded into the one Conv or AveragePool that reads it")
        }
        switch reader.opType {
        case "Conv": break
        case "AveragePool":
            let own = try ints(reader, "pads") ?? [0, 0, 0, 0]
            let counted = try int(reader, "count_include_pad", 0) != 0
            guard own.allSatisfy({ $0 == 0 }) || counted else {
                throw fail(node, "is read by \(reader.label), which pads too without counting its padding; the two paddings cannot be folded into one exactly")
            }
        case "MaxPool":
            throw fail(node, "is read by \(reader.label): max pooling over padded zeros is not supported")
        default:
            throw fail(node, "is read by \(reader.label); a Pad is only folded into a following Conv or AveragePool")
        }
        var padded = a
        padded.pad = [full[2], full[3], full[6], full[7]]  // top, left, bottom, right
        padded.isLayerOutput = false
        values[out] = .activation(padded)
    }

    /// `pads` `[top, left, bottom, right]` plus a pending `Pad`'s, overflow-checked.
    func withPendingPad(_ node: ONNXNode, _ pads: [Int], _ a: Activation) throws(CIMError) -> [Int] {
        guard let extra = a.pad else { return pads }
        guard pads.count == 4 else { throw fail(node, "pads \(pads) is not [top, left, bottom, right]") }
        var out = pads
        for k in 0..<4 {
            let (sum, overflow) = pads[k].addingReportingOverflow(extra[k])
            guard !overflow else { throw fail(node, "pads \(pads) plus the preceding Pad's \(extra) overflow") }
            out[k] = sum
        }
        return out
    }
}
