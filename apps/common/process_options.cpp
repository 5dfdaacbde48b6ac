// Builds a process from its command-line spelling; prior keys: b (normal), beta1, beta2 (the others).
#include "apps/common/process_options.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <set>
#include <tuple>

#include <fmt/format.h>

#include "apps/common/options.hpp"
#include <pmm/core/error.hpp>

namespace pmm {

namespace {

// One registered process P built from --prior k=v,... with the keys its law lists (absent keys keep the law's
// defaults), checked by the law itself.
template <class P>
void make_if(const std::string& name, const SchedulePtr& schedule, const std::string& prior,
             std::optional<AnyProcess>& out) {
  using Law = std::decay_t<decltype(std::declval<P>().law())>;
  if (out || name != Law::kName) return;
  std::set<std::string> keys;
  for (const auto& q : Law::prior_parameters()) keys.insert(q.name);
  auto kv = parse_kv_list(prior, "--prior", keys);
  P p;
  p.schedule = schedule;
  for (const auto& q : Law::prior_parameters())
    if (kv.count(q.name)) p.*(q.member) = kv[q.name];
  p.check("--prior");
  out = p;
}

template <class... P>
std::optional<AnyProcess> make_any(const std::string& name, const SchedulePtr& schedule, const std::string& prior,
                                   std::tuple<P...>*) {
  std::optional<AnyProcess> out;
  (make_if<P>(name, schedule, prior, out), ...);
  return out;
}

}  // namespace

AnyProcess make_process(const std::string& name, const std::string& schedule_spec, const std::string& prior) {
  const SchedulePtr schedule = parse_schedule(schedule_spec.empty() ? "exponential" : schedule_spec, "--schedule");
  if (auto p = make_any(name, schedule, prior, static_cast<SdeProcesses*>(nullptr))) return *p;
  std::string names;
  std::apply([&](const auto&... p) { ((names += std::string(p.law().kName) + ", "), ...); }, SdeProcesses{});
  throw Error(ErrorKind::kInvalidArgument, "--process",
              "unknown process '" + name + "' (expected " + names + "or dirichlet-categorical)");
}

void apply_model_info(const ModelInfo& info, const std::string& path, ProcessChoice& c) {
  if (!info.process.empty()) {
    require(info.process == "normal" || info.process == "gamma-poisson" || info.process == "inverse-gamma-gamma" ||
                info.process == "categorical",
            "--model",
            fmt::format("{}: a {} model, not a PMM posterior-mean predictor (pmm-train writes those, for normal, "
                        "gamma-poisson, inverse-gamma-gamma or categorical)",
                        path, info.process));
    const std::string trained = info.process == "categorical" ? "dirichlet-categorical" : info.process;
    if (!c.process_given)
      c.process = trained;
    else
      require(c.process == trained, "--process",
              fmt::format("'{}' conflicts with {}, trained for {}; omit --process or give {}", c.process, path,
                          trained, trained));
  }
  if (c.process == "dirichlet-categorical") return;
  if (!info.schedule.empty()) {
    if (!c.schedule_given) {
      require(info.schedule.rfind("table:", 0) != 0, "--schedule",
              fmt::format("{} was trained with a table schedule ({}); give its file as --schedule table:FILE", path,
                          info.schedule));
      c.schedule = info.schedule;
    } else {
      const std::string given = parse_schedule(c.schedule, "--schedule")->describe();
      require(given == info.schedule, "--schedule",
              fmt::format("'{}' conflicts with {}, trained with {}; omit --schedule or give that one", given, path,
                          info.schedule));
    }
  }
  if (info.has_prior) {
    // Keys not given take the file's values (not the process defaults); keys given must equal them.
    const bool normal = c.process == "normal";
    const std::map<std::string, double> trained =
        normal ? std::map<std::string, double>{{"b", info.b}}
               : std::map<std::string, double>{{"beta1", info.beta1}, {"beta2", info.beta2}};
    const std::string trained_text =
        normal ? fmt::format("b={}", info.b) : fmt::format("beta1={},beta2={}", info.beta1, info.beta2);
    if (c.prior_given) {
      const auto given = parse_kv_list(c.prior, "--prior", normal ? std::set<std::string>{"b"}
                                                                  : std::set<std::string>{"beta1", "beta2"});
      for (const auto& [key, value] : given)
        require(value == trained.at(key), "--prior",
                fmt::format("'{}={}' conflicts with {}, trained with {}; omit --prior or give that", key, value, path,
                            trained_text));
    }
    c.prior = trained_text;
  }
}

std::string igg_bias_warning() {
  return "warning: inverse-gamma-gamma with a posterior-mean predictor (oracle or network) is biased at every step "
         "size: total variation about 0.09 from the target on builtin:scales3 (docs/theory.md section 5); only "
         "--given-x runs are exact";
}

std::string default_solver(const std::string& process) {
  if (process == "normal") return "heun";
  if (process == "gamma-poisson") return "tau-leap";
  if (process == "dirichlet-categorical") return "event-driven";
  return "exact";
}

std::string default_sweep_solvers(const std::string& process) {
  std::string list;
  for (const auto& s : sde_solvers_for(process))
    if (solver_orders(process, s).converges) list += (list.empty() ? "" : ",") + s;
  if (process == "normal") list += ",ode";
  return list;
}

std::string first_step_warning(const Schedule& schedule, const std::vector<double>& grid, const std::string& grid_name) {
  if (grid.size() < 3) return "";
  const double total = std::log1p(schedule.F(grid.back())), first = std::log1p(schedule.F(grid[1]));
  const double n = static_cast<double>(grid.size() - 1);
  if (!(total > 0) || !(first / total > std::max(0.05, 10.0 / n))) return "";
  return fmt::format(
      "warning: --grid {}: the first of {} steps (t from 0 to {:.3g}, F from 0 to {:.3g}) carries {:.0f}% of the "
      "log-precision log(1 + F(1)) = {:.3g}, {:.0f} times a step's share; its error will dominate: use a grid that "
      "spreads log(1 + F) (with the exponential schedule: uniform), see docs/cli.md",
      grid_name, grid.size() - 1, grid[1], schedule.F(grid[1]), 100 * first / total, total, first / total * n);
}

std::string solver_help() {
  std::string s = fmt::format("{:<22} {:<18} {:<7} {:>10} {:>9}  {}\n", "process", "solver", "family", "weak order",
                              "NFE/step", "converges to the law");
  for (const auto& e : solver_registry()) {
    const char* family = e.family == SolverFamily::kSde ? "SDE" : e.family == SolverFamily::kOde ? "ODE" : "masked";
    s += fmt::format("{:<22} {:<18} {:<7} {:>10} {:>9}  {}{}\n", e.process, e.solver, family,
                     e.orders.weak > 0 ? fmt::format("{:g}", e.orders.weak) : std::string("-"), e.nfe_per_step,
                     e.orders.converges ? "yes" : "no", *e.orders.note ? std::string("  (") + e.orders.note + ")" : "");
  }
  s += "NFE: predictor (network) evaluations per path, the cost that dominates with a trained model; --final denoise "
       "adds 1.\nDefaults: heun (normal), tau-leap (gamma-poisson), exact (inverse-gamma-gamma), event-driven "
       "(dirichlet-categorical). ode (adaptive dopri5) picks its own steps from --ode-tol.\n";
  return s;
}

}  // namespace pmm
