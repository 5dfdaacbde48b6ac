// Tau-leaping's elementwise loops for the Gamma-Poisson law (include/pmm/solvers/tau_leap.hpp):
//   m = max(g, 0) (F1 - F0),   mu <- (beta1 + round(mu (beta2 + F0) - beta1) + k)/(beta2 + F1)   and the midpoint
//   state (beta1 + round(mu (beta2 + F0) - beta1) + K)/(beta2 + F_h),
// compiled for AVX-512, AVX2 and baseline x86-64 and chosen at run time. The last two divide every element by one
// denominator: a FixedDivisor (core/fixed_divisor.hpp) gives the quotient's bits with a multiply and two
// FMAs, and the header's generic loop runs where it cannot (no FMA, a divisor or numerators out of its range). This
// file is built without contraction into FMA (-ffp-contract=off), so every clone gives the generic loop's bits;
// -fno-trapping-math lets GCC turn round_count's selects into masks.
#include <algorithm>
#include <cstdint>

#include <pmm/core/fixed_divisor.hpp>
#include <pmm/core/simd_clones.hpp>
#include <pmm/solvers/tau_leap.hpp>

namespace pmm {
namespace detail {

PMM_SIMD_CLONES
void leap_means(const GammaPoissonLaw& law, double dF, const double* g, double* m, Index n) {
  leap_means<GammaPoissonLaw>(law, dF, g, m, n);
}

PMM_FMA_CLONES
void leap_rebuild(const GammaPoissonLaw& law, double F0, double F1, double* mu, const double* k, Index n) {
  const GammaPoissonLaw l = law;
  const FixedDivisor d = fixed_divisor(l.denominator(F1));
  if (!d.usable || !cpu_has_fma()) return leap_rebuild<GammaPoissonLaw>(law, F0, F1, mu, k, n);
  // leap_apply() with its division by a FixedDivisor and round_count_by_trunc, a block of elements at a time: the
  // quotients stored as they come, the numerators kept, and those outside the FMA quotient's range (if any) divided.
  constexpr int kBlock = 64;
  for (Index i0 = 0; i0 < n; i0 += kBlock) {
    const int len = static_cast<int>(std::min<Index>(kBlock, n - i0));
    double* __restrict m = mu + i0;
    const double* __restrict c = k + i0;
    alignas(64) double x[kBlock];
    std::int64_t slow = 0;
    for (int j = 0; j < len; ++j) {
      x[j] = l.posterior_shape(round_count_by_trunc(l.count(m[j], F0)) + c[j]);
      m[j] = fma_quotient(d, x[j]);
      slow |= !fma_quotient_holds(x[j]);
    }
    if (slow)
      for (int j = 0; j < len; ++j)
        if (!fma_quotient_holds(x[j])) m[j] = x[j] / d.y;
  }
}

PMM_FMA_CLONES
void midpoint_states(const GammaPoissonLaw& law, double F0, double Fh, const double* mu, const double* K, double* out,
                     Index n) {
  const GammaPoissonLaw l = law;
  const FixedDivisor d = fixed_divisor(l.denominator(Fh));
  if (!d.usable || !cpu_has_fma()) return midpoint_states<GammaPoissonLaw>(law, F0, Fh, mu, K, out, n);
  // midpoint_value() with its division by a FixedDivisor; the numerators outside the FMA quotient's range (if any)
  // divided after (mu and K are inputs, so they can be read again).
  double* __restrict o = out;
  const double* __restrict m = mu;
  const double* __restrict c = K;
  std::int64_t slow = 0;
  for (Index i = 0; i < n; ++i) {
    const double x = l.beta1 + round_count_by_trunc(l.count(m[i], F0)) + c[i];
    o[i] = fma_quotient(d, x);
    slow |= !fma_quotient_holds(x);
  }
  if (slow)
    for (Index i = 0; i < n; ++i) {
      const double x = l.beta1 + round_count_by_trunc(l.count(m[i], F0)) + c[i];
      if (!fma_quotient_holds(x)) o[i] = x / d.y;
    }
}

}  // namespace detail
}  // namespace pmm
