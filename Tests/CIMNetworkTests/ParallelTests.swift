import CIMCore
import CIMData
import CIMNetwork
import Testing

/// Data-parallel training steps (``BatchShards``) and batch-parallel evaluation.
@Suite("Shards and threads")
struct ParallelTests {
    /// A batch of `n` random 28×28 images with labels, from a seed.
    func batch(_ n: Int, seed: UInt64) -> (Tensor, [Int32]) {
        var rng = RandomGenerator(seed: seed)
        let x = Tensor(shape: [n, 28, 28, 1], data: (0..<(n * 784)).map { _ in rng.uniform(0, 1) })
        return (x, (0..<n).map { Int32($0 % 10) })
    }

    @Test("sharded gradients equal the whole batch's to float32 rounding; one shard is the whole batch bit for bit",
          arguments: [ModelPreset.lenetWu2023, .cnn16])
    func shardsEqualWholeBatch(_ preset: ModelPreset) throws {
        let (x, y) = batch(13, seed: 7)
        var whole = try Network(architecture: preset.architecture, seed: 3)
        let logits = whole.forward(x, training: true)
        let r = SoftmaxCrossEntropy.evaluate(logits: logits, labels: y)
        whole.backward(r.gradient)
        let scale = whole.gradients.map(abs).max()!
        for count in [1, 2, 3, 13] {
            var net = try Network(architecture: preset.architecture, seed: 3)
            var shards = BatchShards(network: net, count: count)
            let s = shards.lossAndGradients(&net, x: x, labels: y, threads: 2)
            #expect(s.correct == r.correct)
            if count == 1 {
                #expect(s.loss == r.loss && net.gradients == whole.gradients)
            } else {
                #expect(abs(s.loss - r.loss) <= 1e-6 * abs(r.loss), "loss \(s.loss) vs \(r.loss)")
                let worst = zip(net.gradients, whole.gradients).map { abs($0 - $1) }.max()!
                #expect(worst <= 1e-5 * scale, "\(count) shards: largest gradient difference \(worst) (largest gradient \(scale))")
            }
        }
    }

    @Test("the shards' gradients do not depend on how many threads run them")
    func shardsIndependentOfThreads() throws {
        let (x, y) = batch(64, seed: 11)
        var results: [(Float, [Float])] = []
        for threads in [1, 2, 3, 4] {
            var net = try Network(architecture: ModelPreset.cnn16.architecture, seed: 5)
            var shards = BatchShards(network: net, count: 4)
            var loss: Float = 0
            for _ in 0..<2 {  // a second step reuses the shards' scratch
                loss = shards.lossAndGradients(&net, x: x, labels: y, threads: threads).loss
                for i in net.parameters.indices { net.parameters[i] -= 0.1 * net.gradients[i] }
            }
            results.append((loss, net.gradients))
        }
        for r in results.dropFirst() {
            #expect(r.0 == results[0].0 && r.1 == results[0].1)
        }
    }

    @Test("shards: a shard may be empty (batch smaller than the shard count)")
    func emptyShards() throws {
        let (x, y) = batch(2, seed: 1)
        var whole = try Network(architecture: ModelPreset.lenetWu2023.architecture, seed: 1)
        var one = BatchShards(network: whole, count: 1)
        let a = one.lossAndGradients(&whole, x: x, labels: y, threads: 1)
        var net = try Network(architecture: ModelPreset.lenetWu2023.architecture, seed: 1)
        var four = BatchShards(network: net, count: 4)  // rows 0..<0, 0..<1, 1..<1, 1..<2
        let b = four.lossAndGradients(&net, x: x, labels: y, threads: 2)
        #expect(BatchShards.rows(shard: 0, of: 4, batch: 2).isEmpty && BatchShards.rows(shard: 3, of: 4, batch: 2) == 1..<2)
        #expect(abs(a.loss - b.loss) <= 1e-6 * a.loss && a.correct == b.correct)
        let worst = zip(net.gradients, whole.gradients).map { abs($0 - $1) }.max()!
        #expect(worst <= 1e-5 * whole.gradients.map(abs).max()!)
    }

    /// A network of general convolutions (digital inference through oneDNN, one primitive per copy).
    static let generalConv = Architecture(name: "general", inputShape: [28, 28, 1], layers: [
        .convolution(spec: ConvolutionSpec(inChannels: 1, outChannels: 4, kernelHeight: 3, kernelWidth: 3, strideHeight: 2, strideWidth: 2,
                                           padding: [1, 1, 1, 1])),
        .relu,
        .convolution(spec: ConvolutionSpec(inChannels: 4, outChannels: 4, kernelHeight: 3, kernelWidth: 3, padding: [1, 1, 1, 1], groups: 4)),
        .globalAvgPool, .flatten, .dense(inFeatures: 4, outFeatures: 10)])

    @Test("evaluating the batches on several threads gives exactly the sequential result (im2col and oneDNN convolutions)",
          arguments: [1, 2, 3], [false, true])
    func parallelEvaluation(_ threads: Int, general: Bool) throws {
        var rng = RandomGenerator(seed: 2)
        let n = 250  // batches of 64: the last one partial
        let data = ImageDataset(pixels: (0..<(n * 784)).map { _ in UInt8(rng.uniform(0, 255)) },
                                labels: (0..<n).map { UInt8($0 % 10) }, height: 28, width: 28)
        let net = try Network(architecture: general ? Self.generalConv : ModelPreset.cnn16.architecture, seed: 9)
        let sequential = Evaluator.evaluate(net, on: data, batchSize: 64)
        let parallel = Evaluator.evaluate(net, on: data, batchSize: 64, threads: threads)
        #expect(parallel == sequential)
        #expect(sequential.count == n)
    }
}
