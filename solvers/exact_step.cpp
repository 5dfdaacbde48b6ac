// The exact step's folds (include/pmm/solvers/exact_step.hpp), compiled for AVX-512, AVX2 and baseline x86-64 and
// chosen at run time:
//   Inverse-Gamma-Gamma:  mu <- (beta1 + F0 - 1)/(beta1 + A - 1) mu + max(g, 0) G (1/(beta1 + A - 1)),  A = F0 + alpha,
//   Gamma-Poisson:        mu <- (beta2 + F0)/(beta2 + A) mu + y/(beta2 + A),
// the latter's division by the one denominator as a FixedDivisor (core/fixed_divisor.hpp: a multiply and two FMAs,
// the quotient's bits), the header's loop where it cannot. Division and the other IEEE operations round alike on
// every width, and this file is built without contraction into FMA (-ffp-contract=off), so every clone gives the
// generic loop's bits.
#include <cstdint>

#include <pmm/core/fixed_divisor.hpp>
#include <pmm/core/simd_clones.hpp>
#include <pmm/solvers/exact_step.hpp>

namespace pmm {
namespace detail {

PMM_SIMD_CLONES
void exact_observe(const InverseGammaGammaLaw& law, double F0, double alpha, double* mu, const double* g,
                   const double* G, Index n) {
  exact_observe<InverseGammaGammaLaw>(law, F0, alpha, mu, g, G, n);
}

PMM_FMA_CLONES
void exact_observe_counts(const GammaPoissonLaw& law, double F0, double alpha, double* mu, const double* y, Index n) {
  const GammaPoissonLaw l = law;
  const double A = F0 + alpha;  // as update() forms it
  const FixedDivisor d = fixed_divisor(l.denominator(A));
  if (!d.usable || !cpu_has_fma()) return exact_observe_counts<GammaPoissonLaw>(law, F0, alpha, mu, y, n);
  // update() with its division by a FixedDivisor, unless a count is outside the FMA quotient's range.
  std::int64_t slow = 0;
  for (Index i = 0; i < n; ++i) slow |= !fma_quotient_holds(y[i]);
  if (slow) return exact_observe_counts<GammaPoissonLaw>(law, F0, alpha, mu, y, n);
  const double keep = l.keep(F0, A);
  double* __restrict m = mu;
  const double* __restrict c = y;
  for (Index i = 0; i < n; ++i) m[i] = keep * m[i] + fma_quotient(d, c[i]);
}

}  // namespace detail
}  // namespace pmm
