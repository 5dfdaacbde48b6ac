// Euler-Maruyama on the diffusion form every process states (processes/*.hpp):
//   dmu = f/D(F) (m(g) - mu) dt + sqrt(f)/D(F) s(g) dW,   mu1 = mu0 + a (m(g0) - mu0) + sig s(g0) xi,
// a = f0 dt / D(F0), sig = sqrt(f0 dt) / D(F0), g0 = g(mu0, t0). Normal: m = g, s = 1 (additive noise: strong order 1).
// Gamma-Poisson and Inverse-Gamma-Gamma: their diffusion approximations (s = sqrt(g), s = g), which are not the
// jump processes: the scheme converges to the approximation's law, not to the process's (orders() says so).
#pragma once
#include <cmath>

#include <pmm/core/hd.hpp>
#include <pmm/solvers/stepper.hpp>

namespace pmm {

struct EulerMaruyama {
  static constexpr const char* kName = "euler-maruyama";
  static constexpr int kNfe = 1;

  template <class Law>
  static constexpr bool fits() {
    return Law::kNoise == NoiseKind::kGaussian || Law::kNoise == NoiseKind::kPoisson ||
           Law::kNoise == NoiseKind::kGamma;
  }
  template <class Law>
  static constexpr SolverOrders orders() {
    if (Law::kNoise == NoiseKind::kPoisson)
      return {0.5, 1.0, false,
              "diffusion approximation of the Cox jump process: does not converge to the process's law (measured: "
              "atoms {0.5, 2, 5} weights 0.275/0.394/0.331 vs 0.3/0.4/0.3 at 500 and 2,000 steps)"};
    if (Law::kNoise == NoiseKind::kGamma)
      return {0.5, 1.0, false,
              "diffusion approximation of the Gamma subordinator (multiplicative noise, strong order 1/2 to the "
              "approximating SDE): converges to that SDE's law, not to the subordinator's"};
    return {Law::kAdditiveNoise ? 1.0 : 0.5, 1.0, true, ""};
  }

  struct Coeffs {
    double a, sig;
  };
  template <class Law>
  PMM_HD static Coeffs prepare(const Law& p, const StepCoefficients& c) {
    const double D0 = p.denominator(c.F0);
    return {c.f0 * c.dt / D0, std::sqrt(c.f0 * c.dt) / D0};
  }
  // T: the state's number type (double; float in the device's float32 kernels, coefficients rounded once).
  template <class Law, class T>
  PMM_HD static T apply(const Law& p, const Coeffs& k, T mu, T g, T xi) {
    return mu + (T(k.a) * (p.target(g) - mu) + T(k.sig) * p.noise_scale(g) * xi);
  }

  template <class Process>
  int step(const Process& p, const Predictor& pred, Batch& mu, Index path0, const StepInfo& s,
           const StepCoefficients& c, const NoiseSource& noise, Workspace& ws) const {
    const auto law = p.law();
    const Coeffs k = prepare(law, c);
    pred.predict(mu, c.t0, path0, ws.g);
    noise.normals(s, path0, ws.xi);
    double* m = mu.data();
    const double *g = ws.g.data(), *xi = ws.xi.data();
    for (Index i = 0, n = mu.size(); i < n; ++i) m[i] = apply(law, k, m[i], g[i], xi[i]);
    return 1;
  }
};

}  // namespace pmm
