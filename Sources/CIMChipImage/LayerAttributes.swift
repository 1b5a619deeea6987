import CIMHDF5
import CIMNetwork

/// The attributes that describe one layer in `/network/layer_NNN`.
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
        case .convolution, .avgPool, .globalAvgPool, .leakyRelu, .clip, .add:
            // The mapper refuses these before writing (chip image v1 cannot describe them).
            throw HDF5Error(kind: .invalidArgument, operation: "write layer", file: "", object: g.path,
                            message: "\(spec) is not part of chip image v1")
        }
    }

    /// The layer a group describes, or `nil` with an unknown kind.
    static func read(_ g: HDF5Group) throws(HDF5Error) -> LayerSpec? {
        switch try g.stringAttribute("kind") {
        case "conv2d": return .conv2d(inChannels: try g.intAttribute("in_channels"), outChannels: try g.intAttribute("out_channels"),
                                      kernel: try g.intAttribute("kernel"))
        case "dense": return .dense(inFeatures: try g.intAttribute("in_features"), outFeatures: try g.intAttribute("out_features"))
        case "max_pool": return .maxPool(size: try g.intAttribute("size"))
        case "relu": return .relu
        case "tanh": return .tanh
        case "sigmoid": return .sigmoid
        case "flatten": return .flatten
        default: return nil
        }
    }
}
