// pmm-validate: the validation suite. Runs the checks of validation/checks.hpp (theorems of the paper against the
// discrete updates, solver orders, pathwise identities, target recovery, errata) at --quick or --full size, prints a
// table (name | what | statistic | tolerance | PASS/FAIL | seconds), writes every statistic to a JSON report and exits
// with status 1 when any check fails (2 on bad input). --device runs the checks' solver runs whose pair and predictor
// the device path kernels have (validation/check_solve.hpp) there, and the table and report say where each ran.
// Under mpirun/srun the checks go out to the ranks and rank 0 prints and writes them in suite order
// (docs/distributed.md).
// pmm-uses: mpi
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "apps/common/options.hpp"
#include "apps/common/progress.hpp"
#include "apps/common/report.hpp"
#include "apps/mpi/run_tasks.hpp"
#include "apps/mpi/split.hpp"
#include "apps/mpi/world.hpp"
#include <pmm/core/error.hpp>
#include "validation/checks.hpp"

namespace pmm {
namespace {

struct ValidateArgs {
  bool quick = false, full = false, list = false;
  std::vector<std::string> checks;
  std::uint64_t seed = 0;
  std::string report;
  std::string device = "cpu";
  int threads = 1;
};

std::string cell(const std::string& s, size_t width) {
  return s.size() <= width ? s + std::string(width - s.size(), ' ') : s.substr(0, width);
}

void print_table(const std::vector<CheckResult>& results) {
  const std::vector<std::string> head = {"name", "what", "statistic", "tolerance", "result", "seconds"};
  std::vector<size_t> w(head.size());
  for (size_t i = 0; i < head.size(); ++i) w[i] = head[i].size();
  auto row = [](const CheckResult& r) {
    return std::vector<std::string>{r.name, r.what, r.statistic, r.tolerance, r.pass ? "PASS" : "FAIL",
                                    fmt::format("{:.1f}", r.seconds)};
  };
  for (const auto& r : results) {
    const auto cells = row(r);
    for (size_t i = 0; i < cells.size(); ++i) w[i] = std::max(w[i], cells[i].size());
  }
  auto line = [&](const std::vector<std::string>& cells) {
    std::string s;
    for (size_t i = 0; i < cells.size(); ++i) s += (i ? " | " : "") + cell(cells[i], w[i]);
    while (!s.empty() && s.back() == ' ') s.pop_back();
    fmt::print("{}\n", s);
  };
  line(head);
  std::string rule;
  for (size_t i = 0; i < w.size(); ++i) rule += (i ? "-|-" : "") + std::string(w[i], '-');
  fmt::print("{}\n", rule);
  for (const auto& r : results) line(row(r));
}

int run(int argc, char** argv) {
  ValidateArgs a;
  CLI::App app{"pmm-validate: check the paper's theorems, the solvers' declared orders, pathwise identities, target "
               "recovery and the paper's errata by simulation.\n"
               "Example: pmm-validate --quick --threads 2 --report report.json"};
  app.add_flag("--quick", a.quick, "reduced sizes, every check, ~15-45 s on 2 cores (the default)");
  app.add_flag("--full", a.full, "full sizes, as reported in docs/validation.md");
  app.add_option("--check", a.checks, "run only these checks: exact names or group prefixes (consistency, continuum, "
                                      "orders, orders.weak, pathwise, recovery, errata); see --list")
      ->expected(1, -1);
  app.add_option("--seed", a.seed, "random seed: every statistic depends on it and the check's name only")
      ->check(non_negative_int());
  app.add_option("--report", a.report, "JSON report with every statistic, p-value and size");
  app.add_option("--threads", a.threads, "threads over paths, 0: all cores (results do not depend on it)");
  app.add_option("--device", a.device,
                 "cpu | cuda | cuda:N | thrust-cpp | thrust-omp: where the solver runs of the recovery, pathwise and "
                 "errata checks go when the device has the pair (finite-set oracle or given x); the rest stay on the "
                 "CPU. Statistics agree with cpu to rounding (same counter-based draws)");
  app.add_flag("--list", a.list, "list the checks and what each computes, then exit");
  parse_args(app, argc, argv);

  require(!(a.quick && a.full), "--full", "give --quick or --full, not both");
  a.threads = resolve_threads(a.threads);
  const DeviceSpec device = parse_device(a.device, "--device");
  require_device(device, "--device");
  std::vector<std::string> names;
  for (const auto& item : a.checks)
    for (const auto& n : parse_string_list(item, "--check")) names.push_back(n);
  const auto selected = select_checks(names, "--check");
  if (!a.report.empty()) {
    require(a.report.size() > 5 && a.report.compare(a.report.size() - 5, 5, ".json") == 0, "--report",
            "'" + a.report + "' must end in .json");
    const auto dir = std::filesystem::path(a.report).parent_path();
    require(dir.empty() || std::filesystem::is_directory(dir), "--report",
            "directory '" + dir.string() + "' does not exist");
  }
  if (a.list) {
    for (const auto* c : selected) fmt::print("{}\n    {}\n    {}\n", c->name, c->what, c->how);
    return 0;
  }

  CheckContext ctx;
  ctx.full = a.full;
  ctx.seed = a.seed;
  ctx.threads = a.threads;
  ctx.device = device;
  const std::string mode = a.full ? "full" : "quick";
  const auto start = std::chrono::steady_clock::now();
  std::vector<CheckResult> results;
  {
    // Checks go out to the ranks in turn (their costs are not known in advance); rank 0 records them in suite order.
    ProgressBar bar(static_cast<std::int64_t>(selected.size()), ProgressOptions{"pmm-validate " + mode});
    auto compute = [&](size_t k) {
      bar.set_extra("running " + selected[k]->name);
      bar.advance(0);  // redraws (at most 10 times a second) to show the check now running
      return to_json(run_check(*selected[k], ctx)).dump();
    };
    auto record = [&](size_t, const std::string& result) {
      results.push_back(check_result_from_json(nlohmann::json::parse(result)));
      bar.set_extra((results.back().pass ? "PASS " : "FAIL ") + results.back().name);
      bar.advance(1);
    };
    if (world().size > 1) notify_root_of_failures();
    run_tasks(assign_by_cost(std::vector<double>(selected.size(), 1.0), world().size), compute, record);
    bar.finish();
  }
  if (!world().root()) return 0;
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const auto failed = std::count_if(results.begin(), results.end(), [](const CheckResult& r) { return !r.pass; });

  print_table(results);
  const auto on_device = std::count_if(results.begin(), results.end(), [&](const CheckResult& r) {
    return std::find(r.devices.begin(), r.devices.end(), device_name(device)) != r.devices.end();
  });
  fmt::print("\n{} checks ({} mode, seed {}, threads {}{}): {} passed, {} failed, {:.1f} s\n", results.size(), mode,
             a.seed, a.threads, world().size > 1 ? fmt::format(" x {} ranks", world().size) : "",
             results.size() - static_cast<size_t>(failed), failed, seconds);
  if (device.kind != DeviceKind::kCpu)
    fmt::print("device {}: {} of {} checks ran solvers on it (the report's \"devices\" per check); the rest on the CPU\n",
               device_name(device), on_device, results.size());
  for (const auto& r : results)
    if (!r.error.empty()) fmt::print("error in {}: {}\n", r.name, r.error);
  std::fflush(stdout);

  if (!a.report.empty()) {
    nlohmann::json j = run_metadata(argc, argv);
    j["mode"] = mode;
    j["seed"] = a.seed;
    j["threads"] = a.threads;  // per rank
    j["world_size"] = world().size;
    j["device"] = device_name(device);
    j["checks_on_device"] = on_device;
    j["seconds"] = seconds;
    j["passed"] = results.size() - static_cast<size_t>(failed);
    j["failed"] = failed;
    j["acceptance"] = "a statistical check fails only when its Bonferroni-corrected smallest p-value is below 1e-3; "
                      "order slopes must lie in [declared - 0.2, declared + 0.25]";
    j["checks"] = nlohmann::json::array();
    for (const auto& r : results) j["checks"].push_back(to_json(r));
    write_json_atomic(a.report, j);
  }
  return failed > 0 ? 1 : 0;
}

}  // namespace
}  // namespace pmm

int main(int argc, char** argv) { return pmm::run_ranks(argc, argv, pmm::run); }
