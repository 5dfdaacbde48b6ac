// The exact conditional step (the paper's Algorithm 1): freeze x := g(mu(t0), t0) over [t0, t1], draw the
// observation of precision alpha = F1 - F0 from the process's own noise and apply its online update. Exact in law
// given x; with a predictor it is first order (freezing g costs what Euler-Maruyama's frozen drift costs).
// Gaussian: mu1 = (b + F0)/(b + F1) mu0 + dF/(b + F1) g + sqrt(dF)/(b + F1) xi. Poisson: y ~ Poisson(g dF) (stream
// kPoisson). Gamma: y = g G, G ~ Gamma(dF, 1) (stream kGamma), each keyed on (path, step, coordinate).
#pragma once
#include <algorithm>
#include <cmath>

#include <pmm/core/hd.hpp>
#include <pmm/processes/gamma_poisson.hpp>
#include <pmm/processes/inverse_gamma_gamma.hpp>
#include <pmm/random/distributions.hpp>
#include <pmm/solvers/stepper.hpp>
#include <pmm/solvers/tau_leap.hpp>

namespace pmm {

namespace detail {
// The Gamma step's fold mu <- update(mu, observation(g, G), F0, alpha) over n elements (G: the Gamma(alpha, 1) draws).
// The law is a local copy and the arrays restrict pointers, so that the loop vectorises with the scalar bits.
template <class Law>
inline void exact_observe(const Law& p, double F0, double alpha, double* __restrict mu, const double* __restrict g,
                          const double* __restrict G, Index n) {
  const Law law = p;
  for (Index i = 0; i < n; ++i) mu[i] = law.update(mu[i], law.observation(g[i], G[i]), F0, alpha);
}
// Inverse-Gamma-Gamma's loop built for AVX-512, AVX2 and baseline x86-64 and chosen at run time
// (solvers/exact_step.cpp): a non-template overload, which calls with an InverseGammaGammaLaw prefer.
void exact_observe(const InverseGammaGammaLaw& law, double F0, double alpha, double* mu, const double* g,
                   const double* G, Index n);
// The Poisson step's fold mu <- update(mu, y, F0, alpha) over n elements (y: the counts), and Gamma-Poisson's, built
// like exact_observe's (its division by the one denominator as a FixedDivisor: the same bits).
template <class Law>
inline void exact_observe_counts(const Law& p, double F0, double alpha, double* __restrict mu,
                                 const double* __restrict y, Index n) {
  const Law law = p;
  for (Index i = 0; i < n; ++i) mu[i] = law.update(mu[i], y[i], F0, alpha);
}
void exact_observe_counts(const GammaPoissonLaw& law, double F0, double alpha, double* mu, const double* y, Index n);
}  // namespace detail

struct ExactStep {
  static constexpr const char* kName = "exact";
  static constexpr int kNfe = 1;

  template <class Law>
  static constexpr bool fits() {
    return Law::kNoise == NoiseKind::kGaussian || Law::kNoise == NoiseKind::kPoisson ||
           Law::kNoise == NoiseKind::kGamma;
  }
  template <class Law>
  static constexpr SolverOrders orders() {
    // Exact in law given x; with a predictor, strong order 1 for additive noise and 1/2 for the jump processes.
    return {Law::kNoise == NoiseKind::kGaussian ? 1.0 : 0.5, 1.0, true, ""};
  }

  // Gaussian: one standard normal per element.
  // T: the state's number type (double; float in the device's float32 kernels).
  template <class Law, class T>
  PMM_HD static T apply_gaussian(const Law& p, const typename Law::Transition& tr, T mu, T g, T xi) {
    return p.exact_step(tr, mu, g, xi);
  }
  // Poisson / Gamma: the drawn observation y of precision alpha, folded in by the online update.
  template <class Law>
  PMM_HD static double apply_observation(const Law& p, const StepCoefficients& c, double mu, double y) {
    return p.update(mu, y, c.F0, c.F1 - c.F0);
  }

  template <class Process>
  int step(const Process& p, const Predictor& pred, Batch& mu, Index path0, const StepInfo& s,
           const StepCoefficients& c, const NoiseSource& noise, Workspace& ws) const {
    const auto law = p.law();
    using Law = std::decay_t<decltype(law)>;
    pred.predict(mu, c.t0, path0, ws.g);
    const double alpha = c.F1 - c.F0;
    if constexpr (Law::kNoise == NoiseKind::kGaussian) {
      noise.normals(s, path0, ws.xi);
      const auto tr = law.transition(c.F0, c.F1);
      double* m = mu.data();
      for (Index i = 0, n = mu.size(); i < n; ++i) m[i] = apply_gaussian(law, tr, m[i], ws.g.data()[i], ws.xi.data()[i]);
    } else if constexpr (Law::kNoise == NoiseKind::kPoisson) {
      ws.tmp.resize(mu.rows(), mu.cols());
      detail::leap_means(law, alpha, ws.g.data(), ws.tmp.data(), mu.size());  // jump_mean(g, alpha), vectorised
      noise.poisson_counts(s, path0, ws.tmp, ws.xi);
      detail::exact_observe_counts(law, c.F0, alpha, mu.data(), ws.xi.data(), mu.size());  // apply_observation's fold
    } else {
      static_assert(Law::kNoise == NoiseKind::kGamma, "ExactStep: no exact transition for this noise kind");
      noise.gamma_draws_one_shape(s, path0, alpha, mu.rows(), mu.cols(), ws.xi);
      detail::exact_observe(law, c.F0, alpha, mu.data(), ws.g.data(), ws.xi.data(), mu.size());
    }
    return 1;
  }
};

}  // namespace pmm
