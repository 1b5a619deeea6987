import CIMCore
import Foundation

/// Mean softmax cross-entropy over a batch, with its gradient.
///
/// For logits z (one row per example) and label y: `loss = mean(logsumexp(z) − z_y)`, and
/// `∂loss/∂z = (softmax(z) − onehot(y)) / N`.
public enum SoftmaxCrossEntropy {
    /// The mean loss, its gradient with respect to the logits, and the number of correct argmax predictions.
    public static func evaluate(logits: Tensor, labels: [Int32]) -> (loss: Float, gradient: Tensor, correct: Int) {
        let n = logits.shape[0]
        let c = logits.shape[1]
        precondition(labels.count == n, "SoftmaxCrossEntropy: \(labels.count) labels for \(n) rows")
        var grad = Tensor(zeros: logits.shape)
        var total = 0.0
        var correct = 0
        let invN = 1 / Float(n)
        logits.data.withUnsafeBufferPointer { z in
            grad.data.withUnsafeMutableBufferPointer { g in
                for r in 0..<n {
                    let row = z.baseAddress! + r * c
                    var maxValue = row[0]
                    var argmax = 0
                    for j in 1..<c where row[j] > maxValue { maxValue = row[j]; argmax = j }
                    var sum: Float = 0
                    for j in 0..<c {
                        let e = exp(row[j] - maxValue)
                        g[r * c + j] = e
                        sum += e
                    }
                    let y = Int(labels[r])
                    total += Double(log(sum) + maxValue - row[y])
                    if argmax == y { correct += 1 }
                    let scale = invN / sum
                    for j in 0..<c { g[r * c + j] *= scale }
                    g[r * c + y] -= invN
                }
            }
        }
        return (Float(total / Double(n)), grad, correct)
    }
}
