import CIMNetwork

/// A digital product that also keeps the inputs of every weighted layer (up to `maxRows`
/// rows per layer, and per group of a grouped convolution): the calibration data of the
/// mapping checks.
struct RecordingProduct: WeightProduct {
    var maxRows: Int
    /// Inputs by layer index, `[rows, inFeatures]`.
    var inputs: [Int: [Float]] = [:]
    /// Inputs of grouped layers by layer index and group.
    var groupInputs: [Int: [Int: [Float]]] = [:]
    var digital = DigitalProduct()

    mutating func accumulateProduct(layer: Int, weights: UnsafePointer<Float>, input: UnsafePointer<Float>, rows: Int,
                                    inFeatures: Int, outFeatures: Int, output: UnsafeMutablePointer<Float>) {
        Self.record(&inputs[layer, default: []], input: input, rows: rows, inFeatures: inFeatures, maxRows: maxRows)
        digital.accumulateProduct(layer: layer, weights: weights, input: input, rows: rows, inFeatures: inFeatures,
                                  outFeatures: outFeatures, output: output)
    }

    mutating func accumulateGroupProduct(layer: Int, group: Int, weights: UnsafePointer<Float>, input: UnsafePointer<Float>, rows: Int,
                                         inFeatures: Int, outFeatures: Int, output: UnsafeMutablePointer<Float>, outputStride: Int) {
        Self.record(&groupInputs[layer, default: [:]][group, default: []], input: input, rows: rows, inFeatures: inFeatures, maxRows: maxRows)
        digital.accumulateGroupProduct(layer: layer, group: group, weights: weights, input: input, rows: rows, inFeatures: inFeatures,
                                       outFeatures: outFeatures, output: output, outputStride: outputStride)
    }

    private static func record(_ kept: inout [Float], input: UnsafePointer<Float>, rows: Int, inFeatures: Int, maxRows: Int) {
        let take = min(rows, maxRows - kept.count / inFeatures)
        if take > 0 { kept += UnsafeBufferPointer(start: input, count: take * inFeatures) }
    }
}
