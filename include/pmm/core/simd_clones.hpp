// PMM_SIMD_CLONES marks a function that GCC/Clang compile three times, for AVX-512F, AVX2 and baseline x86-64, and
// choose among at run time (target_clones, an ifunc); elsewhere it is nothing. The files that use it are built
// without contraction into FMA (-ffp-contract=off), so that every clone rounds as the baseline code does: elementwise
// IEEE operations give the same bits on any vector width.
// PMM_FMA_CLONES is the same for loops that call std::fma (core/fixed_divisor.hpp): GCC's "avx512f" and "avx2"
// targets do not include the FMA instructions, so these clones are x86-64-v4 (AVX-512F/BW/CD/DQ/VL, FMA) and
// x86-64-v3 (AVX2, FMA); in the baseline clone std::fma is libm's, and such loops divide unless cpu_has_fma().
#pragma once

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#define PMM_SIMD_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#define PMM_FMA_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define PMM_SIMD_CLONES
#define PMM_FMA_CLONES
#endif

namespace pmm {
// Whether the CPU has the FMA instructions (x86-64: CPUID's FMA flag; elsewhere std::fma is taken to be fused in
// hardware).
inline bool cpu_has_fma() {
#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
  static const bool has = __builtin_cpu_supports("fma");
  return has;
#else
  return true;
#endif
}
}  // namespace pmm
