import CIMNetwork

/// A digital product that also keeps the inputs of every weighted layer (up to `maxRows`
/// rows per layer): the calibration data of the mapping checks.
struct RecordingProduct: WeightProduct {
    var maxRows: Int
    var inputs: [Int: [Float]] = [:]
    var digital = DigitalProduct()

    mutating func accumulateProduct(layer: Int, weights: UnsafePointer<Float>, input: UnsafePointer<Float>, rows: Int,
                                    inFeatures: Int, outFeatures: Int, output: UnsafeMutablePointer<Float>) {
        let have = (inputs[layer]?.count ?? 0) / inFeatures
        let take = min(rows, maxRows - have)
        if take > 0 { inputs[layer, default: []] += UnsafeBufferPointer(start: input, count: take * inFeatures) }
        digital.accumulateProduct(layer: layer, weights: weights, input: input, rows: rows, inFeatures: inFeatures,
                                  outFeatures: outFeatures, output: output)
    }
}
