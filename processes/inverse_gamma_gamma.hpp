// Inverse-Gamma-Gamma PMM (paper A.5). y_s | x ~ Gamma(shape alpha_s, scale x); prior x ~ InvGamma(shape beta1 > 1,
// scale beta2). Posterior mean mu_s = (beta2 + Y_s)/(beta1 + A_s - 1) (eq. 160 drops the -1: misprint); online
// mu_s = (beta1 + A_{s-1} - 1)/(beta1 + A_s - 1) mu_{s-1} + y_s/(beta1 + A_s - 1). Continuous time: Y is a Gamma
// subordinator, Y(t1) - Y(t0) ~ Gamma(shape F1 - F0, scale x); diffusion dmu = f (x - mu)/B dt + x sqrt(f)/B dW, B =
// beta1 + F - 1.
#pragma once
#include <fmt/format.h>

#include <cmath>
#include <string>

#include "processes/error.hpp"
#include "processes/schedule.hpp"

namespace pmm {

struct InverseGammaGammaProcess {
  static constexpr const char* kName = "inverse-gamma-gamma";
  double beta1 = 2.0;  // prior shape, > 1 (the prior mean beta2/(beta1 - 1) must exist)
  double beta2 = 1.0;  // prior scale, > 0
  SchedulePtr schedule;

  double initial_mean() const { return beta2 / (beta1 - 1.0); }
  double denominator(double A) const { return beta1 + A - 1.0; }

  double update(double mu_prev, double y, double A_prev, double alpha) const {
    const double A = A_prev + alpha;
    return denominator(A_prev) / denominator(A) * mu_prev + y / denominator(A);
  }
  double posterior_mean(double Y, double A) const { return (beta2 + Y) / denominator(A); }
  // Sum of observations recovered from mu(t): Y = mu (beta1 + F - 1) - beta2.
  double total(double mu, double F) const { return mu * denominator(F) - beta2; }

  // Exact transition given x over [t0, t1]: mu1 = keep mu0 + dY/(beta1 + F1 - 1), dY ~ Gamma(F1 - F0, scale x).
  double keep(double F0, double F1) const { return denominator(F0) / denominator(F1); }
  double jump_scale(double F1) const { return 1.0 / denominator(F1); }

  // Diffusion approximation of the subordinator, dY ~ g f dt + g sqrt(f) dW.
  double drift(double t, double mu, double g) const { return schedule->f(t) * (g - mu) / denominator(schedule->F(t)); }
  double diffusion(double t, double g) const { return g * std::sqrt(schedule->f(t)) / denominator(schedule->F(t)); }

  // Throws pmm::Error naming what when beta1 <= 1, beta2 <= 0 or the schedule is missing.
  void check(const std::string& what = "--prior") const {
    require(
        std::isfinite(beta1) && beta1 > 1.0, what,
        fmt::format("beta1 must be > 1 (the inverse-gamma prior mean beta2/(beta1 - 1) must exist), got {}", beta1));
    require(std::isfinite(beta2) && beta2 > 0.0, what, fmt::format("beta2 must be > 0, got {}", beta2));
    require(schedule != nullptr, what, "the inverse-gamma-gamma process needs a schedule");
  }
};

}  // namespace pmm
