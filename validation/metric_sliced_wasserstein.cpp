// SW_2^2 = (1/K) sum_k W_2^2(theta_k . X, theta_k . Y) with W_2^2 in 1-D the integral of the squared
// quantile gap, summed exactly over the merged breakpoints {i/n} U {j/m} of the two step quantile
// functions (breakpoints compared as integers (i+1) m vs (j+1) n, so no rounding decides a step).
#include "validation/metric_sliced_wasserstein.hpp"

#include <algorithm>
#include <cmath>
#include <random>
#include <string>

#include <pmm/core/error.hpp>
#include "validation/metric_checks.hpp"
#include "validation/metric_sampling.hpp"

namespace pmm {
namespace {

// Both inputs sorted and non-empty.
double w2_squared_sorted(const double* a, std::int64_t n, const double* b, std::int64_t m) {
  // Positions on [0, 1] in units of 1/(n m): the quantile steps of a sit at multiples of m,
  // those of b at multiples of n.
  std::int64_t i = 0, j = 0, prev = 0;
  double acc = 0.0;
  while (i < n && j < m) {
    const std::int64_t next_a = (i + 1) * m, next_b = (j + 1) * n;
    const std::int64_t next = std::min(next_a, next_b);
    const double gap = a[i] - b[j];
    acc += static_cast<double>(next - prev) * gap * gap;
    prev = next;
    if (next_a == next) ++i;
    if (next_b == next) ++j;
  }
  return acc / (static_cast<double>(n) * static_cast<double>(m));
}

}  // namespace

double wasserstein2_squared_1d(std::vector<double> a, std::vector<double> b) {
  require(!a.empty(), "a", "must not be empty");
  require(!b.empty(), "b", "must not be empty");
  for (double v : a) require(std::isfinite(v), "a", "must be finite (found NaN or infinity)");
  for (double v : b) require(std::isfinite(v), "b", "must be finite (found NaN or infinity)");
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  return w2_squared_sorted(a.data(), static_cast<std::int64_t>(a.size()), b.data(),
                           static_cast<std::int64_t>(b.size()));
}

SlicedWassersteinResult sliced_wasserstein2(const Batch& x, const Batch& y, int num_projections,
                                            std::uint64_t seed) {
  metric_checks::require_batch(x, "x", 1);
  metric_checks::require_batch(y, "y", 1);
  metric_checks::require_same_dim(x, y, "y");
  require(num_projections >= 1, "num_projections", "must be >= 1, got " + std::to_string(num_projections));
  const Index d = x.rows(), n = x.cols(), m = y.cols();
  std::mt19937_64 rng(seed);
  Eigen::MatrixXd theta(d, num_projections);
  for (Index k = 0; k < num_projections; ++k) {
    double norm2 = 0.0;
    do {  // a zero draw has no direction; redraw (probability ~0, but never divide by it)
      for (Index r = 0; r < d; ++r) theta(r, k) = metric_sampling::standard_normal(rng);
      norm2 = theta.col(k).squaredNorm();
    } while (norm2 == 0.0);
    theta.col(k) /= std::sqrt(norm2);
  }
  // Row k = projections on theta_k; row-major so each row sorts in place.
  using RowMajor = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  RowMajor px = theta.transpose() * x.matrix();
  RowMajor py = theta.transpose() * y.matrix();
  Eigen::ArrayXd w2(num_projections);
  for (Index k = 0; k < num_projections; ++k) {
    double* a = px.row(k).data();
    double* b = py.row(k).data();
    std::sort(a, a + n);
    std::sort(b, b + m);
    w2(k) = w2_squared_sorted(a, n, b, m);
  }
  SlicedWassersteinResult r;
  r.num_projections = num_projections;
  r.squared = w2.mean();
  r.distance = std::sqrt(r.squared);
  r.standard_error = num_projections > 1
                         ? std::sqrt((w2 - r.squared).square().sum() /
                                     static_cast<double>(num_projections - 1) / num_projections)
                         : 0.0;
  return r;
}

}  // namespace pmm
