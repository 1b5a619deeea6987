// Kernels of the crossbar periphery: a vectorised Gaussian generator (16 xoshiro256** lanes +
// Box-Muller with polynomial log/sin/cos), DAC input quantisation, the bit-serial read-noise
// weights, and the ADC quantiser. See CCIMKernels.h for the contracts.
#include "CCIMKernels.h"
// No fused multiply-add contraction: the AVX2/AVX-512 and baseline copies of every function must
// round identically, so results do not depend on the CPU they run on.
#pragma clang fp contract(off)
#include <stdint.h>
#include <string.h>
#include <math.h>

#include "cim_clones.h"

#define LANES CIM_NORMAL_LANES

static inline uint64_t rotl64(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

// ln(u) for u in (0, 1]: u = 2^e * m with m in [sqrt(1/2), sqrt(2)); ln m = 2 atanh(s),
// s = (m - 1)/(m + 1), |s| <= 0.172, series to s^9 (truncation < 1e-8).
static inline __attribute__((always_inline)) float log_core(float u) {
    uint32_t bits;
    memcpy(&bits, &u, sizeof bits);
    int32_t e = (int32_t)((bits >> 23) & 0xff) - 127;
    uint32_t mb = (bits & 0x007fffffu) | 0x3f800000u;
    float m;
    memcpy(&m, &mb, sizeof m);
    if (m > 1.41421356f) { m *= 0.5f; e += 1; }
    float s = (m - 1.0f) / (m + 1.0f);
    float s2 = s * s;
    float p = 1.0f / 9.0f;
    p = p * s2 + 1.0f / 7.0f;
    p = p * s2 + 1.0f / 5.0f;
    p = p * s2 + 1.0f / 3.0f;
    p = p * s2 + 1.0f;
    return 2.0f * s * p + (float)e * 0.69314718f;
}

// sin and cos of 2*pi*t for t in [0, 1): quadrant q = rint(4t), r = 2*pi*(t - q/4) in
// [-pi/4, pi/4]; Taylor to r^9 / r^8 (error < 4e-7), then rotate by q quarter turns.
static inline __attribute__((always_inline)) void sincos2pi(float t, float *sn, float *cs) {
    float q = __builtin_rintf(4.0f * t);
    float r = 6.28318531f * (t - 0.25f * q);
    float r2 = r * r;
    float s = r * (1.0f + r2 * (-1.0f / 6 + r2 * (1.0f / 120 + r2 * (-1.0f / 5040 + r2 * (1.0f / 362880)))));
    float c = 1.0f + r2 * (-0.5f + r2 * (1.0f / 24 + r2 * (-1.0f / 720 + r2 * (1.0f / 40320))));
    int qi = ((int)q) & 3;
    float so = qi == 0 ? s : (qi == 1 ? c : (qi == 2 ? -s : -c));
    float co = qi == 0 ? c : (qi == 1 ? -s : (qi == 2 ? -c : s));
    *sn = so;
    *cs = co;
}

// One block: every lane advances once and yields two normals (out[0..LANES) and
// out[LANES..2*LANES)). Three lane loops (generate, convert, transform) so each vectorises.
static inline __attribute__((always_inline)) void normal_block(uint64_t *restrict st, float *restrict out) {
    uint64_t *restrict s0 = st, *restrict s1 = st + LANES, *restrict s2 = st + 2 * LANES, *restrict s3 = st + 3 * LANES;
    uint64_t x[LANES];
    for (int l = 0; l < LANES; l++) {
        x[l] = rotl64(s1[l] * 5, 7) * 9;
        uint64_t t = s1[l] << 17;
        s2[l] ^= s0[l];
        s3[l] ^= s1[l];
        s1[l] ^= s2[l];
        s0[l] ^= s3[l];
        s2[l] ^= t;
        s3[l] = rotl64(s3[l], 45);
    }
    float u1[LANES], u2[LANES];
    for (int l = 0; l < LANES; l++) {
        u1[l] = ((float)(int32_t)(x[l] >> 33) + 1.0f) * 4.6566129e-10f;  // (0, 1], 31 bits
        u2[l] = (float)(int32_t)((uint32_t)x[l] >> 8) * 5.9604645e-8f;           // [0, 1), 24 bits
    }
    for (int l = 0; l < LANES; l++) {
        float rad = __builtin_elementwise_sqrt(-2.0f * log_core(u1[l]));
        float sn, cs;
        sincos2pi(u2[l], &sn, &cs);
        out[l] = rad * cs;
        out[LANES + l] = rad * sn;
    }
}

CIM_CLONES void cim_normal_fill(uint64_t *state, float *out, size_t n) {
    size_t full = n / (2 * LANES);
    for (size_t b = 0; b < full; b++) normal_block(state, out + b * 2 * LANES);
    size_t rest = n - full * 2 * LANES;
    if (rest) {
        float tmp[2 * LANES];
        normal_block(state, tmp);
        memcpy(out + full * 2 * LANES, tmp, rest * sizeof(float));
    }
}

CIM_CLONES void cim_add_row_scaled(float *y, size_t rows, size_t cols, const float *sigma, const float *z) {
    for (size_t r = 0; r < rows; r++) {
        float s = sigma[r];
        float *yr = y + r * cols;
        const float *zr = z + r * cols;
        for (size_t c = 0; c < cols; c++) yr[c] += s * zr[c];
    }
}

// Reductions use 16 partial accumulators (a fixed order, so results do not depend on the
// vector width) so that they vectorise without -ffast-math.
static inline __attribute__((always_inline)) float abs_max(const float *x, size_t n) {
    float m[16] = {0};
    size_t c = 0;
    for (; c + 16 <= n; c += 16)
        for (int j = 0; j < 16; j++) { float a = fabsf(x[c + j]); m[j] = a > m[j] ? a : m[j]; }
    float r = 0.0f;
    for (; c < n; c++) { float a = fabsf(x[c]); r = a > r ? a : r; }
    for (int j = 0; j < 16; j++) r = m[j] > r ? m[j] : r;
    return r;
}

#include "periphery_avx512.h"

// cim_dac_quantize in portable C (the copy every CPU can run).
CIM_CLONES static void dac_quantize_rows(const float *x, size_t rows, size_t cols, int bits, float *xq, float *scale) {
    float levels = bits > 0 ? (float)((1u << bits) - 1) : 0.0f;
    for (size_t r = 0; r < rows; r++) {
        const float *xr = x + r * cols;
        float *qr = xq + r * cols;
        float m = abs_max(xr, cols);
        if (!(m > 0.0f)) m = 1.0f;
        scale[r] = m;
        float inv = 1.0f / m;
        if (bits > 0) {
            float invL = 1.0f / levels;
            for (size_t c = 0; c < cols; c++) qr[c] = __builtin_rintf(xr[c] * inv * levels) * invL;
        } else {
            for (size_t c = 0; c < cols; c++) qr[c] = xr[c] * inv;
        }
    }
}

void cim_dac_quantize(const float *x, size_t rows, size_t cols, int bits, float *xq, float *scale) {
#if CIM_HAVE_AVX512_PATH
    if (cim_has_avx512()) { dac_quantize_avx512(x, rows, cols, bits, xq, scale); return; }
#endif
    dac_quantize_rows(x, rows, cols, bits, xq, scale);
}

CIM_CLONES void cim_dac_quantize_static(const float *x, size_t rows, size_t cols, size_t block, const float *ranges, int bits,
                                        float *xq) {
    float levels = bits > 0 ? (float)((1u << bits) - 1) : 0.0f;
    float invL = bits > 0 ? 1.0f / levels : 0.0f;
    size_t blocks = (cols + block - 1) / block;
    for (size_t r = 0; r < rows; r++) {
        const float *xr = x + r * cols;
        float *qr = xq + r * cols;
        for (size_t b = 0; b < blocks; b++) {
            size_t c0 = b * block, c1 = c0 + block < cols ? c0 + block : cols;
            float inv = 1.0f / ranges[b];
            if (bits > 0) {
                for (size_t c = c0; c < c1; c++) {
                    float v = xr[c] * inv;
                    v = v > 1.0f ? 1.0f : (v < -1.0f ? -1.0f : v);
                    qr[c] = __builtin_rintf(v * levels) * invL;
                }
            } else {
                for (size_t c = c0; c < c1; c++) {
                    float v = xr[c] * inv;
                    qr[c] = v > 1.0f ? 1.0f : (v < -1.0f ? -1.0f : v);
                }
            }
        }
    }
}

CIM_CLONES void cim_split_sign_rows(const float *x, size_t rows, size_t cols, float *pos, float *neg, uint8_t *rowNegative) {
    for (size_t r = 0; r < rows; r++) {
        const float *xr = x + r * cols;
        float *pr = pos + r * cols, *nr = neg + r * cols;
        int any = 0;
        for (size_t c = 0; c < cols; c++) {
            float v = xr[c];
            pr[c] = v > 0.0f ? v : 0.0f;
            nr[c] = v < 0.0f ? -v : 0.0f;
            any |= v < 0.0f;
        }
        rowNegative[r] = (uint8_t)any;
    }
}

static inline __attribute__((always_inline)) float noise_weight(float x, float levels, float invL2, int serial) {
    if (serial) {
        uint32_t q = (uint32_t)(int32_t)__builtin_rintf(x * levels) & 0xffffu;
        // sum_k 4^k b_k(q): spread the bits of q to the even positions
        q = (q | (q << 8)) & 0x00ff00ffu;
        q = (q | (q << 4)) & 0x0f0f0f0fu;
        q = (q | (q << 2)) & 0x33333333u;
        q = (q | (q << 1)) & 0x55555555u;
        return (float)q * invL2;
    }
    return x * x;
}

// Rows r0..rows of cim_read_noise_block_sums, in portable C; per row and block: 16 partial sums
// over the full chunks of 16 columns (lane j takes columns j, j + 16, …), added in lane order to
// 0, then the remaining columns in order. The AVX-512 path keeps this order exactly.
CIM_CLONES static void read_noise_block_sums_rows(const float *x, size_t r0, size_t rows, size_t cols, size_t block, int bits,
                                                  int bitSerial, float *out) {
    int serial = bitSerial && bits > 0;
    float levels = bits > 0 ? (float)((1u << bits) - 1) : 0.0f;
    float invL2 = bits > 0 ? 1.0f / (levels * levels) : 0.0f;
    size_t blocks = (cols + block - 1) / block;
    for (size_t r = r0; r < rows; r++) {
        const float *xr = x + r * cols;
        for (size_t b = 0; b < blocks; b++) {
            size_t c0 = b * block, c1 = c0 + block < cols ? c0 + block : cols, c = c0;
            float acc[16] = {0};
            for (; c + 16 <= c1; c += 16)
                for (int j = 0; j < 16; j++) acc[j] += noise_weight(xr[c + j], levels, invL2, serial);
            float total = 0.0f;
            for (int j = 0; j < 16; j++) total += acc[j];
            for (; c < c1; c++) total += noise_weight(xr[c], levels, invL2, serial);
            out[r * blocks + b] = total;
        }
    }
}

void cim_read_noise_block_sums(const float *x, size_t rows, size_t cols, size_t block, int bits, int bitSerial,
                                                     float *out) {
    size_t r0 = 0;
#if CIM_HAVE_AVX512_PATH
    size_t blocks = (cols + block - 1) / block;
    if (rows >= 16 && blocks <= (size_t)INT32_MAX / 16 && cim_has_avx512()) {
        read_noise_block_sums_avx512(x, rows, cols, block, bits, bitSerial, out);
        r0 = rows / 16 * 16;
    }
#endif
    read_noise_block_sums_rows(x, r0, rows, cols, block, bits, bitSerial, out);
}

CIM_CLONES int cim_any_negative(const float *x, size_t n) {
    int any = 0;
    for (size_t i = 0; i < n; i++) any |= x[i] < 0.0f;
    return any;
}

CIM_CLONES void cim_adc_quantize(float *y, size_t n, float step, float fullScale) {
    if (step > 0.0f) {
        float inv = 1.0f / step;
        for (size_t i = 0; i < n; i++) {
            float v = __builtin_rintf(y[i] * inv) * step;
            y[i] = v > fullScale ? fullScale : (v < -fullScale ? -fullScale : v);
        }
    } else if (fullScale < INFINITY) {
        for (size_t i = 0; i < n; i++) {
            float v = y[i];
            y[i] = v > fullScale ? fullScale : (v < -fullScale ? -fullScale : v);
        }
    }
}
