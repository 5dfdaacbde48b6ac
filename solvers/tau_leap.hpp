// Tau-leaping of the Gamma-Poisson jump process on a fixed grid: N(t1) = N(t0) + Poisson(g dF) with the
// intensity g f integrated over the step, and mu = (beta1 + N)/(beta2 + F) rebuilt from the integer count.
// Plain: g = g(mu(t0), t0). Midpoint: g at t_h = (t0 + t1)/2 and mu_h from the expected count
// N_h = N0 + g(mu0, t0)(F_h - F0): 2 NFE per step; it corrects the drift of g within a step, not the jumps.
#pragma once
#include <cmath>

#include "processes/gamma_poisson.hpp"
#include "solvers/stepper.hpp"

namespace pmm {

namespace detail {
// rate, mu: dim x n; ws_means, ws_counts: scratch of the same shape.
inline void leap_counts(const GammaPoissonProcess& p, const Batch& rate, double F0, double F1, Batch& mu,
                        Index path0, const StepInfo& s, const NoiseSource& noise, Batch& means, Batch& counts) {
  means = rate.max(0.0) * (F1 - F0);
  noise.poisson_counts(s, path0, means, counts);
  for (Index j = 0; j < mu.cols(); ++j)
    for (Index d = 0; d < mu.rows(); ++d) {
      const double N0 = std::round(p.count(mu(d, j), F0));
      mu(d, j) = p.posterior_mean(N0 + counts(d, j), F1);
    }
}
}  // namespace detail

struct TauLeap {
  static constexpr const char* kName = "tau-leap";
  static constexpr double kStrongOrder = 0.5;
  static constexpr double kWeakOrder = 1.0;

  int step(const GammaPoissonProcess& p, const Predictor& pred, Batch& mu, Index path0, const StepInfo& s,
           const NoiseSource& noise, Workspace& ws) const {
    const auto c = StepCoefficients::of(p, s);
    pred.predict(mu, c.t0, path0, ws.g);
    detail::leap_counts(p, ws.g, c.F0, c.F1, mu, path0, s, noise, ws.tmp, ws.xi);
    return 1;
  }
};

struct TauLeapMidpoint {
  static constexpr const char* kName = "tau-leap-midpoint";
  static constexpr double kStrongOrder = 0.5;
  static constexpr double kWeakOrder = 1.0;  // measured: only a constant-factor gain over plain tau-leaping with an oracle

  int step(const GammaPoissonProcess& p, const Predictor& pred, Batch& mu, Index path0, const StepInfo& s,
           const NoiseSource& noise, Workspace& ws) const {
    const auto c = StepCoefficients::of(p, s);
    const double th = 0.5 * (c.t0 + c.t1), Fh = p.schedule->F(th);
    pred.predict(mu, c.t0, path0, ws.g);
    // Expected count at the midpoint: N_h = N0 + g0 (F_h - F0), hence mu_h = (beta1 + N_h)/(beta2 + F_h).
    ws.tmp = ((mu * (p.beta2 + c.F0) - p.beta1) + ws.g.max(0.0) * (Fh - c.F0) + p.beta1) / (p.beta2 + Fh);
    pred.predict(ws.tmp, th, path0, ws.g2);
    detail::leap_counts(p, ws.g2, c.F0, c.F1, mu, path0, s, noise, ws.tmp, ws.xi);
    return 2;
  }
};

}  // namespace pmm
