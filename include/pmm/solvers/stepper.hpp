// The stepper concept (docs/extending.md): a stateless struct with
//   kName, kNfe (predictor evaluations per step),
//   template <class Law> static constexpr bool fits();            which processes it steps (from their noise kind)
//   template <class Law> static constexpr SolverOrders orders();  strong/weak order on that process
//   per-element host/device updates (prepare(law, c) once per step, apply(...) per element), and
//   template <class Process>
//   int step(process, predictor, mu, path0, StepInfo, StepCoefficients, noise, Workspace&) const;
// which advances a chunk mu (dim x n) from t0 to t1 and returns the predictor evaluations made. Steppers hold no
// time, trajectory or random state: integrate() drives them, with the step's schedule values (StepCoefficients)
// computed once per grid (grid_coefficients), not once per chunk; the CUDA/Thrust kernels call the same updates.
#pragma once
#include <vector>

#include <pmm/core/batch.hpp>
#include <pmm/models/predictor.hpp>
#include <pmm/processes/noise_kind.hpp>
#include <pmm/processes/schedule.hpp>
#include <pmm/processes/step_coefficients.hpp>
#include <pmm/random/noise.hpp>

namespace pmm {

// Scratch buffers reused across steps of one chunk (no allocation inside the step loop).
struct Workspace {
  Batch g, g2, xi, tmp;
  void resize(Index dim, Index n) {
    for (Batch* b : {&g, &g2, &xi, &tmp}) b->resize(dim, n);
  }
};

// Orders of a solver on a process, derived from the process's noise (torchsde: strong 1 for additive noise,
// 1/2 for multiplicative). converges: false where the scheme's limit is not the process's law (a diffusion
// approximation of a jump process); note says why.
struct SolverOrders {
  double strong = 0, weak = 0;
  bool converges = true;
  const char* note = "";
};

inline StepCoefficients step_coefficients(const Schedule& sc, double t0, double t1) {
  return {t0, t1, t1 - t0, sc.F(t0), sc.F(t1), sc.f(t0), sc.f(t1), sc.F(0.5 * (t0 + t1))};
}
// The coefficients of every step of a grid t_0 < ... < t_N, step s from t_s to t_{s+1}.
inline std::vector<StepCoefficients> grid_coefficients(const Schedule& sc, const std::vector<double>& grid) {
  std::vector<StepCoefficients> out(grid.size() < 2 ? 0 : grid.size() - 1);
  for (size_t s = 0; s < out.size(); ++s) out[s] = step_coefficients(sc, grid[s], grid[s + 1]);
  return out;
}

}  // namespace pmm
