// The exact step's Gamma fold for the Inverse-Gamma-Gamma law (include/pmm/solvers/exact_step.hpp):
//   mu <- (beta1 + F0 - 1)/(beta1 + F0 + alpha - 1) mu + max(g, 0) G/(beta1 + F0 + alpha - 1),
// the header's generic loop compiled for AVX-512F, AVX2 and baseline x86-64 and chosen at run time. Division and the
// other IEEE operations round alike on every width, and this file is built without contraction into FMA
// (-ffp-contract=off), so every clone gives the generic loop's bits.
#include <pmm/solvers/exact_step.hpp>

namespace pmm {
namespace detail {

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#define PMM_EXACT_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define PMM_EXACT_CLONES
#endif

PMM_EXACT_CLONES
void exact_observe(const InverseGammaGammaLaw& law, double F0, double alpha, double* mu, const double* g,
                   const double* G, Index n) {
  exact_observe<InverseGammaGammaLaw>(law, F0, alpha, mu, g, G, n);
}

#undef PMM_EXACT_CLONES

}  // namespace detail
}  // namespace pmm
