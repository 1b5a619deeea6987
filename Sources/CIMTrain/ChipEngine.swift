import CIMCore
import CIMCrossbar
import CIMNetwork

/// Runs a network's weighted products on simulated crossbars: one ``CrossbarLayer`` per
/// weighted layer, read noise from one seeded ``NormalStream``.
public struct ChipEngine: WeightProduct, Sendable {
    /// The crossbar of each layer (index = layer index in the architecture; `nil` for layers
    /// without weights).
    public var layers: [CrossbarLayer?]
    /// Source of read and ADC noise; `nil` = noiseless reads.
    public var noise: NormalStream?

    public init(layers: [CrossbarLayer?], noise: NormalStream?) {
        self.layers = layers
        self.noise = noise
    }

    public mutating func accumulateProduct(layer: Int, weights: UnsafePointer<Float>, input: UnsafePointer<Float>, rows: Int,
                                           inFeatures: Int, outFeatures: Int, output: UnsafeMutablePointer<Float>) {
        precondition(layers[layer]?.inputs == inFeatures && layers[layer]?.outputs == outFeatures,
                     "ChipEngine: layer \(layer) is not mapped as \(inFeatures)×\(outFeatures)")
        layers[layer]!.accumulateProduct(input: input, rows: rows, into: output, noise: &noise)
    }

    /// Tiles used by all layers.
    public var tileCount: Int { layers.reduce(0) { $0 + ($1?.tileCount ?? 0) } }
}
