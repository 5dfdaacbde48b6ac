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
#include <pmm/solvers/tau_leap.hpp>

namespace pmm {

// Adding a process: one header under processes/ and one entry here; adding an SDE solver: one header under
// solvers/ and one entry in SdeSolvers (docs/extending.md).
using SdeProcesses = std::tuple<NormalProcess, GammaPoissonProcess, InverseGammaGammaProcess>;
using SdeSolvers = std::tuple<ExactStep, TauLeap, TauLeapMidpoint, EulerMaruyama, Heun>;
using AnyProcess = std::variant<NormalProcess, GammaPoissonProcess, InverseGammaGammaProcess>;

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

IntegrateResult solve(const AnyProcess& process, const std::string& solver, const Predictor& pred,
                      const NoiseSource& noise, Index paths, const IntegrateOptions& opt);

}  // namespace pmm
