import CIMCore

/// A 2-D convolution on NHWC activations in general form (ONNX `Conv`): rectangular kernel,
/// stride, zero padding (top, left, bottom, right; may be asymmetric), dilation and groups.
///
/// Output size: `OH = ⌊(H + top + bottom − dilationH·(KH − 1) − 1) / strideH⌋ + 1`, and the same
/// for W. With `groups = g`, input channels `C` and output channels `OC` split into g groups;
/// group j's outputs see only its `C/g` inputs. The weight matrix is `[OC, KH·KW·C/g]` with
/// columns ordered (kh, kw, c within the group); depthwise is `g = C`.
public struct ConvolutionSpec: Codable, Equatable, Sendable {
    public var inChannels: Int
    public var outChannels: Int
    public var kernelHeight: Int
    public var kernelWidth: Int
    public var strideHeight = 1
    public var strideWidth = 1
    /// Zero padding in pixels: `[top, left, bottom, right]`.
    public var padding = [0, 0, 0, 0]
    public var dilationHeight = 1
    public var dilationWidth = 1
    public var groups = 1

    public init(inChannels: Int, outChannels: Int, kernelHeight: Int, kernelWidth: Int, strideHeight: Int = 1, strideWidth: Int = 1,
                padding: [Int] = [0, 0, 0, 0], dilationHeight: Int = 1, dilationWidth: Int = 1, groups: Int = 1) {
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.kernelHeight = kernelHeight
        self.kernelWidth = kernelWidth
        self.strideHeight = strideHeight
        self.strideWidth = strideWidth
        self.padding = padding
        self.dilationHeight = dilationHeight
        self.dilationWidth = dilationWidth
        self.groups = groups
    }

    /// Columns of the weight matrix: KH·KW·C/groups.
    public var fanIn: Int { kernelHeight * kernelWidth * (inChannels / max(groups, 1)) }

    /// Whether the spec is the plain valid, stride-1, square, ungrouped case (`LayerSpec.conv2d`).
    public var isPlainValid: Bool {
        kernelHeight == kernelWidth && strideHeight == 1 && strideWidth == 1 && padding == [0, 0, 0, 0]
            && dilationHeight == 1 && dilationWidth == 1 && groups == 1
    }

    /// Checks the numbers (each in 1…4096; channels divisible by groups; four paddings in 0…4096).
    public func validate(at field: String) throws(CIMError) {
        let positive = [inChannels, outChannels, kernelHeight, kernelWidth, strideHeight, strideWidth, dilationHeight, dilationWidth, groups]
        guard positive.allSatisfy({ (1...4096).contains($0) }) else {
            throw .invalidConfig(field: field, reason: "channels, kernel, stride, dilation and groups must be in 1…4096")
        }
        guard padding.count == 4, padding.allSatisfy({ (0...4096).contains($0) }) else {
            throw .invalidConfig(field: field, reason: "padding must be [top, left, bottom, right], each in 0…4096")
        }
        guard inChannels % groups == 0, outChannels % groups == 0 else {
            throw .invalidConfig(field: field, reason: "\(inChannels) input and \(outChannels) output channels do not split into \(groups) groups")
        }
    }

    /// Output height and width for an `h × w` input, or nil when the kernel does not fit.
    public func outputSize(height h: Int, width w: Int) -> (Int, Int)? {
        let spanH = dilationHeight * (kernelHeight - 1) + 1, spanW = dilationWidth * (kernelWidth - 1) + 1
        let ph = h + padding[0] + padding[2], pw = w + padding[1] + padding[3]
        guard ph >= spanH, pw >= spanW else { return nil }
        return ((ph - spanH) / strideHeight + 1, (pw - spanW) / strideWidth + 1)
    }

    public var description: String {
        var s = "conv \(inChannels)→\(outChannels) \(kernelHeight)×\(kernelWidth)"
        if strideHeight != 1 || strideWidth != 1 { s += " stride \(strideHeight == strideWidth ? "\(strideHeight)" : "\(strideHeight)×\(strideWidth)")" }
        if padding != [0, 0, 0, 0] { s += " pad \(Set(padding).count == 1 ? "\(padding[0])" : "\(padding)")" }
        if dilationHeight != 1 || dilationWidth != 1 { s += " dilation \(dilationHeight == dilationWidth ? "\(dilationHeight)" : "\(dilationHeight)×\(dilationWidth)")" }
        if groups != 1 { s += groups == inChannels ? " depthwise" : " groups \(groups)" }
        return s
    }
}

/// Average pooling on NHWC activations (ONNX `AveragePool`): window, stride, zero padding
/// `[top, left, bottom, right]`, floor output size; with `countIncludePad` false the divisor
/// is the number of window cells inside the image.
public struct PoolSpec: Codable, Equatable, Sendable {
    public var kernelHeight: Int
    public var kernelWidth: Int
    public var strideHeight: Int
    public var strideWidth: Int
    public var padding = [0, 0, 0, 0]
    public var countIncludePad = false

    public init(kernelHeight: Int, kernelWidth: Int, strideHeight: Int, strideWidth: Int, padding: [Int] = [0, 0, 0, 0],
                countIncludePad: Bool = false) {
        self.kernelHeight = kernelHeight
        self.kernelWidth = kernelWidth
        self.strideHeight = strideHeight
        self.strideWidth = strideWidth
        self.padding = padding
        self.countIncludePad = countIncludePad
    }

    public func validate(at field: String) throws(CIMError) {
        guard [kernelHeight, kernelWidth, strideHeight, strideWidth].allSatisfy({ (1...4096).contains($0) }),
              padding.count == 4, padding.allSatisfy({ (0...4096).contains($0) }),
              padding[0] < kernelHeight, padding[2] < kernelHeight, padding[1] < kernelWidth, padding[3] < kernelWidth else {
            throw .invalidConfig(field: field, reason: "kernel and stride must be in 1…4096 and padding smaller than the kernel")
        }
    }

    public func outputSize(height h: Int, width w: Int) -> (Int, Int)? {
        let ph = h + padding[0] + padding[2], pw = w + padding[1] + padding[3]
        guard ph >= kernelHeight, pw >= kernelWidth else { return nil }
        return ((ph - kernelHeight) / strideHeight + 1, (pw - kernelWidth) / strideWidth + 1)
    }

    public var description: String {
        "avgpool \(kernelHeight)×\(kernelWidth)" + (strideHeight != kernelHeight || strideWidth != kernelWidth ? " stride \(strideHeight)×\(strideWidth)" : "")
            + (padding != [0, 0, 0, 0] ? " pad \(padding)" : "")
    }
}
