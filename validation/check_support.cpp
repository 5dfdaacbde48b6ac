// Shared pieces of the checks: Bonferroni families, standardised-residual z-tests (the variance test uses
// Var(s^2) ~ (m4 - s^4)/n), order fits, a thread-independent parallel loop over paths.
#include "validation/check_support.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <exception>
#include <limits>
#include <mutex>
#include <thread>

#include <fmt/format.h>

#include <pmm/core/error.hpp>

namespace pmm::check {

void parallel_paths(Index n, int threads, const std::function<void(Index, Index)>& body) {
  require(threads >= 1, "--threads", fmt::format("must be >= 1, got {}", threads));
  constexpr Index kBlock = 256;
  const Index blocks = (n + kBlock - 1) / kBlock;
  std::atomic<Index> next{0};
  std::exception_ptr error;
  std::mutex error_mutex;
  auto worker = [&] {
    try {
      for (Index b = next++; b < blocks; b = next++) body(b * kBlock, std::min(n, (b + 1) * kBlock));
    } catch (...) {
      std::lock_guard<std::mutex> lock(error_mutex);
      if (!error) error = std::current_exception();
      next = blocks;
    }
  };
  std::vector<std::thread> pool;
  for (int i = 1; i < std::min<Index>(threads, blocks); ++i) pool.emplace_back(worker);
  worker();
  for (auto& t : pool) t.join();
  if (error) std::rethrow_exception(error);
}

void PTests::add(const std::string& name, double p) {
  names_.push_back(name);
  p_.push_back(std::isnan(p) ? 0.0 : p);
}

double PTests::min_p() const { return p_.empty() ? 1.0 : *std::min_element(p_.begin(), p_.end()); }

double PTests::corrected() const { return std::min(1.0, min_p() * std::max(1, count())); }

std::string PTests::worst() const {
  if (p_.empty()) return "";
  return names_[static_cast<size_t>(std::min_element(p_.begin(), p_.end()) - p_.begin())];
}

nlohmann::json PTests::json() const {
  nlohmann::json tests = nlohmann::json::object();
  for (size_t i = 0; i < p_.size(); ++i) tests[names_[i]] = p_[i];
  return {{"p_values", tests}, {"tests", count()}, {"min_p", min_p()}, {"bonferroni_p", corrected()},
          {"level", kMinP}, {"worst", worst()}};
}

double z_p_value(double z) {
  if (std::isnan(z)) return 0.0;
  return std::erfc(std::abs(z) / std::sqrt(2.0));
}

StandardisedTest standardised_test(const std::vector<double>& r) {
  require(r.size() >= 2, "standardised_test", "needs at least 2 values");
  StandardisedTest t;
  t.n = static_cast<Index>(r.size());
  const Eigen::Map<const Eigen::ArrayXd> x(r.data(), t.n);
  require(x.isFinite().all(), "standardised_test", "residuals must be finite");
  t.mean = x.mean();
  t.mean_z = t.mean * std::sqrt(static_cast<double>(t.n));
  t.mean_p = z_p_value(t.mean_z);
  const Eigen::ArrayXd c = x - t.mean;
  t.variance = c.square().sum() / static_cast<double>(t.n - 1);
  const double m4 = c.square().square().mean();
  const double var_s2 = std::max(m4 - t.variance * t.variance, 1e-300) / static_cast<double>(t.n);
  t.variance_z = (t.variance - 1.0) / std::sqrt(var_s2);
  t.variance_p = z_p_value(t.variance_z);
  return t;
}

nlohmann::json StandardisedTest::json() const {
  return {{"n", n}, {"mean", mean}, {"mean_z", mean_z}, {"mean_p", mean_p}, {"variance_ratio", variance},
          {"variance_z", variance_z}, {"variance_p", variance_p}};
}

OrderFit fit_order(const std::vector<double>& h, const std::vector<double>& e, double declared) {
  OrderFit o;
  o.declared = declared;
  o.low = declared - kOrderBelow;
  o.high = declared + kOrderAbove;
  bool positive = true;
  for (double v : e) positive = positive && v > 0 && std::isfinite(v);
  if (!positive) {
    o.fit.slope = std::numeric_limits<double>::quiet_NaN();
    o.pass = false;
    return o;
  }
  o.fit = log_log_slope(h, e);
  o.pass = o.fit.slope >= o.low && o.fit.slope <= o.high;
  return o;
}

nlohmann::json OrderFit::json() const {
  return {{"slope", fit.slope}, {"slope_se", fit.slope_se}, {"intercept", fit.intercept},
          {"r_squared", fit.r_squared}, {"declared", declared}, {"band", {low, high}}, {"pass", pass}};
}

MeanSe mean_se(const std::vector<double>& x) {
  return {sample_mean(x), standard_error(x)};
}

std::vector<double> uniform_grid(int n) {
  require(n >= 1, "grid", fmt::format("needs n >= 1, got {}", n));
  std::vector<double> t(static_cast<size_t>(n) + 1);
  for (int i = 0; i <= n; ++i) t[static_cast<size_t>(i)] = static_cast<double>(i) / n;
  return t;
}

std::string num(double v, int digits) {
  if (std::isnan(v)) return "nan";
  if (v == 0) return "0";
  const double a = std::abs(v);
  if (a >= 1e-3 && a < 1e4) return fmt::format("{:.{}g}", v, digits);
  return fmt::format("{:.{}e}", v, std::max(0, digits - 1));
}

}  // namespace pmm::check
