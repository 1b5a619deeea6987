// Run-time OpenBLAS loader: see include/CCIMBLAS.h for why this exists.
#define _GNU_SOURCE
#include "CCIMBLAS.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { RowMajor = 101, NoTrans = 111, Trans = 112 };

typedef void (*sgemm_fn)(int, int, int, int, int, int, float, const float *, int,
                         const float *, int, float, float *, int);
typedef char *(*str_fn)(void);
typedef int (*int_fn)(void);
typedef void (*set_threads_fn)(int);

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int load_status = -1;
static char error_text[512] = "";
static char coretype[64] = "";
static char library_name[512] = "";
static int coretype_from_user = -1;
static sgemm_fn p_sgemm;
static str_fn p_corename, p_config;
static int_fn p_get_threads;
static set_threads_fn p_set_threads;

/// Chooses an OpenBLAS core type from the CPU's instruction-set extensions.
static const char *core_type_for_this_cpu(void) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq"))
        return "SkylakeX";
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
        return "Haswell";
    if (__builtin_cpu_supports("avx"))
        return "SandyBridge";
#endif
    return NULL; // leave it to OpenBLAS
}

static void load_once(void) {
    const char *user = getenv("OPENBLAS_CORETYPE");
    if (user && *user) {
        coretype_from_user = 1;
        snprintf(coretype, sizeof coretype, "%s", user);
    } else {
        const char *chosen = core_type_for_this_cpu();
        if (chosen) {
            setenv("OPENBLAS_CORETYPE", chosen, 1);
            coretype_from_user = 0;
            snprintf(coretype, sizeof coretype, "%s", chosen);
        }
    }
    const char *candidates[] = {getenv("CIMKIT_BLAS_LIBRARY"), "libopenblas.so.0", "libopenblas.so",
                                "libopenblas.dylib"};
    void *handle = NULL;
    for (size_t i = 0; i < sizeof candidates / sizeof candidates[0] && !handle; i++) {
        if (!candidates[i] || !*candidates[i]) continue;
        handle = dlopen(candidates[i], RTLD_NOW | RTLD_LOCAL);
        if (handle) snprintf(library_name, sizeof library_name, "%s", candidates[i]);
    }
    if (!handle) {
        snprintf(error_text, sizeof error_text,
                 "cannot load OpenBLAS (libopenblas.so.0): %s; install it with "
                 "'apt-get install libopenblas0' or set CIMKIT_BLAS_LIBRARY",
                 dlerror());
        return;
    }
    p_sgemm = (sgemm_fn)dlsym(handle, "cblas_sgemm");
    if (!p_sgemm) {
        snprintf(error_text, sizeof error_text, "%s has no cblas_sgemm symbol", library_name);
        return;
    }
    p_corename = (str_fn)dlsym(handle, "openblas_get_corename");
    p_config = (str_fn)dlsym(handle, "openblas_get_config");
    p_get_threads = (int_fn)dlsym(handle, "openblas_get_num_threads");
    p_set_threads = (set_threads_fn)dlsym(handle, "openblas_set_num_threads");
    load_status = 0;
}

int cim_blas_load(void) {
    pthread_once(&once, load_once);
    return load_status;
}

const char *cim_blas_error(void) { return error_text; }

void cim_sgemm(int transA, int transB, int m, int n, int k, float alpha,
               const float *a, int lda, const float *b, int ldb,
               float beta, float *c, int ldc) {
    if (cim_blas_load() != 0) {
        fprintf(stderr, "error: %s\n", error_text);
        abort();
    }
    p_sgemm(RowMajor, transA ? Trans : NoTrans, transB ? Trans : NoTrans, m, n, k, alpha, a, lda,
            b, ldb, beta, c, ldc);
}

const char *cim_blas_corename(void) {
    if (cim_blas_load() != 0 || !p_corename) return "unknown";
    return p_corename();
}

const char *cim_blas_config(void) {
    if (cim_blas_load() != 0 || !p_config) return "unknown";
    return p_config();
}

const char *cim_blas_coretype(void) {
    cim_blas_load();
    return coretype;
}

int cim_blas_coretype_from_user(void) {
    cim_blas_load();
    return coretype_from_user;
}

const char *cim_blas_library(void) {
    cim_blas_load();
    return library_name;
}

int cim_blas_threads(void) {
    if (cim_blas_load() != 0 || !p_get_threads) return 1;
    return p_get_threads();
}

void cim_blas_set_threads(int n) {
    if (cim_blas_load() != 0 || !p_set_threads) return;
    p_set_threads(n);
}
