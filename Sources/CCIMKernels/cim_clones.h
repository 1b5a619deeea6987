// CIM_CLONES: compile a function for x86-64-v4 (AVX-512), x86-64-v3 (AVX2) and the baseline, the
// copy chosen at load time by the CPU. Private to CCIMKernels; every .c file that includes it also
// turns off floating-point contraction, so the copies round identically.
#ifndef CIM_CLONES_H
#define CIM_CLONES_H
#if defined(__x86_64__) && defined(__clang__)
#define CIM_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define CIM_CLONES
#endif
#endif
