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
        let r = evaluate(logits: logits, labels: labels, batchSize: n)
        return (Float(r.lossSum / Double(n)), r.gradient, r.correct)
    }

    /// One shard of a batch of `batchSize` rows (data-parallel training): the sum of the shard's
    /// losses (in Float64), the gradient of the **batch's** mean loss with respect to the shard's
    /// logits, `(softmax(z) − onehot(y)) / batchSize`, and the shard's correct count. The shards'
    /// gradients of the weights then add up to the batch's.
    public static func evaluate(logits: Tensor, labels: [Int32], batchSize: Int) -> (lossSum: Double, gradient: Tensor, correct: Int) {
        let n = logits.shape[0]
        let c = logits.shape[1]
        precondition(labels.count == n, "SoftmaxCrossEntropy: \(labels.count) labels for \(n) rows")
        precondition(batchSize >= n, "SoftmaxCrossEntropy: a shard of \(n) rows in a batch of \(batchSize)")
        var grad = Tensor(zeros: logits.shape)
        var total = 0.0
        var correct = 0
        let invN = 1 / Float(batchSize)
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
        return (total, grad, correct)
    }
}
