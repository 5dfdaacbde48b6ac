// pmm.validate: pmm-validate's checks (validation/checks.hpp) run from Python, returning the check table.
#include <atomic>
#include <thread>

#include <nlohmann/json.hpp>

#include "common.hpp"
#include "validation/checks.hpp"

namespace pmm::py_bind {

namespace {

struct Interrupted {};

py::list validate(bool quick, py::object checks, std::uint64_t seed, py::object threads_arg) {
  std::vector<std::string> names;
  if (!checks.is_none()) {
    if (py::isinstance<py::str>(checks))
      names.push_back(checks.cast<std::string>());
    else
      for (auto c : checks) names.push_back(str_arg(c, "checks"));
  }
  const auto selected = select_checks(names, "checks");
  CheckContext ctx;
  ctx.full = !quick;
  ctx.seed = seed;
  ctx.threads = threads_arg.is_none() ? static_cast<int>(std::max(1u, std::thread::hardware_concurrency()))
                                      : static_cast<int>(int_arg(threads_arg, "threads"));
  require(ctx.threads >= 1 && ctx.threads <= 1024, "threads", "must be in [1, 1024]");
  std::vector<CheckResult> results;
  std::atomic<bool> cancel{false};
  run_interruptible(
      [&] {
        for (const CheckSpec* spec : selected) {
          if (cancel.load()) throw Interrupted{};  // between checks: a check runs to its end
          results.push_back(run_check(*spec, ctx));
        }
      },
      &cancel);
  const py::object loads = py::module_::import("json").attr("loads");
  py::list rows;
  for (const auto& r : results) {
    py::dict row;
    row["name"] = r.name;
    row["what"] = r.what;
    row["statistic"] = r.statistic;
    row["tolerance"] = r.tolerance;
    row["pass"] = r.pass;
    row["seconds"] = r.seconds;
    row["error"] = r.error;
    row["details"] = loads(r.details.dump());
    rows.append(row);
  }
  return rows;
}

}  // namespace

void bind_validate(py::module_& m) {
  m.def("_validate", &validate, py::arg("quick") = true, py::arg("checks") = py::none(), py::arg("seed") = 0,
        py::arg("threads") = py::none(),
        "Runs pmm-validate's checks; returns one dict per check (pmm.validate wraps it).");
  m.def(
      "checks",
      [] {
        py::list out;
        for (const auto& c : all_checks()) out.append(py::make_tuple(c.name, c.what));
        return out;
      },
      "Names and short descriptions of pmm-validate's checks, in suite order.");
}

}  // namespace pmm::py_bind
