// Shared pieces of the checks: the acceptance rule (a statistical check fails only when its smallest p-value,
// Bonferroni-corrected over the tests it makes, is below 1e-3), standardised-residual tests (mean 0, variance 1),
// order fits with diffrax's band [p - 0.2, p + 0.25], counter-based draws keyed on (path, step) and a parallel
// loop over paths whose results never depend on the thread count.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <Eigen/Core>
#include <nlohmann/json.hpp>

#include <pmm/core/batch.hpp>
#include <pmm/random/random.hpp>
#include "validation/statistics.hpp"

namespace pmm::check {

constexpr double kMinP = 1e-3;             // family-wise level of every statistical check at its fixed seed
constexpr double kOrderBelow = 0.2;        // accepted order band: declared - 0.2 ...
constexpr double kOrderAbove = 0.25;       // ... declared + 0.25 (diffrax's test band)

// Philox streams of the checks (beyond the solvers' own ids, so nothing is shared by accident).
constexpr Stream kCheckNormal = static_cast<Stream>(static_cast<std::uint32_t>(Stream::kUser) + 40);
constexpr Stream kCheckPoisson = static_cast<Stream>(static_cast<std::uint32_t>(Stream::kUser) + 41);
constexpr Stream kCheckGamma = static_cast<Stream>(static_cast<std::uint32_t>(Stream::kUser) + 42);
constexpr Stream kCheckUniform = static_cast<Stream>(static_cast<std::uint32_t>(Stream::kUser) + 43);

inline UniformStream draws(std::uint64_t seed, Index path, std::uint32_t step, Stream stream, std::uint32_t coord = 0) {
  return UniformStream(seed, static_cast<std::uint64_t>(path), step, stream, coord);
}

// body(begin, end) over [0, n) in fixed blocks of 256 paths on up to `threads` threads; the first exception
// is rethrown. Results must be written per path (never accumulated across blocks) to stay thread-independent.
void parallel_paths(Index n, int threads, const std::function<void(Index, Index)>& body);

// A family of p-values; the family passes when min p * m >= kMinP (Bonferroni).
class PTests {
 public:
  void add(const std::string& name, double p);
  double min_p() const;
  int count() const { return static_cast<int>(p_.size()); }
  double corrected() const;  // min(1, min p * m)
  bool pass() const { return corrected() >= kMinP; }
  std::string worst() const;  // name of the smallest p
  nlohmann::json json() const;

 private:
  std::vector<std::string> names_;
  std::vector<double> p_;
};

// r_i should be draws of a law with mean 0 and variance 1: z-test of the mean (known variance 1) and
// z-test of the variance with the sample fourth moment, Var(s^2) ~ (m4 - s^4)/n (valid for any law with m4).
struct StandardisedTest {
  Index n = 0;
  double mean = 0, mean_z = 0, mean_p = 1;
  double variance = 0, variance_z = 0, variance_p = 1;
  nlohmann::json json() const;
};
StandardisedTest standardised_test(const std::vector<double>& r);

// Order fit of e(h) = C h^p on h, e > 0; passes when the slope lies in [declared - 0.2, declared + 0.25].
struct OrderFit {
  SlopeFit fit;
  double declared = 0, low = 0, high = 0;
  bool pass = false;
  nlohmann::json json() const;
};
OrderFit fit_order(const std::vector<double>& h, const std::vector<double>& e, double declared);

// Two-sided p-value of a z score.
double z_p_value(double z);

// Mean and standard error of per-path values (n >= 2).
struct MeanSe {
  double mean = 0, se = 0;
};
MeanSe mean_se(const std::vector<double>& x);

// Uniform grid of n steps on [0, 1] with exact dyadic points t_i = i / n.
std::vector<double> uniform_grid(int n);

// "1.23e-04" style numbers for the table.
std::string num(double v, int digits = 3);

}  // namespace pmm::check
