/// Named network architectures for 28×28 single-channel inputs (MNIST, Fashion-MNIST).
public enum ModelPreset: String, CaseIterable, Codable, Sendable {
    /// Wu et al., Adv. Mater. 35, e2305465 (2023): conv 1→8 5×5, ReLU, pool 2, conv 8→8 5×5,
    /// ReLU, pool 2, fc 128→10. conv2's 8 channels are inferred from the paper's ~6.4 k
    /// devices: (200 + 1,600 + 1,280) weights × 2 devices = 6,160.
    case lenetWu2023 = "lenet-wu2023"
    /// LeNet-5 (6-16-120-84-10) without input padding, with ReLU and max pooling.
    case lenet5
    /// conv 1→16 5×5, tanh, pool 2, conv 16→32 5×5, tanh, pool 2, fc 512→128, tanh, fc 128→10:
    /// the network used for speed comparisons.
    case cnn16
    /// 784-250-10 with sigmoid hidden units (Nandakumar et al., Front. Neurosci. 14:406, 2020).
    case mlp

    /// The architecture of the preset.
    public var architecture: Architecture {
        let layers: [LayerSpec]
        switch self {
        case .lenetWu2023:
            layers = [.conv2d(inChannels: 1, outChannels: 8, kernel: 5), .relu, .maxPool(size: 2),
                      .conv2d(inChannels: 8, outChannels: 8, kernel: 5), .relu, .maxPool(size: 2),
                      .flatten, .dense(inFeatures: 128, outFeatures: 10)]
        case .lenet5:
            layers = [.conv2d(inChannels: 1, outChannels: 6, kernel: 5), .relu, .maxPool(size: 2),
                      .conv2d(inChannels: 6, outChannels: 16, kernel: 5), .relu, .maxPool(size: 2),
                      .flatten, .dense(inFeatures: 256, outFeatures: 120), .relu,
                      .dense(inFeatures: 120, outFeatures: 84), .relu, .dense(inFeatures: 84, outFeatures: 10)]
        case .cnn16:
            layers = [.conv2d(inChannels: 1, outChannels: 16, kernel: 5), .tanh, .maxPool(size: 2),
                      .conv2d(inChannels: 16, outChannels: 32, kernel: 5), .tanh, .maxPool(size: 2),
                      .flatten, .dense(inFeatures: 512, outFeatures: 128), .tanh,
                      .dense(inFeatures: 128, outFeatures: 10)]
        case .mlp:
            layers = [.flatten, .dense(inFeatures: 784, outFeatures: 250), .sigmoid,
                      .dense(inFeatures: 250, outFeatures: 10)]
        }
        return Architecture(name: rawValue, inputShape: [28, 28, 1], layers: layers)
    }
}
