/// im2col / col2im for NHWC images, stride 1, no padding ("valid" convolution).
///
/// Row r = (n·OH + oh)·OW + ow of the column matrix holds the receptive field of output
/// pixel (n, oh, ow), laid out (kh, kw, c) to match a weight matrix `[OC, KH·KW·C]`.
/// For a fixed (n, oh, ow, kh) the KW·C values are contiguous in the input, so each row
/// is KH `memcpy`-like runs.
public enum Im2Col {
    /// Output height and width of a valid convolution.
    @inlinable
    public static func outputSize(height: Int, width: Int, kernel: Int) -> (Int, Int) {
        (height - kernel + 1, width - kernel + 1)
    }

    /// Fills `col` (`[N·OH·OW, KH·KW·C]`) from `x` (`[N, H, W, C]`).
    public static func im2col(
        _ x: UnsafePointer<Float>, batch: Int, height: Int, width: Int, channels: Int,
        kernel: Int, col: UnsafeMutablePointer<Float>
    ) {
        let (oh, ow) = outputSize(height: height, width: width, kernel: kernel)
        let run = kernel * channels
        let k = kernel * run
        var row = 0
        for n in 0..<batch {
            let image = x + n * height * width * channels
            for i in 0..<oh {
                for j in 0..<ow {
                    let dst = col + row * k
                    for kh in 0..<kernel {
                        let src = image + ((i + kh) * width + j) * channels
                        (dst + kh * run).update(from: src, count: run)
                    }
                    row += 1
                }
            }
        }
    }

    /// Adds the column-matrix gradient `col` back into the image gradient `dx`
    /// (`[N, H, W, C]`, which must be zeroed by the caller).
    public static func col2im(
        _ col: UnsafePointer<Float>, batch: Int, height: Int, width: Int, channels: Int,
        kernel: Int, dx: UnsafeMutablePointer<Float>
    ) {
        let (oh, ow) = outputSize(height: height, width: width, kernel: kernel)
        let run = kernel * channels
        let k = kernel * run
        var row = 0
        for n in 0..<batch {
            let image = dx + n * height * width * channels
            for i in 0..<oh {
                for j in 0..<ow {
                    let src = col + row * k
                    for kh in 0..<kernel {
                        let dst = image + ((i + kh) * width + j) * channels
                        let s = src + kh * run
                        for t in 0..<run { dst[t] += s[t] }
                    }
                    row += 1
                }
            }
        }
    }
}
