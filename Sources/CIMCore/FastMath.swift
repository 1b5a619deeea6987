import CCIMKernels

/// Vectorised elementwise `exp`, `tanh` and the logistic sigmoid over Float buffers.
///
/// glibc's scalar `tanhf` costs ~20 ns an element, which made tanh the bottleneck of `cnn16`
/// (11 k activations an image). The kernels live in C (`CCIMKernels`) and are compiled for
/// AVX-512, AVX2 and baseline x86-64, chosen at load time:
/// `exp(y) = 2ᵏ · e^r` with `k = rint(y·log₂e)`, `r = y − k·ln2` (Cody–Waite split of ln 2) and a
/// degree-7 Taylor polynomial for `e^r`; `tanh(x) = sign(x)·(1 − e)/(1 + e)` with
/// `e = exp(−2|x|)`; `σ(x) = 1/(1 + exp(−x))`. Maximum absolute error against libm is below
/// 3e-7 (tested).
public enum FastMath {
    /// In place: `p[i] = tanh(p[i])`.
    public static func tanh(_ p: UnsafeMutableBufferPointer<Float>) {
        if let base = p.baseAddress { cim_tanh_f32(base, p.count) }
    }
    /// In place: `p[i] = 1 / (1 + exp(−p[i]))`.
    public static func sigmoid(_ p: UnsafeMutableBufferPointer<Float>) {
        if let base = p.baseAddress { cim_sigmoid_f32(base, p.count) }
    }
    /// In place: `p[i] = exp(p[i])` (inputs clamped to [−87, 88]).
    public static func exp(_ p: UnsafeMutableBufferPointer<Float>) {
        if let base = p.baseAddress { cim_exp_f32(base, p.count) }
    }
}
