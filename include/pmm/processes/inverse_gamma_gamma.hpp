// Inverse-Gamma-Gamma PMM (paper A.5). y_s | x ~ Gamma(shape alpha_s, scale x); prior x ~ InvGamma(shape beta1 > 1,
// scale beta2). Posterior mean mu_s = (beta2 + Y_s)/(beta1 + A_s - 1) (eq. 160 drops the -1: misprint); online
// mu_s = (beta1 + A_{s-1} - 1)/(beta1 + A_s - 1) mu_{s-1} + y_s/(beta1 + A_s - 1). Continuous time: Y is a Gamma
// subordinator, Y(t1) - Y(t0) ~ Gamma(shape F1 - F0, scale x); diffusion dmu = f (x - mu)/B dt + x sqrt(f)/B dW, B =
// beta1 + F - 1 (multiplicative noise).
#pragma once
#include <array>
#include <fmt/format.h>

#include <cmath>
#include <string>

#include <pmm/core/error.hpp>
#include <pmm/core/hd.hpp>
#include <pmm/processes/noise_kind.hpp>
#include <pmm/processes/prior_parameter.hpp>
#include <pmm/processes/schedule.hpp>
#include <pmm/processes/step_coefficients.hpp>

namespace pmm {

struct InverseGammaGammaLaw {
  static constexpr const char* kName = "inverse-gamma-gamma";
  static constexpr NoiseKind kNoise = NoiseKind::kGamma;
  static constexpr bool kAdditiveNoise = false;  // g sqrt(f)/B: multiplicative in the predictor
  // Whether the posterior-mean predictor makes the process exact: the Levy measure y^-1 e^{-y/x} is not linear in
  // x: the mean plug-in is biased (docs/text.md).
  static constexpr bool kMeanPluginExact = false;
  double beta1 = 2.0;                            // prior shape, > 1 (the prior mean beta2/(beta1 - 1) must exist)
  double beta2 = 1.0;                            // prior scale, > 0
  // Prior parameters by name (the keys of --prior).
  static constexpr std::array<PriorParameter<InverseGammaGammaLaw>, 2> prior_parameters() {
    return {{{"beta1", &InverseGammaGammaLaw::beta1}, {"beta2", &InverseGammaGammaLaw::beta2}}};
  }

  PMM_HD double initial_mean() const { return beta2 / (beta1 - 1.0); }
  PMM_HD double denominator(double A) const { return beta1 + A - 1.0; }

  // y times the reciprocal rather than y / B: within an ulp of the quotient, and in a fold over a chunk (one A) both
  // divisions are loop-invariant, so the loop runs no division per element (the exact step 2-4% faster).
  PMM_HD double update(double mu_prev, double y, double A_prev, double alpha) const {
    const double A = A_prev + alpha;
    const double inv = 1.0 / denominator(A);
    return denominator(A_prev) / denominator(A) * mu_prev + y * inv;
  }
  PMM_HD double posterior_mean(double Y, double A) const { return (beta2 + Y) / denominator(A); }
  // Sum of observations recovered from mu(t): Y = mu (beta1 + F - 1) - beta2.
  PMM_HD double total(double mu, double F) const { return mu * denominator(F) - beta2; }
  // mu(t) given x from Y(t) = x G, G ~ Gamma(F(t), 1).
  PMM_HD double sample_given_x(double x, double gamma_draw_F, double A) const {
    return posterior_mean(x * gamma_draw_F, A);
  }

  // Exact transition given x over [t0, t1]: mu1 = keep mu0 + dY/(beta1 + F1 - 1), dY ~ Gamma(F1 - F0, scale x).
  PMM_HD double keep(double F0, double F1) const { return denominator(F0) / denominator(F1); }
  PMM_HD double jump_scale(double F1) const { return 1.0 / denominator(F1); }
  // The step's observation y = max(g, 0) G from a Gamma(alpha, 1) draw G.
  PMM_HD double observation(double g, double gamma_unit) const { return (g > 0.0 ? g : 0.0) * gamma_unit; }

  // Diffusion approximation of the subordinator, dY ~ g f dt + g sqrt(f) dW, in the shared form.
  PMM_HD double target(double g) const { return g > 0.0 ? g : 0.0; }
  PMM_HD double noise_scale(double g) const { return target(g); }
  PMM_HD double drift(double f, double F, double mu, double g) const { return f * (target(g) - mu) / denominator(F); }
  PMM_HD double diffusion(double f, double F, double g) const { return target(g) * std::sqrt(f) / denominator(F); }

  // Throws pmm::Error naming what when beta1 <= 1 or beta2 <= 0.
  void check(const std::string& what = "prior") const {
    require(
        std::isfinite(beta1) && beta1 > 1.0, what,
        fmt::format("beta1 must be > 1 (the inverse-gamma prior mean beta2/(beta1 - 1) must exist), got {}", beta1));
    require(std::isfinite(beta2) && beta2 > 0.0, what, fmt::format("beta2 must be > 0, got {}", beta2));
  }
};

struct InverseGammaGammaProcess : InverseGammaGammaLaw {
  SchedulePtr schedule;

  using InverseGammaGammaLaw::diffusion;
  using InverseGammaGammaLaw::drift;
  double drift(double t, double mu, double g) const { return drift(schedule->f(t), schedule->F(t), mu, g); }
  double diffusion(double t, double g) const { return diffusion(schedule->f(t), schedule->F(t), g); }
  // Throws pmm::Error naming what when beta1 <= 1, beta2 <= 0 or the schedule is missing.
  void check(const std::string& what = "prior") const {
    InverseGammaGammaLaw::check(what);
    require(schedule != nullptr, what, "the inverse-gamma-gamma process needs a schedule");
  }
  const InverseGammaGammaLaw& law() const { return *this; }
};

}  // namespace pmm
