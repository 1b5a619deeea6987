import CIMHDF5
import CIMNetwork

/// The attributes that describe one layer in `/network/layer_NNN` (`schemas/chip-image-v2.md`).
/// They duplicate `architecture_json`, which is authoritative; readers check they agree.
enum LayerAttributes {
    static func write(_ spec: LayerSpec, to g: HDF5Group) throws(HDF5Error) {
        switch spec {
        case let .conv2d(i, o, k):
            try g.setAttribute("kind", "conv2d")
            try g.setAttribute("in_channels", i)
            try g.setAttribute("out_channels", o)
            try g.setAttribute("kernel", k)
        case let .dense(i, o):
            try g.setAttribute("kind", "dense")
            try g.setAttribute("in_features", i)
            try g.setAttribute("out_features", o)
        case let .maxPool(size):
            try g.setAttribute("kind", "max_pool")
            try g.setAttribute("size", size)
        case .relu: try g.setAttribute("kind", "relu")
        case .tanh: try g.setAttribute("kind", "tanh")
        case .sigmoid: try g.setAttribute("kind", "sigmoid")
        case .flatten: try g.setAttribute("kind", "flatten")
        case let .convolution(c):
            try g.setAttribute("kind", "convolution")
            try g.setAttribute("in_channels", c.inChannels)
            try g.setAttribute("out_channels", c.outChannels)
            try g.setAttribute("kernel", [c.kernelHeight, c.kernelWidth])
            try g.setAttribute("stride", [c.strideHeight, c.strideWidth])
            try g.setAttribute("padding", c.padding)
            try g.setAttribute("dilation", [c.dilationHeight, c.dilationWidth])
            try g.setAttribute("groups", c.groups)
        case let .avgPool(p):
            try g.setAttribute("kind", "avg_pool")
            try g.setAttribute("kernel", [p.kernelHeight, p.kernelWidth])
            try g.setAttribute("stride", [p.strideHeight, p.strideWidth])
            try g.setAttribute("padding", p.padding)
            try g.setAttribute("count_include_pad", p.countIncludePad ? 1 : 0)
        case .globalAvgPool: try g.setAttribute("kind", "global_avg_pool")
        case let .leakyRelu(slope):
            try g.setAttribute("kind", "leaky_relu")
            try g.setAttribute("slope", Double(slope))
        case let .clip(lo, hi):
            try g.setAttribute("kind", "clip")
            try g.setAttribute("min", Double(lo))
            try g.setAttribute("max", Double(hi))
        case .add: try g.setAttribute("kind", "add")
        case let .affine(c):
            try g.setAttribute("kind", "affine")
            try g.setAttribute("channels", c)
        }
    }

    /// The layer a group describes, or `nil` with an unknown kind (or a v2 kind in a v1 file).
    static func read(_ g: HDF5Node, version: Int) throws(HDF5Error) -> LayerSpec? {
        func pair(_ name: String) throws(HDF5Error) -> (Int, Int)? {
            let a = try g.intArrayAttribute(name)
            return a.count == 2 ? (a[0], a[1]) : nil
        }
        func float(_ name: String) throws(HDF5Error) -> Float { Float(try g.doubleAttribute(name)) }
        let kind = try g.stringAttribute("kind")
        switch kind {
        case "conv2d": return .conv2d(inChannels: try g.intAttribute("in_channels"), outChannels: try g.intAttribute("out_channels"),
                                      kernel: try g.intAttribute("kernel"))
        case "dense": return .dense(inFeatures: try g.intAttribute("in_features"), outFeatures: try g.intAttribute("out_features"))
        case "max_pool": return .maxPool(size: try g.intAttribute("size"))
        case "relu": return .relu
        case "tanh": return .tanh
        case "sigmoid": return .sigmoid
        case "flatten": return .flatten
        default: break
        }
        guard version >= 2 else { return nil }
        switch kind {
        case "convolution":
            guard let k = try pair("kernel"), let s = try pair("stride"), let d = try pair("dilation") else { return nil }
            return .convolution(spec: ConvolutionSpec(inChannels: try g.intAttribute("in_channels"), outChannels: try g.intAttribute("out_channels"),
                                                      kernelHeight: k.0, kernelWidth: k.1, strideHeight: s.0, strideWidth: s.1,
                                                      padding: try g.intArrayAttribute("padding"), dilationHeight: d.0, dilationWidth: d.1,
                                                      groups: try g.intAttribute("groups")))
        case "avg_pool":
            guard let k = try pair("kernel"), let s = try pair("stride") else { return nil }
            return .avgPool(spec: PoolSpec(kernelHeight: k.0, kernelWidth: k.1, strideHeight: s.0, strideWidth: s.1,
                                           padding: try g.intArrayAttribute("padding"), countIncludePad: try g.intAttribute("count_include_pad") != 0))
        case "global_avg_pool": return .globalAvgPool
        case "leaky_relu": return .leakyRelu(slope: try float("slope"))
        case "clip": return .clip(min: try float("min"), max: try float("max"))
        case "add": return .add
        case "affine": return .affine(channels: try g.intAttribute("channels"))
        default: return nil
        }
    }
}
