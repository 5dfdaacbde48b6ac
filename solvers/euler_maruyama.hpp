// Euler-Maruyama. Normal: mu += f0 (g - mu)/(b + F0) dt + sqrt(f0)/(b + F0) dW, g = g(mu, t0).
// Gamma-Poisson, on the diffusion approximation dN ~ g f dt + sqrt(g f) dW of the Cox process:
// mu += [-f0 mu dt + g f0 dt + sqrt(g f0 dt) xi]/(beta2 + F0). Inverse-Gamma-Gamma, on dY ~ g f dt + g sqrt(f) dW:
// mu += [f0 (g - mu) dt + g sqrt(f0 dt) xi]/(beta1 + F0 - 1). Strong order 1 (additive noise, Normal), weak 1.
#pragma once
#include <cmath>

#include "processes/gamma_poisson.hpp"
#include "processes/inverse_gamma_gamma.hpp"
#include "processes/normal.hpp"
#include "solvers/stepper.hpp"

namespace pmm {

struct EulerMaruyama {
  static constexpr const char* kName = "euler-maruyama";
  static constexpr double kStrongOrder = 1.0;  // Normal process: additive noise
  static constexpr double kWeakOrder = 1.0;

  int step(const NormalProcess& p, const Predictor& pred, Batch& mu, Index path0, const StepInfo& s,
           const NoiseSource& noise, Workspace& ws) const {
    const auto c = StepCoefficients::of(p, s);
    pred.predict(mu, c.t0, path0, ws.g);
    noise.normals(s, path0, ws.xi);
    const double a = c.f0 * c.dt / (p.b + c.F0);
    const double sig = std::sqrt(c.f0 * c.dt) / (p.b + c.F0);
    mu += a * (ws.g - mu) + sig * ws.xi;
    return 1;
  }

  int step(const GammaPoissonProcess& p, const Predictor& pred, Batch& mu, Index path0, const StepInfo& s,
           const NoiseSource& noise, Workspace& ws) const {
    const auto c = StepCoefficients::of(p, s);
    pred.predict(mu, c.t0, path0, ws.g);
    noise.normals(s, path0, ws.xi);
    const double h = c.f0 * c.dt, inv = 1.0 / (p.beta2 + c.F0);
    const Batch rate = ws.g.max(0.0) * h;  // expected jumps over the step
    mu += inv * (-h * mu + rate + rate.sqrt() * ws.xi);
    return 1;
  }

  int step(const InverseGammaGammaProcess& p, const Predictor& pred, Batch& mu, Index path0, const StepInfo& s,
           const NoiseSource& noise, Workspace& ws) const {
    const auto c = StepCoefficients::of(p, s);
    pred.predict(mu, c.t0, path0, ws.g);
    noise.normals(s, path0, ws.xi);
    const double h = c.f0 * c.dt, inv = 1.0 / p.denominator(c.F0);
    ws.tmp = ws.g.max(0.0);
    mu += inv * (h * (ws.tmp - mu) + std::sqrt(h) * ws.tmp * ws.xi);
    return 1;
  }
};

}  // namespace pmm
