// The exact conditional step (the paper's Algorithm 1): freeze x := g(mu(t0), t0) over [t0, t1], draw the
// observation of precision alpha = F1 - F0 and apply the online-Bayesian update. Exact given x; with a
// predictor it is first order (freezing g costs what Euler-Maruyama's frozen drift costs).
// Normal: mu1 = (b + F0)/(b + F1) mu0 + dF/(b + F1) g + sqrt(dF)/(b + F1) xi. Gamma-Poisson: y ~ Poisson(g dF).
// Inverse-Gamma-Gamma: y ~ Gamma(shape dF, scale g) (Stream::kGamma uniforms keyed on path, step, coordinate).
#pragma once
#include <cmath>

#include "processes/gamma_poisson.hpp"
#include "processes/inverse_gamma_gamma.hpp"
#include "processes/normal.hpp"
#include "solvers/distributions.hpp"
#include "solvers/stepper.hpp"

namespace pmm {

struct ExactStep {
  static constexpr const char* kName = "exact";
  static constexpr double kStrongOrder = 1.0;      // Normal process (additive noise); exact in law given x
  static constexpr double kStrongOrderJump = 0.5;  // jump processes (Gamma-Poisson, Inverse-Gamma-Gamma)
  static constexpr double kWeakOrder = 1.0;

  int step(const NormalProcess& p, const Predictor& pred, Batch& mu, Index path0, const StepInfo& s,
           const NoiseSource& noise, Workspace& ws) const {
    const auto c = StepCoefficients::of(p, s);
    pred.predict(mu, c.t0, path0, ws.g);
    noise.normals(s, path0, ws.xi);
    const auto tr = p.transition(c.F0, c.F1);
    mu = tr.keep * mu + tr.gain * ws.g + tr.scale * ws.xi;
    return 1;
  }

  int step(const GammaPoissonProcess& p, const Predictor& pred, Batch& mu, Index path0, const StepInfo& s,
           const NoiseSource& noise, Workspace& ws) const {
    const auto c = StepCoefficients::of(p, s);
    pred.predict(mu, c.t0, path0, ws.g);
    const double alpha = c.F1 - c.F0;
    ws.tmp = ws.g.max(0.0) * alpha;
    noise.poisson_counts(s, path0, ws.tmp, ws.xi);
    for (Index j = 0; j < mu.cols(); ++j)
      for (Index d = 0; d < mu.rows(); ++d) mu(d, j) = p.update(mu(d, j), ws.xi(d, j), c.F0, alpha);
    return 1;
  }

  int step(const InverseGammaGammaProcess& p, const Predictor& pred, Batch& mu, Index path0, const StepInfo& s,
           const NoiseSource& noise, Workspace& ws) const {
    const auto c = StepCoefficients::of(p, s);
    pred.predict(mu, c.t0, path0, ws.g);
    const double alpha = c.F1 - c.F0;
    for (Index j = 0; j < mu.cols(); ++j)
      for (Index d = 0; d < mu.rows(); ++d) {
        UniformStream u(noise.seed(), static_cast<std::uint64_t>(path0 + j), s.index, Stream::kGamma,
                        static_cast<std::uint32_t>(d));
        const double y = std::max(ws.g(d, j), 0.0) * gamma_draw(u, alpha);
        mu(d, j) = p.update(mu(d, j), y, c.F0, alpha);
      }
    return 1;
  }
};

}  // namespace pmm
