import CIMCore
import Testing

/// The general im2col (CCIMKernels) against its definition, element by element: strides,
/// asymmetric padding, dilation, channel groups, and row ranges that start mid-image.
@Suite("im2col: strided, padded, dilated, grouped")
struct Im2ColGeneralTests {
    /// col[r, (kh·KW + kw)·gc + t] = x[n, i·sh − pt + kh·dh, j·sw − pl + kw·dw, first + t], or 0 outside.
    func reference(_ x: [Float], _ g: Im2Col.Geometry, first: Int, gc: Int, rows: Range<Int>) -> [Float] {
        var out: [Float] = []
        let per = g.outHeight * g.outWidth
        for r in rows {
            let n = r / per, i = (r % per) / g.outWidth, j = r % g.outWidth
            for kh in 0..<g.kernelHeight {
                for kw in 0..<g.kernelWidth {
                    let y = i * g.strideHeight - g.padTop + kh * g.dilationHeight
                    let xx = j * g.strideWidth - g.padLeft + kw * g.dilationWidth
                    for t in 0..<gc {
                        let inside = y >= 0 && y < g.height && xx >= 0 && xx < g.width
                        out.append(inside ? x[((n * g.height + y) * g.width + xx) * g.channels + first + t] : 0)
                    }
                }
            }
        }
        return out
    }

    @Test("every tap equals the definition", arguments: [
        // (H, W, C, KH, KW, stride, pad top/left, pad bottom/right, dilation, groups)
        [8, 8, 16, 3, 3, 1, 1, 1, 1, 1], [9, 7, 4, 3, 3, 2, 1, 1, 1, 1], [8, 8, 6, 3, 3, 1, 1, 1, 1, 6],
        [10, 10, 4, 3, 3, 1, 2, 2, 2, 2], [7, 9, 3, 1, 1, 2, 0, 0, 1, 1], [6, 6, 2, 5, 5, 1, 0, 1, 1, 1],
        [5, 5, 3, 4, 2, 3, 2, 0, 1, 3],
    ])
    func matchesDefinition(_ p: [Int]) {
        let (h, w, c, kh, kw, s, pa, pb, d, groups) = (p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8], p[9])
        let oh = (h + pa + pb - d * (kh - 1) - 1) / s + 1, ow = (w + pa + pb - d * (kw - 1) - 1) / s + 1
        let g = Im2Col.Geometry(height: h, width: w, channels: c, kernelHeight: kh, kernelWidth: kw, strideHeight: s, strideWidth: s,
                                padTop: pa, padLeft: pa, dilationHeight: d, dilationWidth: d, outHeight: oh, outWidth: ow)
        let batch = 3
        var rng = RandomGenerator(seed: 7)
        let x = (0..<(batch * h * w * c)).map { _ in rng.uniform(-1, 1) }
        let gc = c / groups
        for group in 0..<groups {
            for rows in [0..<(batch * oh * ow), (oh * ow / 2)..<(2 * oh * ow + 1)] {
                var col = [Float](repeating: .nan, count: rows.count * kh * kw * gc)
                x.withUnsafeBufferPointer { xp in
                    col.withUnsafeMutableBufferPointer { cp in
                        Im2Col.im2col(xp.baseAddress!, geometry: g, firstChannel: group * gc, groupChannels: gc, rows: rows, col: cp.baseAddress!)
                    }
                }
                #expect(col.map(\.bitPattern) == reference(x, g, first: group * gc, gc: gc, rows: rows).map(\.bitPattern), "\(p) group \(group) rows \(rows)")
            }
        }
    }
}
