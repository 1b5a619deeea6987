extension LayerSpec {
    /// `(inputs, outputs)` of the weight matrix of a weighted layer (conv: inputs =
    /// kernel·kernel·inChannels in (kh, kw, c) order), `nil` for layers without weights.
    public var matrixShape: (inputs: Int, outputs: Int)? {
        switch self {
        case let .conv2d(c, o, k): return (k * k * c, o)
        case let .dense(i, o): return (i, o)
        case let .convolution(c): return (c.fanIn, c.outChannels)
        case .maxPool, .relu, .tanh, .sigmoid, .flatten, .avgPool, .globalAvgPool, .leakyRelu, .clip, .add, .affine: return nil
        }
    }

    /// Groups of a grouped convolution (its weight matrix is `groups` independent matrices side
    /// by side, each reading its own inputs); 1 for every other layer.
    public var groups: Int {
        if case let .convolution(c) = self { return c.groups }
        return 1
    }
}
