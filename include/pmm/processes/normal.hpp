// Normal-Normal PMM (paper 3.1, A.2, Theorem 2). Prior x ~ N(0, 1/b), y_s | x ~ N(x, 1/alpha_s).
// Online update mu_s = (b + A_{s-1})/(b + A_s) mu_{s-1} + alpha_s/(b + A_s) y_s; given x,
// mu(t) ~ N(c x, v) with c = F/(b + F), v = F/(b + F)^2; SDE dmu = f (x - mu)/(b + F) dt + sqrt(f)/(b + F) dW.
// NormalLaw states this once as host/device scalar functions; NormalProcess adds the (host) schedule.
#pragma once
#include <array>
#include <cmath>
#include <string>

#include <pmm/core/error.hpp>
#include <pmm/core/hd.hpp>
#include <pmm/processes/noise_kind.hpp>
#include <pmm/processes/prior_parameter.hpp>
#include <pmm/processes/schedule.hpp>
#include <pmm/processes/step_coefficients.hpp>

namespace pmm {

struct NormalLaw {
  static constexpr const char* kName = "normal";
  static constexpr NoiseKind kNoise = NoiseKind::kGaussian;
  static constexpr bool kAdditiveNoise = true;  // sqrt(f)/(b + F) does not depend on mu or x
  // Whether the posterior-mean predictor makes the process exact: the drift is linear in x, so g = E[x | mu(t)] in
  // place of x gives the marginal law (Theorem 2).
  static constexpr bool kMeanPluginExact = true;
  double b = 2.0;                               // prior precision
  // Prior parameters by name (the keys of --prior).
  static constexpr std::array<PriorParameter<NormalLaw>, 1> prior_parameters() { return {{{"b", &NormalLaw::b}}}; }

  PMM_HD double initial_mean() const { return 0.0; }

  // Discrete online-Bayesian update after one observation y of precision alpha (A_prev before it).
  PMM_HD double update(double mu_prev, double y, double A_prev, double alpha) const {
    const double A = A_prev + alpha;
    return (b + A_prev) / (b + A) * mu_prev + alpha / (b + A) * y;
  }
  // Closed-form batch posterior mean: sum_s alpha_s y_s / (b + A).
  PMM_HD double posterior_mean(double sum_alpha_y, double A) const { return sum_alpha_y / (b + A); }
  // Observation y ~ N(x, 1/alpha) from a standard normal eps.
  PMM_HD static double observe(double x, double alpha, double eps) { return x + eps / std::sqrt(alpha); }

  // Law of mu given x at total precision A: N(c(A) x, v(A)); sample_given_x draws it from a standard normal.
  PMM_HD double c(double A) const { return A / (b + A); }
  PMM_HD double v(double A) const { return A / ((b + A) * (b + A)); }
  PMM_HD double sample_given_x(double x, double A, double eps) const {
    return c(A) * x + std::sqrt(A) / (b + A) * eps;
  }

  // The SDE in the form all three PMM diffusions share: dmu = f/D(F) (m(g) - mu) dt + sqrt(f)/D(F) s(g) dW.
  PMM_HD double denominator(double F) const { return b + F; }
  // Templates on the state's number type: the device's float32 kernels (--precision f32) step in T = float.
  template <class T>
  PMM_HD T target(T g) const { return g; }
  template <class T>
  PMM_HD T noise_scale(T) const { return T(1); }
  PMM_HD double drift(double f, double F, double mu, double g) const { return f * (g - mu) / (b + F); }
  PMM_HD double diffusion(double f, double F, double) const { return std::sqrt(f) / (b + F); }

  // Exact conditional transition over [t0, t1] given x: mu1 = keep mu0 + gain x + scale eps, eps ~ N(0, 1).
  struct Transition {
    double keep, gain, scale;
  };
  PMM_HD Transition transition(double F0, double F1) const {
    const double dF = F1 - F0;
    return {(b + F0) / (b + F1), dF / (b + F1), std::sqrt(dF) / (b + F1)};
  }
  template <class T>
  PMM_HD T exact_step(const Transition& tr, T mu, T x, T eps) const {
    return T(tr.keep) * mu + T(tr.gain) * x + T(tr.scale) * eps;
  }

  // Throws pmm::Error naming `what` when b is not a positive finite number.
  void check(const std::string& what = "prior") const {
    require(std::isfinite(b) && b > 0.0, what, "the normal prior precision b must be > 0, got " + std::to_string(b));
  }
};

struct NormalProcess : NormalLaw {
  SchedulePtr schedule;  // f, F

  using NormalLaw::diffusion;
  using NormalLaw::drift;
  // The coefficients at time t (host: the schedule is a virtual class).
  double drift(double t, double mu, double g) const { return drift(schedule->f(t), schedule->F(t), mu, g); }
  double diffusion(double t) const { return diffusion(schedule->f(t), schedule->F(t), 0.0); }
  const NormalLaw& law() const { return *this; }
};

}  // namespace pmm
