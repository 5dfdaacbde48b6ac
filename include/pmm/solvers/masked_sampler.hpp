// run_masked: the one driver of the Dirichlet-Categorical samplers (fixed grid, event-driven). It validates the
// inputs, splits paths into chunks over threads (every draw keyed on the global path, so results do not depend on
// threads or chunk size), and returns tokens [paths, C], NFE per path and masked fractions at save times
// (masked at s <=> reveal time > s; positions still masked at t = 1, the leftovers, count as masked at every s <= 1
// and are then filled one at a time through the predictor at t = 1, 1 NFE each: exact, see masked_steppers.hpp).
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <pmm/models/token_predictor.hpp>
#include <pmm/processes/dirichlet_categorical.hpp>
#include <pmm/processes/schedule.hpp>
#include <pmm/solvers/solution.hpp>

namespace pmm {

enum class MaskedSolver { kFixedGrid, kEventDriven };

std::vector<std::string> masked_solvers();  // {"fixed-grid", "event-driven"}
// Throws pmm::Error naming option for an unknown name.
MaskedSolver parse_masked_solver(const std::string& name, const std::string& option = "--solver");
std::string masked_solver_name(MaskedSolver solver);

struct MaskedOptions {
  MaskedSolver solver = MaskedSolver::kEventDriven;
  std::vector<double> grid;        // fixed-grid only: 0 = t_0 < ... < t_N = 1 (make_grid)
  std::vector<double> save_times;  // masked fraction recorded at these times, each in [0, 1]
  bool save_reveal_times = false;  // keep reveal times [paths, C] (for tokens_at)
  int threads = 1;
  Index chunk = 0;  // paths per task; 0: the predictor's preferred batch
  std::uint64_t seed = 0;
  std::function<void(std::int64_t)> progress;  // paths just finished (called from workers)
  Index first_path = 0;  // global index of the first path (as IntegrateOptions::first_path)
};

// The result (solution.hpp): tokens [paths, C], nfe_per_path, the masked fraction of each path at the save
// times as the trajectory [saves, paths], reveal_times when save_reveal_times, and the leftover counts.

// Throws pmm::Error when the predictor's vocabulary or length differs from the process's, on a bad grid,
// save time, thread count or path count, or when the predictor returns something that is not a distribution.
Solution run_masked(const DirichletCategoricalProcess& process, const TokenPredictor& pred, Index paths,
                    const MaskedOptions& opt);

// Fixed-grid time grid for the masked process: uniform and power grids as make_grid; "uniform-precision" gives
// equal increments of the mean over positions of F_c (equal expected reveals per step).
std::vector<double> masked_grid(const GridSpec& spec, const DirichletCategoricalProcess& process, int steps);

// The sequences at time t (needs save_reveal_times): token where reveal time <= t, else the mask id V.
std::vector<int> tokens_at(const Solution& result, double t);

}  // namespace pmm
