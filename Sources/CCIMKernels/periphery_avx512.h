// AVX-512 versions of two periphery kernels (DAC quantisation, read-noise block sums), chosen at
// run time when the CPU has AVX-512F. Private to periphery.c. They give the same bits as the
// portable code (periphery.c): the DAC is element-wise (and a maximum, which does not depend on
// the order), and the block sums keep the portable code's order of additions, one row per lane
// (16 rows at a time; a 16×16 transpose turns each row's partial sums into lanes).
#ifndef CIM_PERIPHERY_AVX512_H
#define CIM_PERIPHERY_AVX512_H
#if defined(__x86_64__) && defined(__clang__)
#define CIM_HAVE_AVX512_PATH 1
#include <immintrin.h>

static int cim_has_avx512(void) {
    static int cached = -1;  // every thread computes the same value
    int v = __atomic_load_n(&cached, __ATOMIC_RELAXED);
    if (v < 0) {
        v = __builtin_cpu_supports("avx512f") ? 1 : 0;
        __atomic_store_n(&cached, v, __ATOMIC_RELAXED);
    }
    return v;
}

#define CIM_AVX512 __attribute__((target("avx512f")))
#define CIM_ROUND_NEAREST (_MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)

// noise_weight (periphery.c) on 16 lanes.
CIM_AVX512 static inline __m512 noise_weight16(__m512 x, __m512 levels, __m512 invL2, int serial) {
    if (!serial) return _mm512_mul_ps(x, x);
    __m512i q = _mm512_cvtps_epi32(_mm512_roundscale_ps(_mm512_mul_ps(x, levels), CIM_ROUND_NEAREST));
    q = _mm512_and_si512(q, _mm512_set1_epi32(0xffff));
    q = _mm512_and_si512(_mm512_or_si512(q, _mm512_slli_epi32(q, 8)), _mm512_set1_epi32(0x00ff00ff));
    q = _mm512_and_si512(_mm512_or_si512(q, _mm512_slli_epi32(q, 4)), _mm512_set1_epi32(0x0f0f0f0f));
    q = _mm512_and_si512(_mm512_or_si512(q, _mm512_slli_epi32(q, 2)), _mm512_set1_epi32(0x33333333));
    q = _mm512_and_si512(_mm512_or_si512(q, _mm512_slli_epi32(q, 1)), _mm512_set1_epi32(0x55555555));
    return _mm512_mul_ps(_mm512_cvtepi32_ps(q), invL2);
}

// In place: afterwards lane l of r[j] holds what lane j of r[l] held.
CIM_AVX512 static inline void transpose16(__m512 r[16]) {
    __m512 t[16];
    for (int i = 0; i < 8; i++) {
        t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
        t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
    }
    for (int i = 0; i < 4; i++) {
        r[4 * i] = _mm512_shuffle_ps(t[4 * i], t[4 * i + 2], 0x44);
        r[4 * i + 1] = _mm512_shuffle_ps(t[4 * i], t[4 * i + 2], 0xEE);
        r[4 * i + 2] = _mm512_shuffle_ps(t[4 * i + 1], t[4 * i + 3], 0x44);
        r[4 * i + 3] = _mm512_shuffle_ps(t[4 * i + 1], t[4 * i + 3], 0xEE);
    }
    for (int i = 0; i < 4; i++) {
        t[i] = _mm512_shuffle_f32x4(r[i], r[i + 4], 0x88);
        t[i + 4] = _mm512_shuffle_f32x4(r[i], r[i + 4], 0xdd);
        t[i + 8] = _mm512_shuffle_f32x4(r[i + 8], r[i + 12], 0x88);
        t[i + 12] = _mm512_shuffle_f32x4(r[i + 8], r[i + 12], 0xdd);
    }
    for (int i = 0; i < 8; i++) {
        r[i] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0x88);
        r[i + 8] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0xdd);
    }
}

// cim_dac_quantize on every row: the same products and roundings as the portable code
// ((x * (1 / m)) * L, round to nearest even, * (1 / L)); the row maximum ignores NaN as it does.
CIM_AVX512 static void dac_quantize_avx512(const float *x, size_t rows, size_t cols, int bits, float *xq, float *scale) {
    float levelsS = bits > 0 ? (float)((1u << bits) - 1) : 0.0f;
    __m512 levels = _mm512_set1_ps(levelsS), invL = _mm512_set1_ps(bits > 0 ? 1.0f / levelsS : 0.0f);
    size_t full = cols / 16 * 16, tail = cols - full;
    __mmask16 k = (__mmask16)((1u << tail) - 1);
    for (size_t r = 0; r < rows; r++) {
        const float *xr = x + r * cols;
        float *qr = xq + r * cols;
        __m512 mv = _mm512_setzero_ps();
        for (size_t c = 0; c < full; c += 16) mv = _mm512_max_ps(_mm512_abs_ps(_mm512_loadu_ps(xr + c)), mv);
        if (tail) mv = _mm512_max_ps(_mm512_abs_ps(_mm512_maskz_loadu_ps(k, xr + full)), mv);
        float m = _mm512_reduce_max_ps(mv);
        if (!(m > 0.0f)) m = 1.0f;
        scale[r] = m;
        __m512 inv = _mm512_set1_ps(1.0f / m);
        if (bits > 0) {
            for (size_t c = 0; c < full; c += 16) {
                __m512 v = _mm512_mul_ps(_mm512_mul_ps(_mm512_loadu_ps(xr + c), inv), levels);
                _mm512_storeu_ps(qr + c, _mm512_mul_ps(_mm512_roundscale_ps(v, CIM_ROUND_NEAREST), invL));
            }
            if (tail) {
                __m512 v = _mm512_mul_ps(_mm512_mul_ps(_mm512_maskz_loadu_ps(k, xr + full), inv), levels);
                _mm512_mask_storeu_ps(qr + full, k, _mm512_mul_ps(_mm512_roundscale_ps(v, CIM_ROUND_NEAREST), invL));
            }
        } else {
            for (size_t c = 0; c < full; c += 16) _mm512_storeu_ps(qr + c, _mm512_mul_ps(_mm512_loadu_ps(xr + c), inv));
            if (tail) _mm512_mask_storeu_ps(qr + full, k, _mm512_mul_ps(_mm512_maskz_loadu_ps(k, xr + full), inv));
        }
    }
}

// cim_read_noise_block_sums on rows 0..⌊rows/16⌋·16, 16 rows at a time (lane l = row r + l).
// Needs blocks · 16 < 2^31 (the scatter's indices).
CIM_AVX512 static void read_noise_block_sums_avx512(const float *x, size_t rows, size_t cols, size_t block, int bits, int bitSerial,
                                                    float *out) {
    int serial = bitSerial && bits > 0;
    float levelsS = bits > 0 ? (float)((1u << bits) - 1) : 0.0f;
    __m512 levels = _mm512_set1_ps(levelsS), invL2 = _mm512_set1_ps(bits > 0 ? 1.0f / (levelsS * levelsS) : 0.0f);
    size_t blocks = (cols + block - 1) / block;
    __m512i outIdx = _mm512_mullo_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                                        _mm512_set1_epi32((int)blocks));
    __m512 m[16];
    for (size_t r = 0; r + 16 <= rows; r += 16) {
        const float *xr = x + r * cols;
        for (size_t b = 0; b < blocks; b++) {
            size_t c0 = b * block, c1 = c0 + block < cols ? c0 + block : cols;
            size_t full = (c1 - c0) / 16 * 16, tail = c1 - c0 - full;
            __m512 total = _mm512_setzero_ps();
            if (full) {
                // each row's 16 partial sums, then added in lane order (0 + acc_0 + … + acc_15)
                for (int l = 0; l < 16; l++) {
                    const float *p = xr + l * cols + c0;
                    __m512 a = _mm512_setzero_ps();
                    for (size_t c = 0; c < full; c += 16) a = _mm512_add_ps(a, noise_weight16(_mm512_loadu_ps(p + c), levels, invL2, serial));
                    m[l] = a;
                }
                transpose16(m);
                for (int j = 0; j < 16; j++) total = _mm512_add_ps(total, m[j]);
            }
            if (tail) {
                // the remaining columns in order (masked lanes read as 0 and are never added)
                __mmask16 k = (__mmask16)((1u << tail) - 1);
                for (int l = 0; l < 16; l++) m[l] = noise_weight16(_mm512_maskz_loadu_ps(k, xr + l * cols + c0 + full), levels, invL2, serial);
                transpose16(m);
                for (size_t j = 0; j < tail; j++) total = _mm512_add_ps(total, m[j]);
            }
            _mm512_i32scatter_ps(out + r * blocks + b, outIdx, total, 4);
        }
    }
}
#else
#define CIM_HAVE_AVX512_PATH 0
#endif
#endif
