// CCIMBLAS: run-time loader for OpenBLAS's single-precision GEMM.
//
// Debian 12's OpenBLAS 0.3.21 (DYNAMIC_ARCH) detects some current x86-64 CPUs as
// "Prescott" and then runs SGEMM about 5x slower than it could. OpenBLAS reads
// OPENBLAS_CORETYPE only while the library initialises, so a program that links
// it cannot fix this from main(). This shim therefore does not link OpenBLAS: on
// first use it picks a core type from the CPU's features (unless the user already
// set OPENBLAS_CORETYPE), then dlopen()s the library and resolves the symbols.
#ifndef CCIMBLAS_H
#define CCIMBLAS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Loads the BLAS library once (thread-safe). Returns 0 on success; on failure
/// returns -1 and cim_blas_error() describes what went wrong.
int cim_blas_load(void);

/// Human-readable reason for the last failed cim_blas_load(), or "".
const char *cim_blas_error(void);

/// Row-major C = alpha * op(A) * op(B) + beta * C, as cblas_sgemm(CblasRowMajor, ...).
/// transA / transB: 0 = no transpose, 1 = transpose. Loads the library on first use
/// and aborts with a message on stderr if it cannot be loaded.
void cim_sgemm(int transA, int transB, int m, int n, int k, float alpha,
               const float *a, int lda, const float *b, int ldb,
               float beta, float *c, int ldc);

/// OpenBLAS's name for the kernel in use (e.g. "SkylakeX"), or "unknown".
const char *cim_blas_corename(void);
/// OpenBLAS's build configuration string, or "unknown".
const char *cim_blas_config(void);
/// The OPENBLAS_CORETYPE value in force when the library was loaded ("" if none).
const char *cim_blas_coretype(void);
/// 1 if OPENBLAS_CORETYPE came from the user's environment, 0 if CIMKit chose it
/// from the CPU's features, -1 if neither (OpenBLAS's own detection).
int cim_blas_coretype_from_user(void);
/// Path or soname of the library that was loaded.
const char *cim_blas_library(void);
/// Number of threads OpenBLAS uses (1 if unknown).
int cim_blas_threads(void);
/// Sets the number of OpenBLAS threads (no-op if unsupported).
void cim_blas_set_threads(int n);

#ifdef __cplusplus
}
#endif
#endif
