// Tau-leaping of the Gamma-Poisson jump process on a fixed grid: N(t1) = N(t0) + Poisson(g dF) with the
// intensity g f integrated over the step, and mu = (beta1 + N)/(beta2 + F) rebuilt from the integer count.
// Plain: g = g(mu(t0), t0). Midpoint: g at t_h = (t0 + t1)/2 in the state mu_h = (beta1 + N_h)/(beta2 + F_h) of a
// half-step count N_h = N0 + K, K ~ Poisson(g(mu0, t0)(F_h - F0)): 2 NFE per step; it corrects the drift of g within a
// step, not the jumps. The midpoint must be a state the process can be in: at the fractional expected count (used
// before issue 16) a finite-set oracle whose atoms have a zero coordinate all but excludes them (x_d = 0 is impossible
// once N_d > 0; 1-D atoms {0, 2, 5} came out 0.047/0.539/0.414 for 0.3/0.4/0.3 at 500 steps). Rounding the expected
// count is a state too but biased: below 1/2 it is N0, ignoring the jumps of the half step (counts3 TV 0.025 at 200
// steps, weights rejected). The Poisson count has the half step's law given g0, so E g(mu_h) matches g along the path
// to O(h) and the weak order stays 1 (orders.weak.*). K uses its own counters: the step index with its top bit set
// (grids have < 2^31 steps) and the interval [t0, t_h], so the leap's own draws are those of the same step.
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

// The midpoint state of one coordinate: mu_h from mu0 = mu(t0), the half-step count K and the step's F0, F_h.
inline double midpoint_mean(double mu0, double K, double beta1, double beta2, double F0, double Fh) {
  const double N0 = std::round(mu0 * (beta2 + F0) - beta1);
  return (beta1 + N0 + K) / (beta2 + Fh);
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
  static constexpr double kWeakOrder = 1.0;  // at least: E mu(1) errors fall faster than h (slope ~1.7, orders.weak.*)

  int step(const GammaPoissonProcess& p, const Predictor& pred, Batch& mu, Index path0, const StepInfo& s,
           const NoiseSource& noise, Workspace& ws) const {
    const auto c = StepCoefficients::of(p, s);
    const double th = 0.5 * (c.t0 + c.t1), Fh = p.schedule->F(th);
    pred.predict(mu, c.t0, path0, ws.g);
    // Half-step count K ~ Poisson(g0 (F_h - F0)) on its own counters, then mu_h = (beta1 + N0 + K)/(beta2 + F_h).
    StepInfo half = s;
    half.index = s.index | 0x80000000u;
    half.t1 = th;  // clock-keyed noise (TreeNoise): the points of [F0, F_h), as the step's own jumps would be
    ws.tmp = ws.g.max(0.0) * (Fh - c.F0);
    noise.poisson_counts(half, path0, ws.tmp, ws.xi);
    ws.tmp.resize(mu.rows(), mu.cols());
    for (Index j = 0; j < mu.cols(); ++j)
      for (Index d = 0; d < mu.rows(); ++d)
        ws.tmp(d, j) = detail::midpoint_mean(mu(d, j), ws.xi(d, j), p.beta1, p.beta2, c.F0, Fh);
    pred.predict(ws.tmp, th, path0, ws.g2);
    detail::leap_counts(p, ws.g2, c.F0, c.F1, mu, path0, s, noise, ws.tmp, ws.xi);
    return 2;
  }
};

}  // namespace pmm
