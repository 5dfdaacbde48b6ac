// Normal-Normal PMM (paper 3.1, A.2, Theorem 2). Prior x ~ N(0, 1/b), y_s | x ~ N(x, 1/alpha_s).
// Online update mu_s = (b + A_{s-1})/(b + A_s) mu_{s-1} + alpha_s/(b + A_s) y_s; given x,
// mu(t) ~ N(c x, v) with c = F/(b + F), v = F/(b + F)^2; SDE dmu = f (x - mu)/(b + F) dt + sqrt(f)/(b + F) dW.
#pragma once
#include <cmath>
#include <string>

#include "processes/schedule.hpp"

namespace pmm {

struct NormalProcess {
  static constexpr const char* kName = "normal";
  double b = 2.0;        // prior precision
  SchedulePtr schedule;  // f, F

  double initial_mean() const { return 0.0; }

  // Discrete online-Bayesian update after one observation y of precision alpha (A_prev before it).
  double update(double mu_prev, double y, double A_prev, double alpha) const {
    const double A = A_prev + alpha;
    return (b + A_prev) / (b + A) * mu_prev + alpha / (b + A) * y;
  }
  // Closed-form batch posterior mean: sum_s alpha_s y_s / (b + A).
  double posterior_mean(double sum_alpha_y, double A) const { return sum_alpha_y / (b + A); }
  // Observation y ~ N(x, 1/alpha) from a standard normal eps.
  static double observe(double x, double alpha, double eps) { return x + eps / std::sqrt(alpha); }

  // Law of mu given x at total precision A: N(c(A) x, v(A)).
  double c(double A) const { return A / (b + A); }
  double v(double A) const { return A / ((b + A) * (b + A)); }

  // Continuous-time coefficients at time t with predictor value g (x itself given x).
  double drift(double t, double mu, double g) const {
    return schedule->f(t) * (g - mu) / (b + schedule->F(t));
  }
  double diffusion(double t) const { return std::sqrt(schedule->f(t)) / (b + schedule->F(t)); }

  // Exact conditional transition over [t0, t1] given x:
  // mu1 = keep mu0 + gain x + scale eps, eps ~ N(0, 1).
  struct Transition {
    double keep, gain, scale;
  };
  Transition transition(double F0, double F1) const {
    const double dF = F1 - F0;
    return {(b + F0) / (b + F1), dF / (b + F1), std::sqrt(dF) / (b + F1)};
  }
};

}  // namespace pmm
