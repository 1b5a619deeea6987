import CIMCore
import CIMData

extension ImageDataset {
    /// Why these images and labels cannot go through `architecture`, or nil if they fit:
    /// the image shape must be its input shape, and every label must index one of its logits.
    ///
    /// - Parameter model: how messages name the model (`"the model"`, `"model lenet5"`).
    /// - Returns: e.g. `images are 28×28×1, the model expects [16, 16, 3]`.
    public func mismatch(with architecture: Architecture, model: String = "the model") throws(CIMError) -> String? {
        if let problem = mismatch(withInputShape: architecture.inputShape, model: model) { return problem }
        let logits = try architecture.shapes().last?.first ?? 0
        if let top = maxLabel, top >= logits, let index = labels.firstIndex(where: { Int($0) >= logits }) {
            return "label \(labels[index]) (of image \(index)) is not below the \(logits) outputs of \(model)"
        }
        return nil
    }

    /// Why these images are not of shape `expected` (`[H, W, C]`), or nil if they are. When the
    /// other axis order (`--layout`) would fit, the message says so.
    public func mismatch(withInputShape expected: [Int], model: String = "the model") -> String? {
        guard inputShape != expected else { return nil }
        var text = "images are \(shapeDescription), \(model) expects \(expected)"
        if expected.count == 3, channels > 1 || expected[2] > 1 {
            if expected == [width, channels, height] {
                text += " (are the arrays N×C×H×W? give --layout nchw)"
            } else if expected == [channels, height, width] {
                text += " (are the arrays N×H×W×C? give --layout nhwc)"
            }
        }
        return text
    }
}
