// Stochastic Heun (predictor-corrector, one dW per step, Stratonovich; equal to Ito here since the
// Normal process has additive noise): mu_p = mu + a0 dt + s0 dW; mu1 = mu + (a0 + a1)/2 dt + (s0 + s1)/2 dW,
// a = f (g - mu)/(b + F), s = sqrt(f)/(b + F). Strong order 1, weak order 2 for additive noise; 2 NFE per step.
#pragma once
#include <cmath>

#include "processes/normal.hpp"
#include "solvers/stepper.hpp"

namespace pmm {

struct Heun {
  static constexpr const char* kName = "heun";
  static constexpr double kStrongOrder = 1.0;
  static constexpr double kWeakOrder = 2.0;

  int step(const NormalProcess& p, const Predictor& pred, Batch& mu, Index path0, const StepInfo& s,
           const NoiseSource& noise, Workspace& ws) const {
    const auto c = StepCoefficients::of(p, s);
    pred.predict(mu, c.t0, path0, ws.g);
    noise.normals(s, path0, ws.xi);
    const double sdt = std::sqrt(c.dt);
    const double k0 = c.f0 / (p.b + c.F0), s0 = std::sqrt(c.f0) / (p.b + c.F0);
    const double k1 = c.f1 / (p.b + c.F1), s1 = std::sqrt(c.f1) / (p.b + c.F1);
    ws.tmp = mu + k0 * c.dt * (ws.g - mu) + s0 * sdt * ws.xi;  // predictor
    pred.predict(ws.tmp, c.t1, path0, ws.g2);
    mu += 0.5 * c.dt * (k0 * (ws.g - mu) + k1 * (ws.g2 - ws.tmp)) + 0.5 * (s0 + s1) * sdt * ws.xi;
    return 2;
  }
};

}  // namespace pmm
