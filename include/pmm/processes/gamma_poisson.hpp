// Gamma-Poisson PMM (paper 3.3, A.4, Theorem 3). Prior x ~ Gamma(beta1, rate beta2), y_s | x ~ Poisson(alpha_s x).
// mu_s = (beta1 + N_s)/(beta2 + A_s); online mu_s = (beta2 + A_{s-1})/(beta2 + A_s) mu_{s-1} + y_s/(beta2 + A_s).
// Continuous time: N is a Cox process of intensity x f(t); mu(t) = L(t) + A(t) N(t), A = 1/(beta2 + F), L = beta1 A,
// i.e. dmu = -f mu/(beta2 + F) dt + dN/(beta2 + F). Its diffusion approximation dN ~ g f dt + sqrt(g f) dW is NOT
// the process (Euler-Maruyama on it does not converge to the jump law: docs/theory.md).
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

struct GammaPoissonLaw {
  static constexpr const char* kName = "gamma-poisson";
  static constexpr NoiseKind kNoise = NoiseKind::kPoisson;
  static constexpr bool kAdditiveNoise = false;  // diffusion approximation: sqrt(g f)/(beta2 + F)
  // Whether the posterior-mean predictor makes the process exact: the jump intensity f x is linear in x, so g = E[x
  // | mu(t)] gives the marginal law (Theorem 3).
  static constexpr bool kMeanPluginExact = true;
  double beta1 = 0.1;                            // prior shape
  double beta2 = 2.0;                            // prior rate
  // Prior parameters by name (the keys of --prior).
  static constexpr std::array<PriorParameter<GammaPoissonLaw>, 2> prior_parameters() {
    return {{{"beta1", &GammaPoissonLaw::beta1}, {"beta2", &GammaPoissonLaw::beta2}}};
  }

  PMM_HD double initial_mean() const { return beta1 / beta2; }

  // mu = keep mu_prev + y / (beta2 + A), A = A_prev + alpha (the solvers' FixedDivisor loops restate it: tests compare).
  PMM_HD double update(double mu_prev, double y, double A_prev, double alpha) const {
    const double A = A_prev + alpha;
    return keep(A_prev, A) * mu_prev + y / denominator(A);
  }
  // The posterior Gamma(beta1 + N, beta2 + A) of x: its shape and its mean shape / rate.
  PMM_HD double posterior_shape(double N) const { return beta1 + N; }
  PMM_HD double posterior_mean(double N, double A) const { return posterior_shape(N) / denominator(A); }
  // Count N(t) recovered from mu(t): N = mu (beta2 + F) - beta1 (an integer along exact paths).
  PMM_HD double count(double mu, double F) const { return mu * (beta2 + F) - beta1; }
  // mu(t) given x from its count N(t) ~ Poisson(x F(t)).
  PMM_HD double sample_given_x(double N, double A) const { return posterior_mean(N, A); }
  // Mean of the Poisson count over a step of precision alpha with intensity g (negative g clipped to 0).
  PMM_HD double jump_mean(double g, double alpha) const { return (g > 0.0 ? g : 0.0) * alpha; }

  // Jump process: drift between jumps, jump size, Cox intensity.
  PMM_HD double jump_drift(double f, double F, double mu) const { return -f * mu / (beta2 + F); }
  PMM_HD double jump_scale(double F) const { return 1.0 / (beta2 + F); }
  PMM_HD double cox_intensity(double f, double g) const { return g * f; }

  // The diffusion approximation in the shared form dmu = f/D (m(g) - mu) dt + sqrt(f)/D s(g) dW.
  PMM_HD double denominator(double F) const { return beta2 + F; }
  PMM_HD double target(double g) const { return g > 0.0 ? g : 0.0; }
  PMM_HD double noise_scale(double g) const { return std::sqrt(target(g)); }
  PMM_HD double drift(double f, double F, double mu, double g) const { return f * (target(g) - mu) / (beta2 + F); }
  PMM_HD double diffusion(double f, double F, double g) const { return std::sqrt(f) / (beta2 + F) * noise_scale(g); }

  // Exact transition given x over [t0, t1]: mu1 = keep mu0 + dN / (beta2 + F1), dN ~ Poisson(x dF), i.e. update().
  PMM_HD double keep(double F0, double F1) const { return (beta2 + F0) / (beta2 + F1); }

  void check(const std::string& what = "prior") const {
    require(std::isfinite(beta1) && beta1 > 0.0, what, "beta1 must be > 0, got " + std::to_string(beta1));
    require(std::isfinite(beta2) && beta2 > 0.0, what, "beta2 must be > 0, got " + std::to_string(beta2));
  }
};

struct GammaPoissonProcess : GammaPoissonLaw {
  SchedulePtr schedule;

  using GammaPoissonLaw::drift;
  double drift(double t, double mu) const { return jump_drift(schedule->f(t), schedule->F(t), mu); }
  double jump_size(double t) const { return jump_scale(schedule->F(t)); }
  double intensity(double t, double g) const { return cox_intensity(schedule->f(t), g); }
  const GammaPoissonLaw& law() const { return *this; }
};

}  // namespace pmm
