// Tau-leaping's elementwise loops for the Gamma-Poisson law (include/pmm/solvers/tau_leap.hpp):
//   m = max(g, 0) (F1 - F0)   and   mu <- (beta1 + round(mu (beta2 + F0) - beta1) + k)/(beta2 + F1),
// the header's generic loops compiled for AVX-512F, AVX2 and baseline x86-64 and chosen at run time. Division and
// the other IEEE operations round alike on every width, and this file is built without contraction into FMA
// (-ffp-contract=off), so every clone gives the generic loop's bits; -fno-trapping-math lets GCC turn round_count's
// selects into masks.
#include <pmm/core/simd_clones.hpp>
#include <pmm/solvers/tau_leap.hpp>

namespace pmm {
namespace detail {

PMM_SIMD_CLONES
void leap_means(const GammaPoissonLaw& law, double dF, const double* g, double* m, Index n) {
  leap_means<GammaPoissonLaw>(law, dF, g, m, n);
}

PMM_SIMD_CLONES
void leap_rebuild(const GammaPoissonLaw& law, double F0, double F1, double* mu, const double* k, Index n) {
  leap_rebuild<GammaPoissonLaw>(law, F0, F1, mu, k, n);
}

}  // namespace detail
}  // namespace pmm
