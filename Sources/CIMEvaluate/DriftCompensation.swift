import CIMCore
import CIMNetwork

/// How an evaluation undoes conductance drift: a digital gain on each layer's crossbar output,
/// estimated from reads of known inputs, as IBM aihwkit's `GlobalDriftCompensation` and
/// `PerColumnDriftCompensation` do (on by default there; Joshi et al., Nat. Commun. 11, 2473
/// (2020), "global drift compensation").
///
/// Procedure, per weighted layer of a programmed chip: right after programming (the programmed
/// conductances, before drift and before accumulated 1/f noise), read the layer's one-hot input
/// vectors (every row once) through the chip itself, with its DAC, read noise, ADC noise and ADC,
/// and keep the readout `ref` = mean |output| (``global``: over every output; ``column``: per
/// column). At the evaluation time the same inputs are read again (fresh read and ADC noise)
/// giving `now`, and the layer's digital output is scaled by `ref / now` (the bias is not). The
/// reference is therefore as noisy as a real chip's (aihwkit's maintainers asked for exactly
/// that, PR #674): with no drift the gain is 1 only up to that noise.
public enum DriftCompensation: String, Codable, CaseIterable, Sendable {
    /// No compensation (the chip's raw output).
    case none
    /// One gain per layer.
    case global
    /// One gain per output column (differential pair) of each layer.
    case column

    /// One-hot rows read per product call (bounds the scratch input to 256 × inputs floats).
    static let chunkRows = 256

    /// Mean |output| per output of `layer` over its one-hot inputs, read on `engine` (every
    /// crossbar of the layer: one, or one per group, outputs in group order) with `noise`.
    static func readout(_ engine: ChipEngine, layer: Int, noise: inout NormalStream?) -> [Double] {
        var out: [Double] = []
        for var bar in engine.crossbars(of: layer) {
            let n = bar.inputs, m = bar.outputs
            var sums = [Double](repeating: 0, count: m)
            var r0 = 0
            while r0 < n {
                let rows = min(Self.chunkRows, n - r0)
                var x = [Float](repeating: 0, count: rows * n)
                for r in 0..<rows { x[r * n + r0 + r] = 1 }
                var y = [Float](repeating: 0, count: rows * m)
                x.withUnsafeBufferPointer { xp in
                    y.withUnsafeMutableBufferPointer { yp in
                        bar.accumulateProduct(input: xp.baseAddress!, rows: rows, into: yp.baseAddress!, noise: &noise)
                    }
                }
                for r in 0..<rows { for o in 0..<m { sums[o] += Double(abs(y[r * m + o])) } }
                r0 += rows
            }
            out += sums.map { $0 / Double(n) }
        }
        return out
    }

    /// The gains of every weighted layer (index = layer; `nil` for layers the chip does not
    /// map): `reference / now`, per layer or per column by this procedure, from the two
    /// engines' readouts. A readout of 0 (a column of zero weights) gives gain 1.
    func gains(reference: ChipEngine, now: ChipEngine, noise: inout NormalStream?) -> [[Float]?] {
        precondition(self != .none, "gains: no compensation")
        return reference.layers.indices.map { k -> [Float]? in
            guard !reference.crossbars(of: k).isEmpty else { return nil }
            let ref = Self.readout(reference, layer: k, noise: &noise)
            let cur = Self.readout(now, layer: k, noise: &noise)
            func ratio(_ a: Double, _ b: Double) -> Float { a > 0 && b > 0 ? Float(a / b) : 1 }
            if self == .column { return zip(ref, cur).map(ratio) }
            let mean = { (v: [Double]) in v.reduce(0, +) / Double(max(1, v.count)) }
            return [Float](repeating: ratio(mean(ref), mean(cur)), count: ref.count)
        }
    }
}

/// A chip with drift compensation: the chip's products, each layer's scaled by its gains
/// (``DriftCompensation``); layers without gains pass through unchanged.
public struct CompensatedEngine: WeightProduct, Sendable {
    public var engine: ChipEngine
    /// Gains per weighted layer and output (`nil` = 1).
    public let gains: [[Float]?]
    private var scratch: [Float] = []

    public init(engine: ChipEngine, gains: [[Float]?]) {
        self.engine = engine
        self.gains = gains
    }

    public mutating func accumulateProduct(layer: Int, weights: UnsafePointer<Float>, input: UnsafePointer<Float>, rows: Int,
                                           inFeatures: Int, outFeatures: Int, output: UnsafeMutablePointer<Float>) {
        guard layer < gains.count, let g = gains[layer] else {
            engine.accumulateProduct(layer: layer, weights: weights, input: input, rows: rows, inFeatures: inFeatures,
                                     outFeatures: outFeatures, output: output)
            return
        }
        var s = takeScratch(rows * outFeatures)
        s.withUnsafeMutableBufferPointer { p in
            engine.accumulateProduct(layer: layer, weights: weights, input: input, rows: rows, inFeatures: inFeatures,
                                     outFeatures: outFeatures, output: p.baseAddress!)
        }
        Self.add(s, rows: rows, columns: outFeatures, gains: g, offset: 0, to: output, stride: outFeatures)
        scratch = s
    }

    public mutating func accumulateGroupProduct(layer: Int, group: Int, weights: UnsafePointer<Float>, input: UnsafePointer<Float>,
                                                rows: Int, inFeatures: Int, outFeatures: Int, output: UnsafeMutablePointer<Float>,
                                                outputStride: Int) {
        guard layer < gains.count, let g = gains[layer] else {
            engine.accumulateGroupProduct(layer: layer, group: group, weights: weights, input: input, rows: rows, inFeatures: inFeatures,
                                          outFeatures: outFeatures, output: output, outputStride: outputStride)
            return
        }
        var s = takeScratch(rows * outFeatures)
        s.withUnsafeMutableBufferPointer { p in
            engine.accumulateGroupProduct(layer: layer, group: group, weights: weights, input: input, rows: rows, inFeatures: inFeatures,
                                          outFeatures: outFeatures, output: p.baseAddress!, outputStride: outFeatures)
        }
        Self.add(s, rows: rows, columns: outFeatures, gains: g, offset: group * outFeatures, to: output, stride: outputStride)
        scratch = s
    }

    /// The scratch buffer, at least `n` long with its first `n` zeroed, taken out of `self`
    /// (so it stays uniquely referenced while a product writes it; put it back after).
    private mutating func takeScratch(_ n: Int) -> [Float] {
        var s = scratch
        scratch = []
        if s.count < n { s = [Float](repeating: 0, count: n) } else { s.withUnsafeMutableBufferPointer { $0.baseAddress!.update(repeating: 0, count: n) } }
        return s
    }

    /// `output[r·stride + o] += gains[offset + o] · p[r·columns + o]`.
    private static func add(_ p: [Float], rows: Int, columns: Int, gains g: [Float], offset: Int,
                            to output: UnsafeMutablePointer<Float>, stride: Int) {
        for r in 0..<rows {
            let y = output + r * stride
            for o in 0..<columns { y[o] += g[offset + o] * p[r * columns + o] }
        }
    }
}
