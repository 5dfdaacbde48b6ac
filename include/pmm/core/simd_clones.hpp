// PMM_SIMD_CLONES marks a function that GCC/Clang compile three times, for AVX-512F, AVX2 and baseline x86-64, and
// choose among at run time (target_clones, an ifunc); elsewhere it is nothing. The files that use it are built
// without contraction into FMA (-ffp-contract=off), so that every clone rounds as the baseline code does: elementwise
// IEEE operations give the same bits on any vector width.
#pragma once

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#define PMM_SIMD_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define PMM_SIMD_CLONES
#endif
