import CIMCore
import CIMNetwork

/// A small layer graph with every layer kind of chip image v2: a padded conv, a strided
/// depthwise conv with asymmetric padding, ReLU6, a strided 1×1 projection shortcut, a
/// residual add, leaky ReLU, a grouped conv, average and global average pooling, dense.
enum GraphModel {
    static func conv(_ i: Int, _ o: Int, _ k: Int, stride: Int = 1, padding: [Int] = [0, 0, 0, 0], groups: Int = 1) -> LayerSpec {
        .convolution(spec: ConvolutionSpec(inChannels: i, outChannels: o, kernelHeight: k, kernelWidth: k, strideHeight: stride,
                                           strideWidth: stride, padding: padding, groups: groups))
    }

    static let architecture = Architecture(
        name: "graph-test", inputShape: [8, 8, 3],
        layers: [conv(3, 8, 3, padding: [1, 1, 1, 1]), .relu,
                 conv(8, 8, 3, stride: 2, padding: [1, 1, 0, 0], groups: 8), .clip(min: 0, max: 6),
                 conv(8, 8, 1, stride: 2), .add, .leakyRelu(slope: 0.1),
                 conv(8, 16, 3, padding: [1, 1, 1, 1], groups: 2),
                 .avgPool(spec: PoolSpec(kernelHeight: 2, kernelWidth: 2, strideHeight: 2, strideWidth: 2)),
                 .globalAvgPool, .flatten, .dense(inFeatures: 16, outFeatures: 10)],
        inputs: [[-1], [0], [1], [2], [1], [3, 4], [5], [6], [7], [8], [9], [10]])

    /// Random inputs in [0, 1], `[n, 8, 8, 3]`.
    static func inputs(_ n: Int, seed: UInt64) -> Tensor {
        var rng = RandomGenerator(seed: seed, stream: "graph-inputs")
        return Tensor(shape: [n, 8, 8, 3], data: (0..<(n * 192)).map { _ in Float(rng.nextDouble()) })
    }
}
