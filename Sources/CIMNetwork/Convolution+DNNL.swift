import CCIMDNNL
import CIMCore
import Foundation

/// The oneDNN primitive of one ``Convolution`` for one input shape, shared by copies of the
/// layer until one of them runs (then each copy makes its own). It runs with as many threads
/// as OpenBLAS has (`BLAS.threads`: 1 in `cim train` by default, `--threads N`).
final class DNNLConvolution: @unchecked Sendable {
    var handle: OpaquePointer?
    var shape: [Int] = []

    deinit { cim_dnnl_conv_destroy(handle) }

    /// Whether the digital inference of general convolutions uses oneDNN: yes, unless
    /// `CIMKIT_CONV=im2col` (for comparisons).
    static let enabled = ProcessInfo.processInfo.environment["CIMKIT_CONV"] != "im2col"
}

extension Convolution {
    /// `y = conv(x) + b` through oneDNN (NHWC, the layer's weights `[OC, KH, KW, C/g]`), or nil
    /// when oneDNN cannot make the primitive (the caller falls back to im2col + GEMM).
    mutating func dnnlForward(_ x: Tensor, parameters: UnsafePointer<Float>) -> Tensor? {
        if !isKnownUniquelyReferenced(&dnnl) { dnnl = DNNLConvolution() }
        let (n, h, w) = (x.shape[0], x.shape[1], x.shape[2])
        guard let (oh, ow) = spec.outputSize(height: h, width: w) else { return nil }
        if dnnl.shape != x.shape || dnnl.handle == nil {
            cim_dnnl_conv_destroy(dnnl.handle)
            dnnl.handle = nil
            let s = spec
            var error = [CChar](repeating: 0, count: 256)
            dnnl.handle = cim_dnnl_conv_create(Int32(n), Int32(s.inChannels), Int32(h), Int32(w), Int32(s.outChannels), Int32(oh), Int32(ow),
                                               Int32(s.kernelHeight), Int32(s.kernelWidth), Int32(s.strideHeight), Int32(s.strideWidth),
                                               Int32(s.padding[0]), Int32(s.padding[1]), Int32(s.padding[2]), Int32(s.padding[3]),
                                               Int32(s.dilationHeight), Int32(s.dilationWidth), Int32(s.groups), &error, 256)
            dnnl.shape = x.shape
        }
        guard let handle = dnnl.handle else { return nil }
        var y = Tensor(zeros: [n, oh, ow, spec.outChannels])
        let status = x.data.withUnsafeBufferPointer { xp in
            y.data.withUnsafeMutableBufferPointer { yp in
                cim_dnnl_conv_run(handle, xp.baseAddress!, parameters, parameters + spec.outChannels * spec.fanIn, yp.baseAddress!,
                                  Int32(BLAS.threads))
            }
        }
        return status == 0 ? y : nil
    }
}
