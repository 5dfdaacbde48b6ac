// The one result of every sampler: the SDE steppers (integrate), the probability-flow ODE, the masked samplers
// and the device kernels all return a Solution, so callers (apps, the Python module, the checks) read one type.
// A continuous process fills `final` (dim x paths) and, when asked, `trajectory` [saves, paths, dim]; the
// Dirichlet-Categorical samplers fill `tokens` [paths, length] and a trajectory of masked fractions [saves, paths].
// NFE: predictor evaluations per path. Fixed-grid SDE and ODE methods evaluate every path equally often
// (nfe_mean = nfe_max); the adaptive ODE shares its steps within a chunk and the event-driven sampler evaluates
// each path at its own reveal events, so there they differ.
#pragma once
#include <cstdint>
#include <vector>

#include <pmm/core/batch.hpp>

namespace pmm {

struct Solution {
  Index paths = 0;
  // Continuous processes: mu(1), or g(mu(1), 1) when denoised, dim x paths.
  Batch final;
  // Dirichlet-Categorical: token ids in [0, vocab), [paths, length] in C order.
  std::vector<int> tokens;
  int length = 0, vocab = 0;
  // Save points: times, and the saved states ([saves, paths, dim] for continuous processes; the masked fraction of
  // each path [saves, paths] for the masked samplers). Empty when no trajectory was requested.
  std::vector<double> save_times;
  std::vector<double> trajectory;
  // Masked samplers with save_reveal_times: when each position was revealed, [paths, length]; +inf marks a
  // leftover (still masked at t = 1 and filled there).
  std::vector<double> reveal_times;
  // Cost.
  double nfe_mean = 0;                     // predictor evaluations per path, averaged over paths
  std::int64_t nfe_max = 0;                // the most any path took
  std::vector<std::int64_t> nfe_per_path;  // masked samplers only (event-driven paths differ)
  // Diagnostics of particular samplers (zero elsewhere).
  std::int64_t rejected = 0;        // adaptive ODE: rejected steps, summed over chunks
  double t_start = 0;               // ODE: the time reached by the exact stochastic first step
  std::int64_t leftover = 0;        // masked: positions still masked at t = 1 (each filled with 1 NFE, counted)
  std::int64_t leftover_paths = 0;  // masked: paths with at least one leftover
  double seconds = 0;               // wall time of the sampling loop
};

}  // namespace pmm
