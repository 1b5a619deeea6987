import CCIMKernels

/// im2col / col2im for strided, padded, dilated and grouped convolutions on NHWC images.
extension Im2Col {
    /// The geometry of one convolution: input `H×W×C`, kernel, stride, zero padding
    /// (top, left) and dilation, output `OH×OW`.
    public struct Geometry: Sendable {
        public var height, width, channels: Int
        public var kernelHeight, kernelWidth: Int
        public var strideHeight, strideWidth: Int
        public var padTop, padLeft: Int
        public var dilationHeight, dilationWidth: Int
        public var outHeight, outWidth: Int

        public init(height: Int, width: Int, channels: Int, kernelHeight: Int, kernelWidth: Int, strideHeight: Int, strideWidth: Int,
                    padTop: Int, padLeft: Int, dilationHeight: Int, dilationWidth: Int, outHeight: Int, outWidth: Int) {
            (self.height, self.width, self.channels) = (height, width, channels)
            (self.kernelHeight, self.kernelWidth) = (kernelHeight, kernelWidth)
            (self.strideHeight, self.strideWidth, self.padTop, self.padLeft) = (strideHeight, strideWidth, padTop, padLeft)
            (self.dilationHeight, self.dilationWidth, self.outHeight, self.outWidth) = (dilationHeight, dilationWidth, outHeight, outWidth)
        }
    }

    /// Fills `col` (`[N·OH·OW, KH·KW·groupChannels]`) with the receptive fields of channels
    /// `firstChannel ..< firstChannel + groupChannels`, laid out (kh, kw, c); padding reads 0.
    public static func im2col(_ x: UnsafePointer<Float>, batch: Int, geometry g: Geometry, firstChannel: Int, groupChannels: Int,
                              col: UnsafeMutablePointer<Float>) {
        im2col(x, geometry: g, firstChannel: firstChannel, groupChannels: groupChannels,
               rows: 0..<(batch * g.outHeight * g.outWidth), col: col)
    }

    /// The same for output rows `rows` only (row = (n·OH + i)·OW + j): `col` holds
    /// `[rows.count, KH·KW·groupChannels]`. Lets a caller work through a batch in chunks that
    /// stay in cache.
    public static func im2col(_ x: UnsafePointer<Float>, geometry g: Geometry, firstChannel: Int, groupChannels: Int,
                              rows: Range<Int>, col: UnsafeMutablePointer<Float>) {
        guard !rows.isEmpty else { return }
        // CCIMKernels: the same loop, with a kernel row's taps copied as one run where they are adjacent
        cim_im2col_general(x, g.height, g.width, g.channels, g.kernelHeight, g.kernelWidth, g.strideHeight, g.strideWidth,
                           g.padTop, g.padLeft, g.dilationHeight, g.dilationWidth, g.outHeight, g.outWidth,
                           firstChannel, groupChannels, rows.lowerBound, rows.upperBound, col)
    }

    /// Adds the column gradient of one channel group back into `dx` (`[N, H, W, C]`), the
    /// adjoint of ``im2col(_:batch:geometry:firstChannel:groupChannels:col:)``.
    public static func col2im(_ col: UnsafePointer<Float>, batch: Int, geometry g: Geometry, firstChannel: Int, groupChannels: Int,
                              dx: UnsafeMutablePointer<Float>) {
        let k = g.kernelHeight * g.kernelWidth * groupChannels
        var row = 0
        for n in 0..<batch {
            let image = dx + n * g.height * g.width * g.channels + firstChannel
            for i in 0..<g.outHeight {
                for j in 0..<g.outWidth {
                    var src = col + row * k
                    for kh in 0..<g.kernelHeight {
                        let y = i * g.strideHeight - g.padTop + kh * g.dilationHeight
                        for kw in 0..<g.kernelWidth {
                            let xx = j * g.strideWidth - g.padLeft + kw * g.dilationWidth
                            if y >= 0, y < g.height, xx >= 0, xx < g.width {
                                let d = image + (y * g.width + xx) * g.channels
                                for t in 0..<groupChannels { d[t] += src[t] }
                            }
                            src += groupChannels
                        }
                    }
                    row += 1
                }
            }
        }
    }
}
