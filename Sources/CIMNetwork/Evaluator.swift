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
    /// Evaluates `network` on every example of `data`, `batchSize` at a time, the batches spread
    /// over up to `threads` threads (each with its own copy of the network, taking the next batch
    /// when free). Each batch's forward pass is the same whichever thread runs it and the
    /// batches' losses are summed in batch order, so the result does not depend on `threads`.
    /// Run OpenBLAS on one thread (`BLAS.setThreads(1)`) when `threads` > 1.
    public static func evaluate(_ network: Network, on data: ImageDataset, batchSize: Int = 100, threads: Int = 1) -> EvaluationResult {
        guard threads > 1 else {
            var engine = DigitalProduct()
            return evaluate(network, on: data, batchSize: batchSize, engine: &engine)
        }
        let batches = (data.count + batchSize - 1) / batchSize
        var losses = [Float](repeating: 0, count: batches)
        var corrects = [Int](repeating: 0, count: batches)
        let workers = Swift.max(1, Swift.min(threads, batches))
        var nets = Array(repeating: network, count: workers)
        let all = Array(0..<data.count)
        nets.withUnsafeMutableBufferPointer { netp in
            losses.withUnsafeMutableBufferPointer { lossOut in
                corrects.withUnsafeMutableBufferPointer { correctOut in
                    // each free worker takes the next batch, on its own copy of the network
                    ParallelFor.runClaiming(batches, threads: workers) { w, b in
                        let start = b * batchSize, end = Swift.min(start + batchSize, data.count)
                        let (x, y) = data.batch(indices: all[start..<end])
                        let logits = netp[w].forward(x, training: false)
                        let r = SoftmaxCrossEntropy.evaluate(logits: logits, labels: y)
                        lossOut[b] = r.loss
                        correctOut[b] = r.correct
                    }
                }
            }
        }
        var lossSum = 0.0
        var correct = 0
        for b in 0..<batches {
            let size = Swift.min(batchSize, data.count - b * batchSize)
            lossSum += Double(losses[b]) * Double(size)
            correct += corrects[b]
        }
        let n = max(data.count, 1)
        return EvaluationResult(loss: lossSum / Double(n), accuracy: Double(correct) / Double(n),
                                correct: correct, count: data.count)
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
