// Vectorisable exp / tanh / sigmoid. exp(y) = 2^k * e^r with k = rint(y*log2(e)),
// r = y - k*ln2 (Cody-Waite split, |r| <= ln2/2), e^r by a degree-7 Taylor polynomial
// (truncation < 6e-9 relative); 2^k is built in the exponent bits.
#include "CCIMKernels.h"
// No fused multiply-add contraction: the AVX2/AVX-512 and baseline copies of every function must
// round identically, so results do not depend on the CPU they run on.
#pragma clang fp contract(off)
#include <stdint.h>
#include <string.h>

#include "cim_clones.h"

static inline float exp_core(float y) {
    y = y < -87.0f ? -87.0f : (y > 88.0f ? 88.0f : y);
    float k = __builtin_rintf(y * 1.44269504f);
    float r = (y - k * 0.693145751953125f) - k * 1.428606765330187e-6f;
    float p = 1.0f / 5040.0f;
    p = p * r + 1.0f / 720.0f;
    p = p * r + 1.0f / 120.0f;
    p = p * r + 1.0f / 24.0f;
    p = p * r + 1.0f / 6.0f;
    p = p * r + 0.5f;
    p = p * r + 1.0f;
    p = p * r + 1.0f;
    int32_t bits = ((int32_t)k + 127) << 23;
    float scale;
    memcpy(&scale, &bits, sizeof scale);
    return p * scale;
}

CIM_CLONES void cim_exp_f32(float *x, size_t n) {
    for (size_t i = 0; i < n; i++) x[i] = exp_core(x[i]);
}

CIM_CLONES void cim_tanh_f32(float *x, size_t n) {
    for (size_t i = 0; i < n; i++) {
        float v = x[i];
        float a = v < 0 ? -v : v;
        float e = exp_core(-2.0f * a);
        float t = (1.0f - e) / (1.0f + e);
        x[i] = v < 0 ? -t : t;
    }
}

CIM_CLONES void cim_sigmoid_f32(float *x, size_t n) {
    for (size_t i = 0; i < n; i++) x[i] = 1.0f / (1.0f + exp_core(-x[i]));
}
