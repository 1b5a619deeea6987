import CIMCore
import Foundation

/// How a dataset sample becomes the network's float32 input. Chip image v2 records it
/// (`/network/preprocessing_json`) so that an independent reader feeds the chip exactly what
/// CIMKit fed it.
///
/// 1. Pixels: `x = Float(p) / pixelDivisor` for each uint8 pixel `p`, one IEEE-754 float32
///    division rounded to nearest even (CIMKit's IDX datasets: 255, so `x ∈ [0, 1]`).
/// 2. Layout: NHWC, `[N, H, W, C]`, the network's `inputShape` per sample.
/// 3. A normalisation the source model applied next (an ONNX graph's `(x − mean)/std`) is
///    **already folded** into the first weighted layer's weights and bias, and recorded in
///    ``foldedNormalization`` for information only: a reader must *not* apply it again.
public struct InputPreprocessing: Codable, Sendable, Equatable {
    /// The divisor of step 1.
    public var pixelDivisor: Float
    /// `"NHWC"`.
    public var layout: String
    /// The per-channel affine `x' = x·scale[c] + shift[c]` folded into layer `intoLayer`.
    public var foldedNormalization: FoldedNormalization?

    public struct FoldedNormalization: Codable, Sendable, Equatable {
        public var scale: [Double]
        public var shift: [Double]
        public var intoLayer: Int
        public init(scale: [Double], shift: [Double], intoLayer: Int) {
            self.scale = scale
            self.shift = shift
            self.intoLayer = intoLayer
        }
    }

    public init(pixelDivisor: Float = 255, layout: String = "NHWC", foldedNormalization: FoldedNormalization? = nil) {
        self.pixelDivisor = pixelDivisor
        self.layout = layout
        self.foldedNormalization = foldedNormalization
    }

    /// Key of the weights-file metadata entry that carries a folded normalisation (JSON).
    public static let metadataKey = "input_normalization"

    /// Checks the numbers: a positive finite divisor, layout NHWC, a normalisation of finite
    /// values with one scale and shift per channel.
    public func validate(channels: Int, layers: Int) throws(CIMError) {
        guard pixelDivisor.isFinite, pixelDivisor > 0 else {
            throw .invalidConfig(field: "preprocessing.pixelDivisor", reason: "\(pixelDivisor) must be finite and > 0")
        }
        guard layout == "NHWC" else { throw .invalidConfig(field: "preprocessing.layout", reason: "'\(layout)' is not NHWC") }
        if let n = foldedNormalization {
            guard n.scale.count == channels, n.shift.count == channels, (n.scale + n.shift).allSatisfy(\.isFinite),
                  (0..<layers).contains(n.intoLayer) else {
                throw .invalidConfig(field: "preprocessing.foldedNormalization",
                                     reason: "needs \(channels) finite scales and shifts and a layer index below \(layers)")
            }
        }
    }

    /// The folded normalisation recorded in a weights file's metadata, if any.
    public static func from(metadata: [String: String]) -> InputPreprocessing {
        guard let text = metadata[metadataKey],
              let n = try? JSONDecoder().decode(FoldedNormalization.self, from: Data(text.utf8)) else { return InputPreprocessing() }
        return InputPreprocessing(foldedNormalization: n)
    }
}
