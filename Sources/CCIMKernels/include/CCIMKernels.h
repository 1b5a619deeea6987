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
#endif
