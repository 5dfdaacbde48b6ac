// The registry of pmm-validate: the check files' tables joined in suite order, selection by name or group
// prefix, and the runner that times a check and turns an exception into a FAIL.
#include "validation/checks.hpp"

#include <chrono>
#include <exception>
#include <set>

#include <pmm/core/error.hpp>

namespace pmm {
namespace {

// FNV-1a of the name, then a splitmix64 finaliser with the user's seed: distinct, stable streams per check.
std::uint64_t mix_seed(std::uint64_t seed, const std::string& name) {
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : name) h = (h ^ c) * 1099511628211ull;
  std::uint64_t z = seed + 0x9E3779B97F4A7C15ull * (h | 1);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

bool matches(const std::string& name, const std::string& pattern) {
  return name == pattern || (name.size() > pattern.size() && name.compare(0, pattern.size(), pattern) == 0 &&
                             name[pattern.size()] == '.');
}

}  // namespace

const std::vector<CheckSpec>& all_checks() {
  static const std::vector<CheckSpec> checks = [] {
    std::vector<CheckSpec> all;
    for (auto group : {consistency_checks, continuum_checks, order_checks, pathwise_checks, recovery_checks,
                       errata_checks})
      for (auto& c : group()) all.push_back(std::move(c));
    std::set<std::string> seen;
    for (const auto& c : all)
      if (!seen.insert(c.name).second) throw Error("check registry: duplicate check name '" + c.name + "'");
    return all;
  }();
  return checks;
}

std::vector<const CheckSpec*> select_checks(const std::vector<std::string>& names, const std::string& option) {
  const auto& all = all_checks();
  std::vector<const CheckSpec*> out;
  if (names.empty()) {
    for (const auto& c : all) out.push_back(&c);
    return out;
  }
  std::set<std::string> chosen;
  for (const auto& n : names) {
    require(!n.empty(), option, "empty check name (see pmm-validate --list)");
    bool any = false;
    for (const auto& c : all)
      if (matches(c.name, n)) {
        any = true;
        chosen.insert(c.name);
      }
    require(any, option, "no check named '" + n + "' (exact name or group prefix such as 'orders'; see --list)");
  }
  for (const auto& c : all)
    if (chosen.count(c.name)) out.push_back(&c);
  return out;
}

CheckResult run_check(const CheckSpec& spec, const CheckContext& ctx) {
  CheckResult r;
  r.name = spec.name;
  r.what = spec.what;
  r.how = spec.how;
  CheckContext own = ctx;
  own.seed = mix_seed(ctx.seed, spec.name);
  own.ran_on = std::make_shared<std::set<std::string>>();
  const auto start = std::chrono::steady_clock::now();
  try {
    CheckOutcome o = spec.run(own);
    r.statistic = std::move(o.statistic);
    r.tolerance = std::move(o.tolerance);
    r.pass = o.pass;
    r.details = std::move(o.details);
  } catch (const std::exception& e) {
    r.error = e.what();
    r.statistic = "error";
    r.tolerance = "-";
    r.pass = false;
  }
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  r.devices.assign(own.ran_on->begin(), own.ran_on->end());
  return r;
}

nlohmann::json to_json(const CheckResult& r) {
  nlohmann::json j{{"name", r.name},           {"what", r.what},   {"how", r.how}, {"statistic", r.statistic},
                   {"tolerance", r.tolerance}, {"pass", r.pass},   {"seconds", r.seconds},
                   {"details", r.details}};
  if (!r.error.empty()) j["error"] = r.error;
  if (!r.devices.empty()) j["devices"] = r.devices;
  return j;
}

CheckResult check_result_from_json(const nlohmann::json& j) {
  CheckResult r;
  r.name = j.at("name").get<std::string>();
  r.what = j.at("what").get<std::string>();
  r.how = j.at("how").get<std::string>();
  r.statistic = j.at("statistic").get<std::string>();
  r.tolerance = j.at("tolerance").get<std::string>();
  r.pass = j.at("pass").get<bool>();
  r.seconds = j.at("seconds").get<double>();
  r.details = j.at("details");
  r.error = j.value("error", std::string());
  r.devices = j.value("devices", std::vector<std::string>());
  return r;
}

}  // namespace pmm
