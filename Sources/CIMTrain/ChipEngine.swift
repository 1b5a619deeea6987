import CIMCore
import CIMCrossbar
import CIMNetwork

/// Runs a network's weighted products on simulated crossbars: one ``CrossbarLayer`` per
/// weighted layer (one per group of a grouped convolution), read noise from one seeded
/// ``NormalStream``.
public struct ChipEngine: WeightProduct, Sendable {
    /// The crossbar of each ungrouped weighted layer (index = layer index in the architecture;
    /// `nil` for layers without weights and for grouped layers).
    public var layers: [CrossbarLayer?]
    /// The crossbars of each grouped convolution's groups, by layer index (group j computes
    /// output channels `j·OC/g ..< (j+1)·OC/g`). A grouped layer missing here is computed
    /// digitally (on-chip training refuses grouped layers before it builds an engine).
    public var grouped: [Int: [CrossbarLayer]]
    /// Source of read and ADC noise; `nil` = noiseless reads.
    public var noise: NormalStream?
    private var groupOutput: [Float] = []

    public init(layers: [CrossbarLayer?], noise: NormalStream?, grouped: [Int: [CrossbarLayer]] = [:]) {
        self.layers = layers
        self.noise = noise
        self.grouped = grouped
    }

    public mutating func accumulateProduct(layer: Int, weights: UnsafePointer<Float>, input: UnsafePointer<Float>, rows: Int,
                                           inFeatures: Int, outFeatures: Int, output: UnsafeMutablePointer<Float>) {
        precondition(layers[layer]?.inputs == inFeatures && layers[layer]?.outputs == outFeatures,
                     "ChipEngine: layer \(layer) is not mapped as \(inFeatures)×\(outFeatures)")
        layers[layer]!.accumulateProduct(input: input, rows: rows, into: output, noise: &noise)
    }

    public mutating func accumulateGroupProduct(layer: Int, group: Int, weights: UnsafePointer<Float>, input: UnsafePointer<Float>, rows: Int,
                                                inFeatures: Int, outFeatures: Int, output: UnsafeMutablePointer<Float>, outputStride: Int) {
        guard var crossbars = grouped[layer] else {
            BLAS.sgemm(transB: true, m: rows, n: outFeatures, k: inFeatures, a: input, lda: inFeatures,
                       b: weights, ldb: inFeatures, beta: 1, c: output, ldc: outputStride)
            return
        }
        precondition(group < crossbars.count && crossbars[group].inputs == inFeatures && crossbars[group].outputs == outFeatures,
                     "ChipEngine: group \(group) of layer \(layer) is not mapped as \(inFeatures)×\(outFeatures)")
        grouped[layer] = nil  // keep the crossbars uniquely referenced while they run
        defer { grouped[layer] = crossbars }
        let n = rows * outFeatures
        if groupOutput.count < n { groupOutput = [Float](repeating: 0, count: n) }
        var buffer = groupOutput
        groupOutput = []
        defer { groupOutput = buffer }
        buffer.withUnsafeMutableBufferPointer { b in
            b.update(repeating: 0)
            crossbars[group].accumulateProduct(input: input, rows: rows, into: b.baseAddress!, noise: &noise)
            for r in 0..<rows {
                let src = b.baseAddress! + r * outFeatures, dst = output + r * outputStride
                for o in 0..<outFeatures { dst[o] += src[o] }
            }
        }
    }

    /// Tiles used by all layers.
    public var tileCount: Int {
        layers.reduce(0) { $0 + ($1?.tileCount ?? 0) } + grouped.values.reduce(0) { $0 + $1.reduce(0) { $0 + $1.tileCount } }
    }
}
