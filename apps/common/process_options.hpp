// Command-line process construction shared by the apps: --process NAME, --schedule SPEC, --prior k=v,...
// -> a validated AnyProcess (errors name the option).
#pragma once
#include <string>
#include <vector>

#include <pmm/models/torch/load_predictor.hpp>
#include <pmm/solvers/registry.hpp>

namespace pmm {

// name: normal | gamma-poisson | inverse-gamma-gamma; schedule "" means the paper's exponential schedule.
AnyProcess make_process(const std::string& name, const std::string& schedule, const std::string& prior);

// The process options of a run with --model, and whether each was given on the command line.
struct ProcessChoice {
  std::string process, schedule, prior;
  bool process_given = false, schedule_given = false, prior_given = false;
};

// Takes the process, schedule and prior a model file was trained for (ModelInfo, read_model_info) for those not
// given, and refuses one given that differs, in one line naming both values:
//   "--process: 'normal' conflicts with gp/model.pt, trained for gamma-poisson; omit --process or give gamma-poisson".
// A file whose process is none of pmm-train's (an autoregressive text model) is refused naming --model. Fields the
// file does not carry are left as given. A categorical model gives the process "dirichlet-categorical"
// (whose token sampler checks length, alphabet and schedule itself).
void apply_model_info(const ModelInfo& info, const std::string& path, ProcessChoice& choice);

// One set of defaults per process, shared by every app (docs/cli.md "Defaults"):
// the solver of a single run: heun (normal), tau-leap (gamma-poisson), exact (inverse-gamma-gamma);
std::string default_solver(const std::string& process);
// the solvers of a sweep: every SDE solver of the registry that fits the process and converges to its law, in
// registry order, and the probability-flow ODE (adaptive "ode") for the normal process; comma-separated.
std::string default_sweep_solvers(const std::string& process);
// --final of pmm-solve and pmm-sweep: output g(mu(1), 1) (+1 NFE).
inline constexpr const char* kDefaultFinal = "denoise";

// The warning every app prints (stderr, one line) when it samples the inverse-gamma-gamma process through a
// posterior-mean predictor: the mean plug-in is biased for every step size (docs/theory.md section 5).
std::string igg_bias_warning();

// A one-line warning (empty if none) when the grid's first step carries a large share of the log-precision gain
// log(1 + F) from t = 0 to 1: share = log(1 + F(t1))/log(1 + F(1)) > max(0.05, 10/n) (10 times a step's fair share).
// Example: --grid uniform-precision with the exponential schedule, 1,000 steps: F from 0 to 1.77 over t in [0, 0.47],
// share 0.14 (uniform grid: 3e-6). grid_name and schedule name the options in the message.
std::string first_step_warning(const Schedule& schedule, const std::vector<double>& grid, const std::string& grid_name);

// Every registered (process, solver) pair with its family, declared weak order, NFE per step and whether it
// converges to the process's law, for --list-solvers, and the defaults.
std::string solver_help();

}  // namespace pmm
