// Name -> stepper dispatch over the process variant; the table below is the one place that says which
// solver fits which process.
#include "solvers/registry.hpp"

#include <algorithm>
#include <map>

#include "solvers/euler_maruyama.hpp"
#include "solvers/exact_step.hpp"
#include "solvers/heun.hpp"
#include "solvers/tau_leap.hpp"

namespace pmm {
namespace {

const std::map<std::string, std::vector<std::string>>& fit_table() {
  static const std::map<std::string, std::vector<std::string>> table = {
      {"normal", {"exact", "euler-maruyama", "heun"}},
      {"gamma-poisson", {"exact", "tau-leap", "tau-leap-midpoint", "euler-maruyama"}},
      {"inverse-gamma-gamma", {"exact", "euler-maruyama"}},
  };
  return table;
}

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

}  // namespace

std::string process_name(const AnyProcess& p) {
  return std::visit([](const auto& q) { return std::string(std::decay_t<decltype(q)>::kName); }, p);
}

std::vector<std::string> all_solvers() { return {"exact", "euler-maruyama", "heun", "tau-leap", "tau-leap-midpoint"}; }

std::vector<std::string> solvers_for(const std::string& process) {
  auto it = fit_table().find(process);
  require(it != fit_table().end(), "--process", "unknown process '" + process + "'");
  return it->second;
}

void check_solver(const std::string& process, const std::string& solver) {
  const auto all = all_solvers();
  require(std::find(all.begin(), all.end(), solver) != all.end(), "--solver",
          "unknown solver '" + solver + "' (expected one of: " + join(all) + ")");
  const auto fits = solvers_for(process);
  require(std::find(fits.begin(), fits.end(), solver) != fits.end(), "--solver",
          "'" + solver + "' does not fit the " + process + " process; use one of: " + join(fits));
}

std::pair<double, double> solver_orders(const std::string& process, const std::string& solver) {
  if (solver == "exact")
    return {process == "normal" ? ExactStep::kStrongOrder : ExactStep::kStrongOrderJump, ExactStep::kWeakOrder};
  if (solver == "euler-maruyama") return {EulerMaruyama::kStrongOrder, EulerMaruyama::kWeakOrder};
  if (solver == "heun") return {Heun::kStrongOrder, Heun::kWeakOrder};
  if (solver == "tau-leap") return {TauLeap::kStrongOrder, TauLeap::kWeakOrder};
  if (solver == "tau-leap-midpoint") return {TauLeapMidpoint::kStrongOrder, TauLeapMidpoint::kWeakOrder};
  throw Error("--solver: unknown solver '" + solver + "'");
}

int solver_nfe_per_step(const std::string& solver) {
  return solver == "heun" || solver == "tau-leap-midpoint" ? 2 : 1;
}

IntegrateResult solve(const AnyProcess& process, const std::string& solver, const Predictor& pred,
                      const NoiseSource& noise, Index paths, const IntegrateOptions& opt) {
  check_solver(process_name(process), solver);
  return std::visit(
      [&](const auto& p) -> IntegrateResult {
        using P = std::decay_t<decltype(p)>;
        if constexpr (std::is_same_v<P, InverseGammaGammaProcess>) p.check("--prior");
        if (solver == "exact") return integrate(ExactStep{}, p, pred, noise, paths, opt);
        if (solver == "euler-maruyama") return integrate(EulerMaruyama{}, p, pred, noise, paths, opt);
        if constexpr (std::is_same_v<P, NormalProcess>) {
          if (solver == "heun") return integrate(Heun{}, p, pred, noise, paths, opt);
        }
        if constexpr (std::is_same_v<P, GammaPoissonProcess>) {
          if (solver == "tau-leap") return integrate(TauLeap{}, p, pred, noise, paths, opt);
          if (solver == "tau-leap-midpoint") return integrate(TauLeapMidpoint{}, p, pred, noise, paths, opt);
        }
        throw Error("--solver: '" + solver + "' does not fit this process");
      },
      process);
}

}  // namespace pmm
