// Tau-leaping's elementwise loops for the Gamma-Poisson law (include/pmm/solvers/tau_leap.hpp):
//   m = max(g, 0) (F1 - F0)   and   mu <- (beta1 + round(mu (beta2 + F0) - beta1) + k)/(beta2 + F1),
// the header's generic loops compiled for AVX-512F, AVX2 and baseline x86-64 and chosen at run time. Division and
// the other IEEE operations round alike on every width, and this file is built without contraction into FMA
// (-ffp-contract=off), so every clone gives the generic loop's bits; -fno-trapping-math lets GCC turn round_count's
// selects into masks.
#include <pmm/solvers/tau_leap.hpp>

namespace pmm {
namespace detail {

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#define PMM_LEAP_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define PMM_LEAP_CLONES
#endif

PMM_LEAP_CLONES
void leap_means(const GammaPoissonLaw& law, double dF, const double* g, double* m, Index n) {
  leap_means<GammaPoissonLaw>(law, dF, g, m, n);
}

PMM_LEAP_CLONES
void leap_rebuild(const GammaPoissonLaw& law, double F0, double F1, double* mu, const double* k, Index n) {
  leap_rebuild<GammaPoissonLaw>(law, F0, F1, mu, k, n);
}

#undef PMM_LEAP_CLONES

}  // namespace detail
}  // namespace pmm
