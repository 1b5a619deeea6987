// CCIMKernels: elementwise float kernels written in C so that clang vectorises them for the
// running CPU (target_clones: AVX-512, AVX2+FMA, baseline). Swift's generic SIMD conversions
// are not specialised and ran these 10x slower.
#ifndef CCIMKERNELS_H
#define CCIMKERNELS_H
#include <stddef.h>

/// In place: x[i] = tanh(x[i]); max abs error < 3e-7.
void cim_tanh_f32(float *x, size_t n);
/// In place: x[i] = 1 / (1 + exp(-x[i])); max abs error < 3e-7.
void cim_sigmoid_f32(float *x, size_t n);
/// In place: x[i] = exp(x[i]), inputs clamped to [-87, 88]; max rel error < 5e-7.
void cim_exp_f32(float *x, size_t n);
#include <stdint.h>

/// Lanes of the vectorised Gaussian generator; its state is 4 * CIM_NORMAL_LANES words
/// (xoshiro256** word k of lane l at index k * CIM_NORMAL_LANES + l).
#define CIM_NORMAL_LANES 16
/// Fills out[0..n) with standard normal draws (Box-Muller over 16 xoshiro256** lanes, one
/// 64-bit draw per pair); advances the state by ceil(n / 32) blocks (a partial last block is
/// discarded). u1 has 31 bits, so the tail is cut at |z| <= 6.55 (P = 6e-11).
void cim_normal_fill(uint64_t *state, float *out, size_t n);
/// y[r, c] += sigma[r] * z[r, c] for a rows x cols row-major y.
void cim_add_row_scaled(float *y, size_t rows, size_t cols, const float *sigma, const float *z);
/// Input DAC with per-row abs-max scaling: scale[r] = max_c |x[r, c]| (1 if that is 0) and
/// xq[r, c] = rint((x * (1 / scale)) * L) * (1 / L) in float32 with L = 2^bits - 1, rint rounding to
/// nearest even (bits = 0: xq = x * (1 / scale), no rounding). NaN inputs never set the scale.
void cim_dac_quantize(const float *x, size_t rows, size_t cols, int bits, float *xq, float *scale);
/// Input DAC with static ranges (a calibrated layer): columns are cut into blocks of `block`
/// (a tile's rows); in block b, xq[r, c] = rint(clamp(x * (1 / ranges[b]), -1, 1) * L) / L
/// computed as rint(v * L) * (1 / L), L = 2^bits - 1 (bits = 0: xq = clamp(x * (1 / ranges[b]), -1, 1)).
void cim_dac_quantize_static(const float *x, size_t rows, size_t cols, size_t block, const float *ranges, int bits, float *xq);
/// pos = max(x, 0), neg = max(-x, 0) for a rows x cols x; rowNegative[r] = 1 if row r has an x < 0.
void cim_split_sign_rows(const float *x, size_t rows, size_t cols, float *pos, float *neg, uint8_t *rowNegative);
/// Read-noise weights of inputs x >= 0, summed over each block of `block` columns:
/// out[r * nblocks + b] = sum over the block's columns of w(x), nblocks = ceil(cols / block), where
/// bit-serial with bits > 0: w = sum_k (2^k / L)^2 b_k(q), q = rint(x * L), L = 2^bits - 1 (each
/// bit cycle reads the devices afresh); otherwise w = x^2. Order of the float32 additions, per row
/// and block: 16 partial sums over the block's full chunks of 16 columns (lane j takes columns
/// c0 + j, c0 + 16 + j, …), added in lane order to 0, then the remaining columns in order.
void cim_read_noise_block_sums(const float *x, size_t rows, size_t cols, size_t block, int bits, int bitSerial, float *out);
/// 1 if any x[i] < 0.
int cim_any_negative(const float *x, size_t n);
/// ADC: y = clamp(rint(y / step) * step, -fullScale, fullScale); step = 0: clamp only.
void cim_adc_quantize(float *y, size_t n, float step, float fullScale);

// network.c: the digital layers' hot paths.
/// y[r, c] = row[c] for a rows x cols row-major y (a bias in every row).
void cim_broadcast_rows(float *y, size_t rows, size_t cols, const float *row);
/// out[c] = sum over r of a[r, c], rows added in order (a bias gradient).
void cim_column_sums(const float *a, size_t rows, size_t cols, float *out);
/// Max pooling of an NHWC x (n, h, w, c) over size x size windows, stride size (floor):
/// y[b, i, j, ch] = the maximum over the window, argmax = its index in x (the first maximum in
/// row-major window order; a NaN never wins after the first element).
void cim_maxpool_argmax(const float *x, size_t n, size_t h, size_t w, size_t c, size_t size, float *y, int32_t *argmax);
/// The same maximum without the argmax (inference).
void cim_maxpool(const float *x, size_t n, size_t h, size_t w, size_t c, size_t size, float *y);
/// dx[argmax[o]] += dy[o] for o < count (dx zeroed by the caller).
void cim_maxpool_backward(const float *dy, const int32_t *argmax, size_t count, float *dx);
/// im2col of a valid (stride 1, unpadded) k x k convolution of an NHWC x (n, h, w, c):
/// col[(b·OH + i)·OW + j, (kh·k + kw)·c + ch] = x[b, i + kh, j + kw, ch] (as Im2Col.im2col).
void cim_im2col_valid(const float *x, size_t n, size_t h, size_t w, size_t c, size_t k, float *col);
/// im2col of a strided, padded, dilated, grouped convolution of an NHWC x (., h, w, c), output
/// rows rowStart..<rowEnd (row = (b·OH + i)·OW + j), channels firstChannel..<firstChannel + gc,
/// laid out (kh, kw, ch); taps outside the image read 0 (as Im2Col.im2col(_:geometry:…)).
void cim_im2col_general(const float *x, size_t h, size_t w, size_t c, size_t kh, size_t kw, size_t sh, size_t sw,
                        ptrdiff_t padTop, ptrdiff_t padLeft, size_t dh, size_t dw, size_t oh, size_t ow,
                        size_t firstChannel, size_t gc, size_t rowStart, size_t rowEnd, float *col);
/// glibc: freed blocks up to `bytes` stay in the process (M_MMAP_THRESHOLD and M_TRIM_THRESHOLD,
/// capped at 2^31 - 1) instead of going back to the kernel; 0 on success, 1 elsewhere.
int cim_keep_freed_memory(size_t bytes);
#endif
