// Gamma-Poisson PMM (paper 3.3, A.4, Theorem 3). Prior x ~ Gamma(beta1, rate beta2), y_s | x ~ Poisson(alpha_s x).
// mu_s = (beta1 + N_s)/(beta2 + A_s); online mu_s = (beta2 + A_{s-1})/(beta2 + A_s) mu_{s-1} + y_s/(beta2 + A_s).
// Continuous time: N is a Cox process of intensity x f(t); mu(t) = L(t) + A(t) N(t), A = 1/(beta2 + F), L = beta1 A,
// i.e. dmu = -f mu/(beta2 + F) dt + dN/(beta2 + F).
#pragma once
#include <cmath>

#include "processes/schedule.hpp"

namespace pmm {

struct GammaPoissonProcess {
  static constexpr const char* kName = "gamma-poisson";
  double beta1 = 0.1;  // prior shape
  double beta2 = 2.0;  // prior rate
  SchedulePtr schedule;

  double initial_mean() const { return beta1 / beta2; }

  double update(double mu_prev, double y, double A_prev, double alpha) const {
    const double A = A_prev + alpha;
    return (beta2 + A_prev) / (beta2 + A) * mu_prev + y / (beta2 + A);
  }
  double posterior_mean(double N, double A) const { return (beta1 + N) / (beta2 + A); }
  // Count N(t) recovered from mu(t): N = mu (beta2 + F) - beta1 (an integer along exact paths).
  double count(double mu, double F) const { return mu * (beta2 + F) - beta1; }

  // Continuous-time coefficients: deterministic drift between jumps, jump size, Cox intensity.
  double drift(double t, double mu) const { return -schedule->f(t) * mu / (beta2 + schedule->F(t)); }
  double jump_size(double t) const { return 1.0 / (beta2 + schedule->F(t)); }
  double intensity(double t, double g) const { return g * schedule->f(t); }

  // Exact transition given x over [t0, t1]: mu1 = keep mu0 + dN / (beta2 + F1), dN ~ Poisson(x dF).
  double keep(double F0, double F1) const { return (beta2 + F0) / (beta2 + F1); }
};

}  // namespace pmm
