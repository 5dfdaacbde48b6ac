// Command-line process construction shared by the apps: --process NAME, --schedule SPEC, --prior k=v,...
// -> a validated AnyProcess (errors name the option).
#pragma once
#include <string>
#include <vector>

#include <pmm/solvers/registry.hpp>

namespace pmm {

// name: normal | gamma-poisson | inverse-gamma-gamma; schedule "" means the paper's exponential schedule.
AnyProcess make_process(const std::string& name, const std::string& schedule, const std::string& prior);

// One set of defaults per process, shared by every app (docs/cli.md "Defaults"):
// the solver of a single run: heun (normal), tau-leap (gamma-poisson), exact (inverse-gamma-gamma);
std::string default_solver(const std::string& process);
// the solvers of a sweep: every SDE solver of the registry that fits the process and converges to its law, in
// registry order, and the probability-flow ODE (adaptive "ode") for the normal process; comma-separated.
std::string default_sweep_solvers(const std::string& process);
// --final of pmm-solve and pmm-sweep: output g(mu(1), 1) (+1 NFE).
inline constexpr const char* kDefaultFinal = "denoise";

// A one-line warning (empty if none) when the grid's first step carries a large share of the log-precision gain
// log(1 + F) from t = 0 to 1: share = log(1 + F(t1))/log(1 + F(1)) > max(0.05, 10/n) (10 times a step's fair share).
// Example: --grid uniform-precision with the exponential schedule, 1,000 steps: F from 0 to 1.77 over t in [0, 0.47],
// share 0.14 (uniform grid: 3e-6). grid_name and schedule name the options in the message.
std::string first_step_warning(const Schedule& schedule, const std::vector<double>& grid, const std::string& grid_name);

}  // namespace pmm
