import CIMCore

/// Data-parallel forward and backward passes of a digital network: every batch is split into
/// a fixed number of shards (rows `s·N/S ..< (s+1)·N/S` of a batch of N, shard s of S), each
/// shard runs forward, loss and backward on its own copy of the network (its own activations
/// and scratch), and the shards' gradients are added **in shard order** into the network's
/// gradients, whatever the number of threads that ran them.
///
/// The result therefore depends on the shard count (a sum over 32 rows plus a sum over 32 rows
/// rounds differently from one sum over 64) but never on the thread count: 2 shards give the
/// same bits on 1 thread as on 2. One shard is exactly ``Network/forward(_:training:)`` +
/// ``Network/backward(_:)`` on the whole batch.
public struct BatchShards: Sendable {
    /// Shards per batch.
    public let count: Int
    private var replicas: [Network]

    /// Shards of `network` (which must be digital: the shards share no engine state).
    public init(network: Network, count: Int) {
        precondition(count >= 1, "BatchShards: count must be ≥ 1")
        self.count = count
        replicas = count > 1 ? Array(repeating: network, count: count) : []
    }

    /// The rows of shard `s` of `shards` in a batch of `batch` rows.
    public static func rows(shard s: Int, of shards: Int, batch: Int) -> Range<Int> {
        (s * batch / shards)..<((s + 1) * batch / shards)
    }

    /// Forward, softmax cross-entropy and backward of the batch `x` (labels `labels`) with
    /// `network`'s parameters, the shards running on up to `threads` threads; fills
    /// `network.gradients` with the gradient of the batch's mean loss. Returns the mean loss and
    /// the number of correct predictions.
    public mutating func lossAndGradients(_ network: inout Network, x: Tensor, labels: [Int32], threads: Int) -> (loss: Float, correct: Int) {
        let n = x.shape[0]
        precondition(labels.count == n && n >= 1, "BatchShards: \(labels.count) labels for \(n) rows")
        if count == 1 {
            let logits = network.forward(x, training: true)
            let r = SoftmaxCrossEntropy.evaluate(logits: logits, labels: labels)
            network.backward(r.gradient)
            return (r.loss, r.correct)
        }
        let perRow = x.count / n
        let inputShape = Array(x.shape.dropFirst())
        var lossSums = [Double](repeating: 0, count: count)
        var corrects = [Int](repeating: 0, count: count)
        var active = [Bool](repeating: false, count: count)
        for s in 0..<count {
            replicas[s].parameters = network.parameters  // shares the storage (copy on write)
            active[s] = !Self.rows(shard: s, of: count, batch: n).isEmpty
        }
        let shards = count
        replicas.withUnsafeMutableBufferPointer { nets in
            lossSums.withUnsafeMutableBufferPointer { lossOut in
                corrects.withUnsafeMutableBufferPointer { correctOut in
                    ParallelFor.run(shards, threads: threads) { s in
                        let rows = Self.rows(shard: s, of: shards, batch: n)
                        guard !rows.isEmpty else { return }
                        let xs = Tensor(shape: [rows.count] + inputShape, data: Array(x.data[(rows.lowerBound * perRow)..<(rows.upperBound * perRow)]))
                        let logits = nets[s].forward(xs, training: true)
                        let r = SoftmaxCrossEntropy.evaluate(logits: logits, labels: Array(labels[rows]), batchSize: n)
                        nets[s].backward(r.gradient)
                        lossOut[s] = r.lossSum
                        correctOut[s] = r.correct
                    }
                }
            }
        }
        // the fixed-order reduction: shard 0, then 1, …
        var lossSum = 0.0, correct = 0
        var first = true
        network.gradients.withUnsafeMutableBufferPointer { g in
            for s in 0..<count where active[s] {
                lossSum += lossSums[s]
                correct += corrects[s]
                replicas[s].gradients.withUnsafeBufferPointer { gs in
                    if first {
                        g.baseAddress!.update(from: gs.baseAddress!, count: g.count)
                        first = false
                    } else {
                        for i in 0..<g.count { g[i] += gs[i] }
                    }
                }
            }
        }
        return (Float(lossSum / Double(n)), correct)
    }
}
