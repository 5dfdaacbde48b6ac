// Tests of validation/metric_kid. Closed form in 1-D: (xy + 1)^3 = 1 + 3xy + 3x^2y^2 + x^3y^3 is the
// inner product of features (1, sqrt3 x, sqrt3 x^2, x^3), so MMD^2 = 3 (m1 - m1')^2 + 3 (m2 - m2')^2
// + (m3 - m3')^2 in the raw moments; N(0,1) vs N(1/2,1): 3/4 + 3/16 + (1/8 + 3/2)^2 = 3.578125.
// Unbiasedness is tested as a mean over independent seeds within 4 of its standard errors.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <random>

#include <pmm/core/error.hpp>
#include "validation/metric_kid.hpp"
#include "validation/metric_sampling.hpp"

namespace {

pmm::Batch normal_batch(Eigen::Index dim, Eigen::Index n, std::uint64_t seed, double shift0 = 0.0) {
  std::mt19937_64 rng(seed);
  pmm::Batch b(dim, n);
  for (Eigen::Index j = 0; j < n; ++j)
    for (Eigen::Index i = 0; i < dim; ++i) b(i, j) = pmm::metric_sampling::standard_normal(rng);
  b.row(0) += shift0;
  return b;
}

// The full-set unbiased MMD^2 by explicit loops, independent of the library's matrix products.
double brute_force_mmd2(const pmm::Batch& x, const pmm::Batch& y) {
  const double d = static_cast<double>(x.rows());
  auto k = [d](const Eigen::ArrayXd& a, const Eigen::ArrayXd& b) {
    return std::pow((a * b).sum() / d + 1.0, 3);
  };
  const Eigen::Index n = x.cols(), m = y.cols();
  double sxx = 0.0, syy = 0.0, sxy = 0.0;
  for (Eigen::Index i = 0; i < n; ++i)
    for (Eigen::Index j = 0; j < n; ++j)
      if (i != j) sxx += k(x.col(i), x.col(j));
  for (Eigen::Index i = 0; i < m; ++i)
    for (Eigen::Index j = 0; j < m; ++j)
      if (i != j) syy += k(y.col(i), y.col(j));
  for (Eigen::Index i = 0; i < n; ++i)
    for (Eigen::Index j = 0; j < m; ++j) sxy += k(x.col(i), y.col(j));
  return sxx / (n * (n - 1.0)) + syy / (m * (m - 1.0)) - 2.0 * sxy / (n * m);
}

struct MeanSd {
  double mean, sd;
};
MeanSd mean_sd(const std::vector<double>& v) {
  double m = 0.0, s = 0.0;
  for (double x : v) m += x;
  m /= v.size();
  for (double x : v) s += (x - m) * (x - m);
  return {m, std::sqrt(s / (v.size() - 1.0))};
}

}  // namespace

TEST_CASE("KID: the mean over seeds of subset estimates is the full-set unbiased MMD^2") {
  // Subsets are drawn without replacement, so each subset estimate has expectation equal to the
  // full-set U-statistic computed by brute force. 20 seeds x 200 subsets = 4000 independent
  // estimates: their mean is within 5 standard errors (s / sqrt(4000)) of it.
  const pmm::Batch x = normal_batch(3, 30, 1), y = normal_batch(3, 25, 2, 0.7);
  const double exact = brute_force_mmd2(x, y);
  CHECK(pmm::mmd2_unbiased_polynomial(x, y) == doctest::Approx(exact).epsilon(1e-12));
  double sum = 0.0, sum2 = 0.0;
  const int seeds = 20, subsets = 200;
  for (int s = 0; s < seeds; ++s) {
    const auto r = pmm::kernel_inception_distance(x, y, subsets, 10, static_cast<std::uint64_t>(s));
    CHECK(r.subset_size == 10);
    CHECK(r.num_subsets == subsets);
    sum += r.mean * subsets;
    sum2 += (r.stddev * r.stddev + r.mean * r.mean) * subsets;
  }
  const double total = seeds * subsets, mean = sum / total;
  const double se = std::sqrt((sum2 / total - mean * mean) / total);
  CHECK(std::abs(mean - exact) < 5.0 * se);
  CHECK(se < 0.1 * std::abs(exact));  // the check above has teeth: the error bar is small
}

TEST_CASE("KID: same law gives 0 in expectation, a shift gives the closed-form MMD^2") {
  // 20 data seeds, 10 subsets of 400 out of 1000 points each; each KID is an unbiased estimate
  // (over data and subsets), so the mean over seeds lies within 4 standard errors of the truth.
  std::vector<double> same, shifted;
  for (std::uint64_t s = 0; s < 20; ++s) {
    const pmm::Batch x = normal_batch(1, 1000, 100 + s);
    same.push_back(pmm::kernel_inception_distance(x, normal_batch(1, 1000, 200 + s), 10, 400, s).mean);
    shifted.push_back(pmm::kernel_inception_distance(x, normal_batch(1, 1000, 300 + s, 0.5), 10, 400, s).mean);
  }
  const auto a = mean_sd(same), b = mean_sd(shifted);
  CHECK(std::abs(a.mean) < 4.0 * a.sd / std::sqrt(20.0));
  CHECK(std::abs(b.mean - 3.578125) < 4.0 * b.sd / std::sqrt(20.0));
  CHECK(b.mean > 10.0 * a.sd);  // clearly positive, far outside the same-law scatter
}

TEST_CASE("KID in 4-D: near 0 for the same law, positive for a shift; seed-deterministic") {
  // A 1-sd shift of one coordinate at n = 800: the shifted value is many same-law stds above 0.
  const pmm::Batch x = normal_batch(4, 800, 7), y = normal_batch(4, 800, 8), z = normal_batch(4, 800, 9, 1.0);
  const auto same = pmm::kernel_inception_distance(x, y, 50, 300, 42);
  const auto shifted = pmm::kernel_inception_distance(x, z, 50, 300, 42);
  CHECK(std::abs(same.mean) < 3.0 * same.stddev);
  CHECK(shifted.mean > 10.0 * same.stddev);
  const auto again = pmm::kernel_inception_distance(x, z, 50, 300, 42);
  CHECK(again.mean == shifted.mean);
  CHECK(again.stddev == shifted.stddev);
  CHECK(pmm::kernel_inception_distance(x, z, 50, 300, 43).mean != shifted.mean);
  // subset_size is capped at the smaller set, as clean-fid does.
  CHECK(pmm::kernel_inception_distance(x, z.leftCols(100), 2, 1000, 0).subset_size == 100);
}

TEST_CASE("KID rejects bad input with pmm::Error") {
  const pmm::Batch x = normal_batch(2, 10, 1);
  pmm::Batch bad = x;
  bad(0, 0) = std::numeric_limits<double>::quiet_NaN();
  CHECK_THROWS_AS(pmm::kernel_inception_distance(bad, x), pmm::Error);
  CHECK_THROWS_AS(pmm::kernel_inception_distance(x, normal_batch(3, 10, 2)), pmm::Error);
  CHECK_THROWS_AS(pmm::kernel_inception_distance(x, pmm::Batch(2, 0)), pmm::Error);
  CHECK_THROWS_AS(pmm::kernel_inception_distance(x, x.leftCols(1)), pmm::Error);
  CHECK_THROWS_AS(pmm::kernel_inception_distance(x, x, 0, 5), pmm::Error);
  CHECK_THROWS_AS(pmm::kernel_inception_distance(x, x, 5, 1), pmm::Error);
  CHECK_THROWS_AS(pmm::mmd2_unbiased_polynomial(x, normal_batch(3, 10, 2)), pmm::Error);
}
