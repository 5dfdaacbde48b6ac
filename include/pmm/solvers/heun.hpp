// Stochastic Heun (predictor-corrector, one dW per step) on the diffusion form of a process with ADDITIVE noise
// (it converges to the Stratonovich solution, equal to Ito only there; fits() admits those processes only):
//   mu_p = mu + k0 dt (g0 - mu) + s0 dW,   mu1 = mu + dt/2 (k0 (g0 - mu) + k1 (g1 - mu_p)) + (s0 + s1)/2 dW,
// k = f/D(F), s = sqrt(f)/D(F), g1 = g(mu_p, t1). Strong order 1, weak order 2; 2 NFE per step.
#pragma once
#include <cmath>

#include <pmm/core/hd.hpp>
#include <pmm/solvers/stepper.hpp>

namespace pmm {

struct Heun {
  static constexpr const char* kName = "heun";
  static constexpr int kNfe = 2;

  template <class Law>
  static constexpr bool fits() {
    return Law::kAdditiveNoise;
  }
  template <class Law>
  static constexpr SolverOrders orders() {
    return {1.0, 2.0, true, ""};
  }

  struct Coeffs {
    double k0dt, s0sdt, k1, hdt, hs;  // k0 dt, s0 sqrt(dt), k1, dt/2, (s0 + s1)/2 sqrt(dt)
    double k0;
  };
  template <class Law>
  PMM_HD static Coeffs prepare(const Law& p, const StepCoefficients& c) {
    const double sdt = std::sqrt(c.dt);
    const double k0 = c.f0 / p.denominator(c.F0), s0 = std::sqrt(c.f0) / p.denominator(c.F0);
    const double k1 = c.f1 / p.denominator(c.F1), s1 = std::sqrt(c.f1) / p.denominator(c.F1);
    return {k0 * c.dt, s0 * sdt, k1, 0.5 * c.dt, 0.5 * (s0 + s1) * sdt, k0};
  }
  // The predictor stage mu_p.
  // T: the state's number type (double; float in the device's float32 kernels).
  template <class Law, class T>
  PMM_HD static T predict(const Law& p, const Coeffs& k, T mu, T g0, T xi) {
    return mu + T(k.k0dt) * (p.target(g0) - mu) + T(k.s0sdt) * xi;
  }
  template <class Law, class T>
  PMM_HD static T correct(const Law& p, const Coeffs& k, T mu, T mu_p, T g0, T g1, T xi) {
    return mu + (T(k.hdt) * (T(k.k0) * (p.target(g0) - mu) + T(k.k1) * (p.target(g1) - mu_p)) + T(k.hs) * xi);
  }

  template <class Process>
  int step(const Process& p, const Predictor& pred, Batch& mu, Index path0, const StepInfo& s,
           const StepCoefficients& c, const NoiseSource& noise, Workspace& ws) const {
    const auto law = p.law();
    const Coeffs k = prepare(law, c);
    pred.predict(mu, c.t0, path0, ws.g);
    noise.normals(s, path0, ws.xi);
    ws.tmp.resize(mu.rows(), mu.cols());
    const Index n = mu.size();
    for (Index i = 0; i < n; ++i) ws.tmp.data()[i] = predict(law, k, mu.data()[i], ws.g.data()[i], ws.xi.data()[i]);
    pred.predict(ws.tmp, c.t1, path0, ws.g2);
    double* m = mu.data();
    for (Index i = 0; i < n; ++i) m[i] = correct(law, k, m[i], ws.tmp.data()[i], ws.g.data()[i], ws.g2.data()[i], ws.xi.data()[i]);
    return 2;
  }
};

}  // namespace pmm
