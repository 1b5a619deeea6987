import CIMCore
import CIMData

/// Loss and accuracy of a network on a dataset.
public struct EvaluationResult: Codable, Equatable, Sendable {
    /// Mean softmax cross-entropy.
    public var loss: Double
    /// Fraction correct, 0…1.
    public var accuracy: Double
    /// Correct predictions.
    public var correct: Int
    /// Examples evaluated.
    public var count: Int
}

public enum Evaluator {
    /// Evaluates `network` on every example of `data`, `batchSize` at a time.
    public static func evaluate(_ network: Network, on data: ImageDataset, batchSize: Int = 100) -> EvaluationResult {
        var engine = DigitalProduct()
        return evaluate(network, on: data, batchSize: batchSize, engine: &engine)
    }

    /// Evaluates with every weighted product computed by `engine` (e.g. on a simulated chip).
    public static func evaluate<E: WeightProduct>(_ network: Network, on data: ImageDataset, batchSize: Int = 100,
                                                  engine: inout E) -> EvaluationResult {
        var net = network
        var lossSum = 0.0
        var correct = 0
        var start = 0
        let all = Array(0..<data.count)
        while start < data.count {
            let end = min(start + batchSize, data.count)
            let (x, y) = data.batch(indices: all[start..<end])
            let logits = net.forward(x, training: false, engine: &engine)
            let r = SoftmaxCrossEntropy.evaluate(logits: logits, labels: y)
            lossSum += Double(r.loss) * Double(end - start)
            correct += r.correct
            start = end
        }
        let n = max(data.count, 1)
        return EvaluationResult(loss: lossSum / Double(n), accuracy: Double(correct) / Double(n),
                                correct: correct, count: data.count)
    }
}
