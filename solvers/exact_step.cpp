// The exact step's Gamma fold for the Inverse-Gamma-Gamma law (include/pmm/solvers/exact_step.hpp):
//   mu <- (beta1 + F0 - 1)/(beta1 + F0 + alpha - 1) mu + max(g, 0) G (1/(beta1 + F0 + alpha - 1)),
// the header's generic loop compiled for AVX-512F, AVX2 and baseline x86-64 and chosen at run time. Division and the
// other IEEE operations round alike on every width, and this file is built without contraction into FMA
// (-ffp-contract=off), so every clone gives the generic loop's bits.
#include <pmm/core/simd_clones.hpp>
#include <pmm/solvers/exact_step.hpp>

namespace pmm {
namespace detail {

PMM_SIMD_CLONES
void exact_observe(const InverseGammaGammaLaw& law, double F0, double alpha, double* mu, const double* g,
                   const double* G, Index n) {
  exact_observe<InverseGammaGammaLaw>(law, F0, alpha, mu, g, G, n);
}

}  // namespace detail
}  // namespace pmm
