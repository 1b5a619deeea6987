import CIMCore
import CIMNetwork
import Foundation

/// A network imported from ONNX: CIMKit's architecture with its flat parameter vector, plus
/// what the import changed on the way.
public struct ImportedModel: Sendable {
    public var architecture: Architecture
    /// Each weighted layer's weights (row-major `[out, in]`, CIMKit's column order) then its
    /// biases, and each affine layer's scale then shift, in layer order: ``Network``'s layout.
    public var parameters: [Float]
    /// What the ONNX graph applied to the logits at its output. CIMKit's networks end in logits
    /// (a softmax does not change the predicted class); compare with the ONNX model's outputs
    /// after applying this.
    public var outputTransform: OutputTransform
    /// One line per thing the import folded or dropped (BatchNorm folded into a layer, input
    /// normalisation folded into the first layer, a softmax at the output).
    public var notes: [String]
    /// How inputs are prepared (pixels / 255, NHWC) and the input normalisation folded into
    /// the first weighted layer, if the graph had one.
    public var preprocessing: InputPreprocessing

    public enum OutputTransform: String, Codable, Sendable {
        case none
        case softmax
        case logSoftmax = "log-softmax"

        /// Applies the transform to each row of `[rows, classes]` logits (float32; the maximum
        /// is subtracted first, as onnxruntime does).
        public func apply(_ logits: [Float], classes: Int) -> [Float] {
            guard self != .none, classes > 0 else { return logits }
            var out = logits
            for r in 0..<(logits.count / classes) {
                let row = logits[(r * classes)..<((r + 1) * classes)]
                let m = row.max() ?? 0
                let sum = row.reduce(Float(0)) { $0 + Foundation.exp($1 - m) }
                for (j, v) in row.enumerated() {
                    out[r * classes + j] = self == .softmax ? Foundation.exp(v - m) / sum : (v - m) - Foundation.log(sum)
                }
            }
            return out
        }
    }

    public init(architecture: Architecture, parameters: [Float], outputTransform: OutputTransform, notes: [String],
                preprocessing: InputPreprocessing = InputPreprocessing()) {
        self.preprocessing = preprocessing
        self.architecture = architecture
        self.parameters = parameters
        self.outputTransform = outputTransform
        self.notes = notes
    }

    /// The network (validates shapes, parameter count and finiteness).
    public func network() throws(CIMError) -> Network {
        try Network(architecture: architecture, parameters: parameters)
    }
}
