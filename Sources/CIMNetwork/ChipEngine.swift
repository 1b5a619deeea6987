import CIMCore
import CIMCrossbar

/// Runs a network's weighted products on simulated crossbars: one ``CrossbarLayer`` per
/// weighted layer (one per group of a grouped convolution), read noise from one seeded
/// ``NormalStream``.
public struct ChipEngine: WeightProduct, Sendable {
    /// The crossbar of each ungrouped weighted layer (index = layer index in the architecture;
    /// `nil` for layers without weights and for grouped layers).
    public var layers: [CrossbarLayer?]
    /// The crossbars of each grouped convolution's groups, by layer index (group j computes
    /// output channels `j·OC/g ..< (j+1)·OC/g`; its weights are rows `j·OC/g ..< (j+1)·OC/g`
    /// of the layer's `[OC, fanIn]` matrix). A grouped layer missing here is computed digitally.
    public var grouped: [Int: [CrossbarLayer]]
    /// Source of read and ADC noise; `nil` = noiseless reads.
    public var noise: NormalStream?

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
        guard grouped[layer] != nil else {
            DigitalProduct.accumulate(weights: weights, input: input, rows: rows, inFeatures: inFeatures, outFeatures: outFeatures,
                                      output: output, outputStride: outputStride)
            return
        }
        precondition(group < grouped[layer]!.count && grouped[layer]![group].inputs == inFeatures
                     && grouped[layer]![group].outputs == outFeatures,
                     "ChipEngine: group \(group) of layer \(layer) is not mapped as \(inFeatures)×\(outFeatures)")
        grouped[layer]![group].accumulateProduct(input: input, rows: rows, into: output, outputStride: outputStride, noise: &noise)
    }

    /// The crossbars of weighted layer `layer`: its one crossbar, or its groups' in group
    /// order (empty for a layer the engine does not map).
    public func crossbars(of layer: Int) -> [CrossbarLayer] {
        if let x = layers[layer] { return [x] }
        return grouped[layer] ?? []
    }

    /// Tiles used by all layers.
    public var tileCount: Int {
        layers.reduce(0) { $0 + ($1?.tileCount ?? 0) } + grouped.values.reduce(0) { $0 + $1.reduce(0) { $0 + $1.tileCount } }
    }
}
