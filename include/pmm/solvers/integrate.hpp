// The one integrate driver: owns the time grid, the save points, the chunking of paths over threads and
// the count of predictor evaluations (NFE, per path). Steppers only advance a chunk over one step.
// Paths are split into chunks; each chunk runs the whole grid; noise is keyed by global path index,
// so the result is the same for any thread count and chunk size.
#pragma once
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include <pmm/models/predictor.hpp>
#include <pmm/core/error.hpp>
#include <pmm/random/noise.hpp>
#include <pmm/solvers/driver.hpp>
#include <pmm/solvers/solution.hpp>
#include <pmm/solvers/stepper.hpp>

namespace pmm {

struct IntegrateOptions {
  std::vector<double> grid;  // 0 = t_0 < ... < t_N = 1
  int save_every = 0;        // 0: no trajectory; k > 0: save mu at steps 0, k, 2k, ... and at N
  int threads = 1;
  Index chunk = 0;           // paths per task; 0: the predictor's preferred batch
  bool denoise = false;      // final output g(mu(1), 1) instead of mu(1) (one more NFE)
  std::function<void(std::int64_t)> progress;  // path-steps just completed (called from workers)
  const Batch* initial = nullptr;  // dim x paths start state; nullptr: the process's prior mean
  // Global index of the first path: path j of this call draws the noise (and reads the given x) of path
  // first_path + j, so a job split into contiguous blocks (one per MPI rank) reproduces the one-call result.
  Index first_path = 0;
};

inline std::vector<int> save_steps(int n_steps, int every) {
  std::vector<int> out;
  if (every <= 0) return out;
  for (int s = 0; s <= n_steps; s += every) out.push_back(s);
  if (out.back() != n_steps) out.push_back(n_steps);
  return out;
}

// The checks every back end applies to a run (the CPU driver below and device_solve()): paths and coordinates fit
// the counters (first_path + path < 2^32, coordinate < 2^24, steps < 2^31), the grid spans [0, 1], the start state fits.
inline void check_request(Index paths, Index dim, const IntegrateOptions& opt) {
  require(paths >= 1 && paths < (Index(1) << 32), "paths", fmt::format("must be in [1, 2^32), got {}", paths));
  require(opt.first_path >= 0 && opt.first_path + paths <= (Index(1) << 32), "first_path",
          fmt::format("first_path + paths must lie in [0, 2^32], got {} + {}", opt.first_path, paths));
  require(dim >= 1 && dim < (Index(1) << 24), "target", fmt::format("dimension must be in [1, 2^24), got {}", dim));
  require(opt.grid.size() >= 2 && opt.grid.front() == 0.0 && opt.grid.back() == 1.0, "grid",
          "must start at 0, end at 1, and have at least one step");
  require(opt.grid.size() - 1 < (std::size_t(1) << 31), "grid", "must have fewer than 2^31 steps (random.hpp: kHalfStepFlag)");
  require(opt.threads >= 1, "threads", fmt::format("must be >= 1, got {}", opt.threads));
  if (opt.initial) require(opt.initial->rows() == dim && opt.initial->cols() == paths, "initial", "must be dim x paths");
}

template <class Stepper, class Process>
Solution integrate(const Stepper& stepper, const Process& process, const Predictor& pred,
                          const NoiseSource& noise, Index paths, const IntegrateOptions& opt) {
  const Index dim = pred.dim();
  check_request(paths, dim, opt);
  const int n_steps = static_cast<int>(opt.grid.size()) - 1;
  const auto saves = save_steps(n_steps, opt.save_every);
  const ChunkPlan plan = plan_chunks(paths, opt.chunk, opt.threads, pred);
  // The schedule's values at the grid, once for every chunk (a virtual call and an exp or expm1 each).
  const std::vector<StepCoefficients> coef = grid_coefficients(*process.schedule, opt.grid);

  Solution res;
  res.paths = paths;
  res.final.resize(dim, paths);
  for (int s : saves) res.save_times.push_back(opt.grid[s]);
  res.trajectory.resize(saves.size() * static_cast<size_t>(paths * dim));
  std::atomic<std::int64_t> nfe0{0};

  res.seconds = drive_chunks(paths, plan, [&](Index c, Index p0, Index n) {
    const Index g0 = opt.first_path + p0;  // global index of the chunk's first path: the key of its draws
    Workspace ws;  // per chunk: a small allocation next to a whole grid of steps
    Batch mu;
    ws.resize(dim, n);
    if (opt.initial)
      mu = opt.initial->middleCols(p0, n);
    else
      mu.setConstant(dim, n, process.initial_mean());
    std::int64_t evals = 0;
    size_t next_save = 0;
    auto save = [&](int s) {
      if (next_save < saves.size() && saves[next_save] == s) {
        double* dst = res.trajectory.data() + next_save * static_cast<size_t>(paths * dim) + p0 * dim;
        std::copy(mu.data(), mu.data() + n * dim, dst);
        ++next_save;
      }
    };
    save(0);
    for (int s = 0; s < n_steps; ++s) {
      const StepInfo info{static_cast<std::uint32_t>(s), static_cast<std::uint32_t>(n_steps), opt.grid[s],
                          opt.grid[s + 1]};
      evals += stepper.step(process, pred, mu, g0, info, coef[static_cast<size_t>(s)], noise, ws);
      save(s + 1);
      if (opt.progress) opt.progress(n);
    }
    if (opt.denoise) {
      pred.predict(mu, 1.0, g0, ws.g);
      mu = ws.g;
      ++evals;
    }
    res.final.middleCols(p0, n) = mu;
    if (c == 0) nfe0 = evals;
  });
  res.nfe_max = nfe0;
  res.nfe_mean = static_cast<double>(res.nfe_max);
  return res;
}

}  // namespace pmm
