// The one registry of (process, solver) pairs. SDE solvers are generic templates enabled by the process's noise
// kind (Stepper::fits<Law>()), so the pairs and their orders follow from two type lists (kProcesses, kSdeSolvers
// in registry.cpp); the probability-flow ODE and the masked samplers are listed beside them by name. Every pair
// either runs or is refused with a pmm::Error naming the argument and listing the solvers that fit.
#pragma once
#include <string>
#include <tuple>
#include <variant>
#include <vector>

#include <pmm/processes/gamma_poisson.hpp>
#include <pmm/processes/inverse_gamma_gamma.hpp>
#include <pmm/processes/normal.hpp>
#include <pmm/solvers/euler_maruyama.hpp>
#include <pmm/solvers/exact_step.hpp>
#include <pmm/solvers/heun.hpp>
#include <pmm/solvers/integrate.hpp>
#include <pmm/solvers/probability_flow.hpp>
#include <pmm/solvers/solution.hpp>
#include <pmm/solvers/tau_leap.hpp>

namespace pmm {

// Adding a process: one header under processes/ and one entry in SdeProcesses; adding an SDE solver: one header under
// solvers/ and one entry in SdeSolvers (docs/extending.md).
using SdeProcesses = std::tuple<NormalProcess, GammaPoissonProcess, InverseGammaGammaProcess>;
using SdeSolvers = std::tuple<ExactStep, TauLeap, TauLeapMidpoint, EulerMaruyama, Heun>;
template <class Tuple>
struct VariantOf;
template <class... P>
struct VariantOf<std::tuple<P...>> {
  using type = std::variant<P...>;
};
using AnyProcess = VariantOf<SdeProcesses>::type;  // one of the registered processes

enum class SolverFamily { kSde, kOde, kMasked };

// One registered pair.
struct SolverEntry {
  std::string process, solver;
  SolverFamily family = SolverFamily::kSde;
  SolverOrders orders;
  int nfe_per_step = 1;  // predictor evaluations per step (ODE: per step of the fixed-step method)
};

// Every registered pair, in registry order (processes, then solvers in list order).
const std::vector<SolverEntry>& solver_registry();

std::string process_name(const AnyProcess& p);
// The SDE solvers that fit a process, by name ("normal" -> exact, euler-maruyama, heun); the ODE and masked
// entries are in solver_registry().
std::vector<std::string> sde_solvers_for(const std::string& process);
std::vector<std::string> solvers_for(const std::string& process);  // = sde_solvers_for (the apps' name)
std::vector<std::string> all_solvers();
// Throws pmm::Error naming "solver" when the solver is unknown or does not fit the process ("process" when the
// process is unknown).
void check_solver(const std::string& process, const std::string& solver);
const SolverEntry& solver_entry(const std::string& process, const std::string& solver);
// Declared orders of a solver on a process (from the process's noise kind).
SolverOrders solver_orders(const std::string& process, const std::string& solver);
// Predictor evaluations per step.
int solver_nfe_per_step(const std::string& solver);

// The ODE solvers' names: "ode" (adaptive dopri5), "ode-rk4", "ode-heun" (fixed steps); false for others.
bool is_ode_solver(const std::string& solver);
// The ODE method of an ODE solver name; throws pmm::Error naming "solver" for any other name.
OdeMethod ode_method_of(const std::string& solver);

// The one entry point for the continuous processes. solver: an SDE solver of the registry (opt.grid is its time
// grid), or for the Normal process an ODE solver, which integrates the probability-flow ODE (probability_flow.hpp)
// with flow's tolerances, clock and start precision; the fixed-step methods take one step per interval of
// opt.grid in the flow's clock, dopri5 adapts its own. opt.threads, opt.chunk (when > 0), opt.denoise and
// opt.progress apply to both families; progress counts path-steps (an ODE chunk reports paths x grid steps when
// it finishes). The ODE keeps no trajectory: opt.save_every > 0 is refused, naming "save_every".
Solution solve(const AnyProcess& process, const std::string& solver, const Predictor& pred, const NoiseSource& noise,
               Index paths, const IntegrateOptions& opt, const ProbabilityFlowOptions& flow = {});

}  // namespace pmm
