// Runtime choice of process x solver by name, for the apps. Every pair either runs or is refused with a
// pmm::Error that lists the solvers fitting that process.
#pragma once
#include <string>
#include <variant>
#include <vector>

#include "processes/gamma_poisson.hpp"
#include "processes/inverse_gamma_gamma.hpp"
#include "processes/normal.hpp"
#include "solvers/integrate.hpp"

namespace pmm {

using AnyProcess = std::variant<NormalProcess, GammaPoissonProcess, InverseGammaGammaProcess>;

std::string process_name(const AnyProcess& p);
// Solvers that fit a process, by name ("normal" -> exact, euler-maruyama, heun).
std::vector<std::string> solvers_for(const std::string& process);
std::vector<std::string> all_solvers();
// Throws pmm::Error naming "--solver" when the solver is unknown or does not fit the process.
void check_solver(const std::string& process, const std::string& solver);
// Declared orders of a solver on a process: {strong, weak} (the exact step is strong order 1 on the Normal
// process and 1/2 on the jump processes).
std::pair<double, double> solver_orders(const std::string& process, const std::string& solver);
// Predictor evaluations per step.
int solver_nfe_per_step(const std::string& solver);

IntegrateResult solve(const AnyProcess& process, const std::string& solver, const Predictor& pred,
                      const NoiseSource& noise, Index paths, const IntegrateOptions& opt);

}  // namespace pmm
