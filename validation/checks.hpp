// pmm-validate's checks as data: a check is a name, a sentence saying what it computes, and one function
// returning its statistic, tolerance, verdict and every number behind them. Each check_*.cpp ends with its
// table (one line per check); all_checks() joins the tables in a fixed order. Theorems and equations: docs/theory.md.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <pmm/device/device.hpp>

namespace pmm {

// What a check may depend on. Results depend on (full, seed, check name) only, never on threads.
struct CheckContext {
  bool full = false;       // --full sizes (docs/validation.md) instead of --quick ones
  std::uint64_t seed = 0;  // already mixed with the check's name by run_check
  int threads = 1;         // parallelism over paths
  DeviceSpec device;       // --device: where check_solve() runs the pairs the device has (check_solve.hpp)
  // Where check_solve() ran during this check ("cpu", "thrust-cpp", "cuda:0"): set up and read by run_check.
  std::shared_ptr<std::set<std::string>> ran_on;
  template <class T>
  T size(T quick, T full_size) const { return full ? full_size : quick; }
};

struct CheckOutcome {
  std::string statistic;  // short, for the table: "slope 1.02 +- 0.03"
  std::string tolerance;  // short, for the table: "[0.80, 1.25]"
  bool pass = false;
  nlohmann::json details = nlohmann::json::object();  // every statistic, p-value and size, for the report
};

struct CheckSpec {
  std::string name;  // "group.process.solver", e.g. "orders.weak.normal.heun"
  std::string what;  // a short phrase for the table: "weak order, oracle drift"
  std::string how;   // one sentence: what is simulated and compared (report, --list)
  std::function<CheckOutcome(const CheckContext&)> run;
};

struct CheckResult {
  std::string name, what, how, statistic, tolerance;
  bool pass = false;
  double seconds = 0;
  std::string error;  // non-empty when the check threw (counted as FAIL)
  std::vector<std::string> devices;  // where its solver runs went through check_solve() (empty: none did)
  nlohmann::json details = nlohmann::json::object();
};

// The tables of the check files, in the order the suite runs them.
std::vector<CheckSpec> consistency_checks();  // check_consistency.cpp
std::vector<CheckSpec> continuum_checks();    // check_continuum.cpp
std::vector<CheckSpec> order_checks();        // check_orders.cpp
std::vector<CheckSpec> pathwise_checks();     // check_pathwise.cpp
std::vector<CheckSpec> recovery_checks();     // check_recovery.cpp
std::vector<CheckSpec> errata_checks();       // check_errata.cpp

const std::vector<CheckSpec>& all_checks();

// Checks named by names (exact names, or group prefixes such as "orders" or "orders.weak"), in suite order,
// each once; all checks when names is empty. Throws pmm::Error naming option for a name matching nothing.
std::vector<const CheckSpec*> select_checks(const std::vector<std::string>& names,
                                            const std::string& option = "--check");

// Runs one check with ctx.seed mixed with the check's name (so a check gives the same numbers alone or in the
// suite); an exception becomes a FAIL whose error says what was thrown.
CheckResult run_check(const CheckSpec& spec, const CheckContext& ctx);

nlohmann::json to_json(const CheckResult& result);
// The inverse of to_json (pmm-validate's ranks send their results to rank 0 so).
CheckResult check_result_from_json(const nlohmann::json& j);

}  // namespace pmm
