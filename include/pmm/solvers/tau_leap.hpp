// Tau-leaping of a Poisson-driven jump process on a fixed grid: N(t1) = N(t0) + Poisson(g dF) with the intensity
// g f integrated over the step, and mu = (beta1 + N)/(beta2 + F) rebuilt from the integer count (no drift error).
// Plain: g = g(mu(t0), t0). Midpoint: g at t_h = (t0 + t1)/2 in the state mu_h = (beta1 + N_h)/(beta2 + F_h) of a
// half-step count N_h = N0 + K, K ~ Poisson(g(mu0, t0)(F_h - F0)): 2 NFE per step; it corrects the drift of g within a
// step, not the jumps. The midpoint must be a state the process can be in: at the fractional expected count (used
// before issue 16) a finite-set oracle whose atoms have a zero coordinate all but excludes them (x_d = 0 is impossible
// once N_d > 0; 1-D atoms {0, 2, 5} came out 0.047/0.539/0.414 for 0.3/0.4/0.3 at 500 steps). Rounding the expected
// count is a state too but biased: below 1/2 it is N0, ignoring the jumps of the half step (counts3 TV 0.025 at 200
// steps, weights rejected). The Poisson count has the half step's law given g0, so E g(mu_h) matches g along the path
// to O(h) and the weak order stays 1 (orders.weak.*). K uses its own counters: the step index with kHalfStepFlag set
// and the interval [t0, t_h], so the leap's own draws are those of the same step.
#pragma once
#include <cmath>

#include <pmm/core/hd.hpp>
#include <pmm/processes/gamma_poisson.hpp>
#include <pmm/solvers/stepper.hpp>

namespace pmm {

namespace detail {
// std::round (halves away from zero) in arithmetic the compiler keeps inline (and vectorises) on any x86-64, where
// std::round is a libm call: below 2^52, (a + 2^52) - 2^52 is a rounded to the nearest integer, ties to even (the
// default rounding mode), and a tie that went down is moved up: bitwise std::round(x) for every x (signed zeros,
// infinities and NaN included; tested in tests/solvers). Needs IEEE evaluation (no -ffast-math reassociation).
PMM_HD inline double round_count(double x) {
  const double a = std::abs(x);
  double r = (a + 0x1p52) - 0x1p52;
  r += r - a == -0.5 ? 1.0 : 0.0;
  return a < 0x1p52 ? std::copysign(r, x) : x;  // larger values are integers already; NaN stays NaN
}
// The same bits by trunc(x + copysign(1/2 - 2^-54, x)): the largest double below 1/2 moves every x at or past a half
// to the next integer and no other x (the sum is rounded to nearest before trunc), in three vector operations where
// trunc is one instruction (SSE4.1 and later: the FMA clones of solvers/tau_leap.cpp); a libm call elsewhere.
PMM_HD inline double round_count_by_trunc(double x) { return std::trunc(x + std::copysign(0x1.fffffffffffffp-2, x)); }
// Rebuild mu from the integer count at F0 plus the step's counts.
template <class Law>
PMM_HD double leap_apply(const Law& p, double F0, double F1, double mu, double count) {
  const double N0 = round_count(p.count(mu, F0));
  return p.posterior_mean(N0 + count, F1);
}
// The step's Poisson means m = jump_mean(g, F1 - F0) and the count rebuild mu <- leap_apply(mu, k), elementwise over
// n elements. The law is a local copy and the arrays restrict pointers, so that the stores cannot alias the law's
// parameters and both loops vectorise (the same IEEE operations per element: results are bitwise the scalar ones).
template <class Law>
inline void leap_means(const Law& p, double dF, const double* __restrict g, double* __restrict m, Index n) {
  const Law law = p;
  for (Index i = 0; i < n; ++i) m[i] = law.jump_mean(g[i], dF);
}
template <class Law>
inline void leap_rebuild(const Law& p, double F0, double F1, double* __restrict mu, const double* __restrict k,
                         Index n) {
  const Law law = p;
  for (Index i = 0; i < n; ++i) mu[i] = leap_apply(law, F0, F1, mu[i], k[i]);
}
// The midpoint state (beta1 + N0 + K)/(beta2 + F_h) of TauLeapMidpoint (below) from mu0 and the half-step count K.
template <class Law>
PMM_HD double midpoint_value(const Law& p, double F0, double Fh, double mu, double K) {
  const double N0 = round_count(p.count(mu, F0));
  return (p.beta1 + N0 + K) / p.denominator(Fh);
}
template <class Law>
inline void midpoint_states(const Law& p, double F0, double Fh, const double* __restrict mu,
                            const double* __restrict K, double* __restrict out, Index n) {
  const Law law = p;
  for (Index i = 0; i < n; ++i) out[i] = midpoint_value(law, F0, Fh, mu[i], K[i]);
}
// Gamma-Poisson's loops built for AVX-512, AVX2 and baseline x86-64 and chosen at run time (solvers/tau_leap.cpp):
// non-template overloads, which calls with a GammaPoissonLaw prefer.
void leap_means(const GammaPoissonLaw& law, double dF, const double* g, double* m, Index n);
void leap_rebuild(const GammaPoissonLaw& law, double F0, double F1, double* mu, const double* k, Index n);
void midpoint_states(const GammaPoissonLaw& law, double F0, double Fh, const double* mu, const double* K, double* out,
                     Index n);

// Poisson means of the step for intensities g (dim x n) into means, counts into counts, then mu updated.
template <class Law>
void leap_counts(const Law& p, const Batch& rate, const StepCoefficients& c, Batch& mu, Index path0,
                 const StepInfo& s, const NoiseSource& noise, Batch& means, Batch& counts) {
  means.resize(rate.rows(), rate.cols());
  leap_means(p, c.F1 - c.F0, rate.data(), means.data(), rate.size());
  noise.poisson_counts(s, path0, means, counts);
  leap_rebuild(p, c.F0, c.F1, mu.data(), counts.data(), mu.size());
}
}  // namespace detail

struct TauLeap {
  static constexpr const char* kName = "tau-leap";
  static constexpr int kNfe = 1;
  template <class Law>
  static constexpr bool fits() {
    return Law::kNoise == NoiseKind::kPoisson;
  }
  template <class Law>
  static constexpr SolverOrders orders() {
    return {0.5, 1.0, true, ""};
  }

  template <class Process>
  int step(const Process& p, const Predictor& pred, Batch& mu, Index path0, const StepInfo& s,
           const StepCoefficients& c, const NoiseSource& noise, Workspace& ws) const {
    pred.predict(mu, c.t0, path0, ws.g);
    detail::leap_counts(p.law(), ws.g, c, mu, path0, s, noise, ws.tmp, ws.xi);
    return 1;
  }
};

struct TauLeapMidpoint {
  static constexpr const char* kName = "tau-leap-midpoint";
  static constexpr int kNfe = 2;
  template <class Law>
  static constexpr bool fits() {
    return Law::kNoise == NoiseKind::kPoisson;
  }
  template <class Law>
  static constexpr SolverOrders orders() {
    return {0.5, 1.0, true, "weak order >= 1: E mu(1) errors fall faster than h (slope ~1.7, orders.weak.*)"};
  }
  // mu at the midpoint from mu0 and the half-step count K: (beta1 + N0 + K)/(beta2 + F_h).
  template <class Law>
  PMM_HD static double midpoint_state(const Law& p, const StepCoefficients& c, double mu, double K) {
    return detail::midpoint_value(p, c.F0, c.Fh, mu, K);
  }
  // The half-step draws are keyed apart from the step's own (random.hpp: kHalfStepFlag).
  static StepInfo half_step(const StepInfo& s, double th) {
    StepInfo half = s;
    half.index = s.index | kHalfStepFlag;
    half.t1 = th;  // clock-keyed noise (the validation's time-change noise): the points of [F0, F_h)
    return half;
  }

  template <class Process>
  int step(const Process& p, const Predictor& pred, Batch& mu, Index path0, const StepInfo& s,
           const StepCoefficients& c, const NoiseSource& noise, Workspace& ws) const {
    const auto law = p.law();
    const double th = 0.5 * (c.t0 + c.t1);
    pred.predict(mu, c.t0, path0, ws.g);
    ws.tmp.resize(mu.rows(), mu.cols());
    detail::leap_means(law, c.Fh - c.F0, ws.g.data(), ws.tmp.data(), mu.size());
    noise.poisson_counts(half_step(s, th), path0, ws.tmp, ws.xi);
    detail::midpoint_states(law, c.F0, c.Fh, mu.data(), ws.xi.data(), ws.tmp.data(), mu.size());  // midpoint_state()
    pred.predict(ws.tmp, th, path0, ws.g2);
    detail::leap_counts(law, ws.g2, c, mu, path0, s, noise, ws.tmp, ws.xi);
    return 2;
  }
};

}  // namespace pmm
