// The registry's table, derived from the type lists of registry.hpp plus the ODE and masked solvers by name, and
// name -> stepper dispatch over the process variant.
#include <pmm/solvers/registry.hpp>

#include <algorithm>

namespace pmm {
namespace {

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

template <class Process, class... Solvers>
void add_sde(std::vector<SolverEntry>& out, std::tuple<Solvers...>*) {
  using Law = std::decay_t<decltype(std::declval<Process>().law())>;
  auto one = [&](auto solver) {
    using S = decltype(solver);
    if constexpr (S::template fits<Law>())
      out.push_back({Law::kName, S::kName, SolverFamily::kSde, S::template orders<Law>(), S::kNfe});
  };
  (one(Solvers{}), ...);
}

template <class... Processes>
void add_processes(std::vector<SolverEntry>& out, std::tuple<Processes...>*) {
  (add_sde<Processes>(out, static_cast<SdeSolvers*>(nullptr)), ...);
}

std::vector<SolverEntry> build_registry() {
  std::vector<SolverEntry> out;
  add_processes(out, static_cast<SdeProcesses*>(nullptr));
  // The probability-flow ODE of the Normal process (solvers/probability_flow.cpp): deterministic given the
  // initial draw; adaptive Dormand-Prince (order 5), fixed RK4 (4), fixed Heun (2). Orders are of the ODE error.
  out.push_back({"normal", "ode", SolverFamily::kOde, {5.0, 5.0, true, "adaptive Dormand-Prince on the ODE"}, 1});
  out.push_back({"normal", "ode-rk4", SolverFamily::kOde, {4.0, 4.0, true, ""}, 4});
  out.push_back({"normal", "ode-heun", SolverFamily::kOde, {2.0, 2.0, true, ""}, 2});
  // Masked samplers of the Dirichlet-Categorical process (solvers/masked_sampler.cpp): exact given the predictor.
  out.push_back({"dirichlet-categorical", "event-driven", SolverFamily::kMasked, {0, 0, true, "exact event times"}, 1});
  out.push_back({"dirichlet-categorical", "fixed-grid", SolverFamily::kMasked, {0, 1.0, true, ""}, 1});
  return out;
}

}  // namespace

const std::vector<SolverEntry>& solver_registry() {
  static const std::vector<SolverEntry> table = build_registry();
  return table;
}

std::string process_name(const AnyProcess& p) {
  return std::visit([](const auto& q) { return std::string(std::decay_t<decltype(q)>::kName); }, p);
}

std::vector<std::string> all_solvers() {
  std::vector<std::string> out;
  for (const auto& e : solver_registry())
    if (e.family == SolverFamily::kSde && std::find(out.begin(), out.end(), e.solver) == out.end())
      out.push_back(e.solver);
  return out;
}

std::vector<std::string> sde_solvers_for(const std::string& process) {
  std::vector<std::string> out;
  for (const auto& e : solver_registry())
    if (e.process == process && e.family == SolverFamily::kSde) out.push_back(e.solver);
  require(!out.empty(), "process", "unknown process '" + process + "'");
  return out;
}

std::vector<std::string> solvers_for(const std::string& process) { return sde_solvers_for(process); }

void check_solver(const std::string& process, const std::string& solver) {
  const auto all = all_solvers();
  require(std::find(all.begin(), all.end(), solver) != all.end(), "solver",
          "unknown solver '" + solver + "' (expected one of: " + join(all) + ")");
  const auto fits = sde_solvers_for(process);
  require(std::find(fits.begin(), fits.end(), solver) != fits.end(), "solver",
          "'" + solver + "' does not fit the " + process + " process; use one of: " + join(fits));
}

const SolverEntry& solver_entry(const std::string& process, const std::string& solver) {
  for (const auto& e : solver_registry())
    if (e.process == process && e.solver == solver) return e;
  check_solver(process, solver);  // throws with the list of fitting solvers
  throw Error(ErrorKind::kInvalidArgument, "solver", "'" + solver + "' is not registered for " + process);
}

SolverOrders solver_orders(const std::string& process, const std::string& solver) {
  return solver_entry(process, solver).orders;
}

int solver_nfe_per_step(const std::string& solver) {
  for (const auto& e : solver_registry())
    if (e.solver == solver) return e.nfe_per_step;
  throw Error(ErrorKind::kInvalidArgument, "solver", "unknown solver '" + solver + "'");
}

bool is_ode_solver(const std::string& solver) {
  return solver == "ode" || solver == "ode-rk4" || solver == "ode-heun";
}

OdeMethod ode_method_of(const std::string& solver) {
  if (solver == "ode") return OdeMethod::kDopri5;
  if (solver == "ode-rk4") return OdeMethod::kRk4;
  if (solver == "ode-heun") return OdeMethod::kHeun;
  throw Error(ErrorKind::kInvalidArgument, "solver", "'" + solver + "' is not an ODE solver (ode, ode-rk4, ode-heun)");
}

Solution solve(const AnyProcess& process, const std::string& solver, const Predictor& pred, const NoiseSource& noise,
               Index paths, const IntegrateOptions& opt, const ProbabilityFlowOptions& flow) {
  if (is_ode_solver(solver)) {
    const auto* normal = std::get_if<NormalProcess>(&process);
    require(normal != nullptr, "solver",
            "'" + solver + "' (the probability-flow ODE) fits the normal process only; the " + process_name(process) +
                " process takes one of: " + join(sde_solvers_for(process_name(process))));
    normal->check("prior");
    require(opt.save_every <= 0, "save_every", "the probability-flow ODE keeps no trajectory");
    require(opt.initial == nullptr, "initial", "the probability-flow ODE starts from its own exact first step");
    check_request(paths, pred.dim(), opt);
    ProbabilityFlowOptions po = flow;
    const std::int64_t steps = static_cast<std::int64_t>(opt.grid.size()) - 1;
    po.ode.method = ode_method_of(solver);
    po.ode.steps = static_cast<int>(steps);
    po.threads = opt.threads;
    if (opt.chunk > 0) po.chunk = opt.chunk;
    po.denoise = opt.denoise;
    po.first_path = opt.first_path;
    if (opt.progress) po.progress = [&](std::int64_t n) { opt.progress(n * steps); };
    return probability_flow(*normal, pred, noise, paths, po);
  }
  check_solver(process_name(process), solver);
  return std::visit(
      [&](const auto& p) -> Solution {
        using Law = std::decay_t<decltype(p.law())>;
        p.check("prior");
        Solution out;
        bool done = false;
        auto one = [&](auto stepper) {
          using S = decltype(stepper);
          if constexpr (S::template fits<Law>()) {
            if (!done && solver == S::kName) {
              out = integrate(stepper, p, pred, noise, paths, opt);
              done = true;
            }
          }
        };
        std::apply([&](auto... s) { (one(s), ...); }, SdeSolvers{});
        return out;
      },
      process);
}

}  // namespace pmm
