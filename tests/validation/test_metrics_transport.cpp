// Tests of validation/metric_sliced_wasserstein and metric_energy against closed forms:
// W_2^2(N(m1, s1^2), N(m2, s2^2)) = (m1 - m2)^2 + (s1 - s2)^2; for isotropic d-dim Gaussians every
// projection is 1-D Gaussian, so SW_2^2 = |m1 - m2|^2 / d + (s1 - s2)^2; energy distance of N(0,1)
// and N(mu,1) is 2 E|N(mu, 2)| - 4/sqrt(pi) (mpmath: mu = 1 -> 0.541806579305957515760623411).
#include <doctest/doctest.h>

#include <boost/math/distributions/normal.hpp>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include <pmm/core/error.hpp>
#include "validation/metric_energy.hpp"
#include "validation/metric_sampling.hpp"
#include "validation/metric_sliced_wasserstein.hpp"

namespace {

pmm::Batch normal_batch(Eigen::Index dim, Eigen::Index n, std::uint64_t seed, double mean = 0.0,
                        double sd = 1.0) {
  std::mt19937_64 rng(seed);
  pmm::Batch b(dim, n);
  for (Eigen::Index j = 0; j < n; ++j)
    for (Eigen::Index i = 0; i < dim; ++i) b(i, j) = mean + sd * pmm::metric_sampling::standard_normal(rng);
  return b;
}

// Midpoint quantiles z_i = Phi^{-1}((i + 1/2) / n): a deterministic stand-in for n normal draws.
pmm::Batch normal_quantiles(Eigen::Index n, double mean, double sd) {
  const boost::math::normal law(mean, sd);
  pmm::Batch b(1, n);
  for (Eigen::Index i = 0; i < n; ++i) b(0, i) = boost::math::quantile(law, (i + 0.5) / n);
  return b;
}

double mean_of(const std::vector<double>& v) {
  double s = 0.0;
  for (double x : v) s += x;
  return s / v.size();
}
double sd_of(const std::vector<double>& v) {
  const double m = mean_of(v);
  double s = 0.0;
  for (double x : v) s += (x - m) * (x - m);
  return std::sqrt(s / (v.size() - 1.0));
}

}  // namespace

TEST_CASE("1-D W2 between empirical laws: by hand, including unequal sizes") {
  // {0, 1} vs {0, 1/2, 1}: quantile gaps 1/2 on (1/3, 1/2] and (1/2, 2/3], else 0:
  // 2 * (1/6) * (1/4) = 1/12.
  CHECK(pmm::wasserstein2_squared_1d({1.0, 0.0}, {0.5, 1.0, 0.0}) == doctest::Approx(1.0 / 12.0).epsilon(1e-15));
  // Equal sizes: mean of squared gaps between sorted samples: ((0-1)^2 + (2-2)^2 + (5-3)^2) / 3.
  CHECK(pmm::wasserstein2_squared_1d({5.0, 0.0, 2.0}, {2.0, 3.0, 1.0}) == doctest::Approx(5.0 / 3.0).epsilon(1e-15));
  // A sample repeated k times is the same law: W2 = 0 exactly.
  CHECK(pmm::wasserstein2_squared_1d({1.0, 2.0, 3.0}, {3.0, 3.0, 1.0, 1.0, 2.0, 2.0}) == 0.0);
}

TEST_CASE("sliced W2 of two 1-D Gaussians matches (m1 - m2)^2 + (s1 - s2)^2") {
  // Midpoint-quantile samples: with z the standard quantiles, W2^2 of the two sets is exactly
  // (m1 - m2)^2 + (s1 - s2)^2 mean(z^2) (mean z = 0 by symmetry); the closed form differs by
  // (s1 - s2)^2 (1 - mean z^2), 1.3e-4 at n = 10^4 (tails cut at the extreme quantiles): tolerance 3e-4.
  const Eigen::Index n = 10000;
  const pmm::Batch x = normal_quantiles(n, 0.5, 1.0), y = normal_quantiles(n, -1.0, 2.0);
  const pmm::Batch z = normal_quantiles(n, 0.0, 1.0);
  const double mean_z2 = z.square().mean();
  const auto r = pmm::sliced_wasserstein2(x, y, 16, 3);
  CHECK(r.squared == doctest::Approx(2.25 + 1.0 * mean_z2).epsilon(1e-12));  // every direction is +-1
  CHECK(std::abs(r.squared - 3.25) < 3e-4);
  CHECK(r.distance == doctest::Approx(std::sqrt(r.squared)).epsilon(1e-15));
  // Unequal counts (1000 vs 1500) use the merged quantile steps. Each set's own quantile error is
  // ~1e-3 of its variance at these sizes (1 - mean z^2 above): tolerance 1e-2 on 3.25.
  const auto u = pmm::sliced_wasserstein2(normal_quantiles(1000, 0.5, 1.0), normal_quantiles(1500, -1.0, 2.0), 4, 0);
  CHECK(std::abs(u.squared - 3.25) < 1e-2);
  // Random draws, n = 20000 and 15000: the sample-mean gap's noise enters as 2 |dm| sd(mean gap)
  // = 2 * 1.5 * sqrt(1/20000 + 4/15000) = 0.053: tolerance 0.25 is over 4 sd.
  const auto s = pmm::sliced_wasserstein2(normal_batch(1, 20000, 1, 0.5, 1.0), normal_batch(1, 15000, 2, -1.0, 2.0), 1, 0);
  CHECK(std::abs(s.squared - 3.25) < 0.25);
}

TEST_CASE("sliced W2 of isotropic Gaussians in 3-D: |dm|^2 / d + (s1 - s2)^2") {
  // E_theta (theta . dm)^2 = |dm|^2 / d. Tolerance: 5 Monte Carlo standard errors over the 512
  // directions, plus 4 sd of the sampling noise at n = 5000: the mean gap's error e enters as
  // 2 E_theta[(theta . dm)(theta . e)] = 2 dm . e / d, sd 2 sqrt(3.25 / 5000) / 3 = 0.017, and the
  // sd gap as 2 (s2 - s1) sd(s2^ - s1^) = 2 * 0.5 * sqrt(3.25 / 10000) = 0.018: 4 * 0.025 = 0.1.
  const pmm::Batch x = normal_batch(3, 5000, 5, 0.0, 1.0);
  pmm::Batch y = normal_batch(3, 5000, 6, 0.0, 1.5);
  y.row(0) += 1.0;
  const auto r = pmm::sliced_wasserstein2(x, y, 512, 9);
  const double expected = 1.0 / 3.0 + 0.25;
  CHECK(std::abs(r.squared - expected) < 5.0 * r.standard_error + 0.1);
  CHECK(r.standard_error > 0.0);
  CHECK(r.standard_error < 0.02);  // the tolerance above is not vacuous
  // Same seed, same directions; translating both sets changes nothing but round-off.
  const pmm::Batch xs = x.leftCols(500), ys = y.leftCols(400);
  const auto small = pmm::sliced_wasserstein2(xs, ys, 32, 9);
  CHECK(pmm::sliced_wasserstein2(xs, ys, 32, 9).squared == small.squared);
  CHECK(pmm::sliced_wasserstein2(xs, ys, 32, 10).squared != small.squared);
  const pmm::Batch xt = xs + 7.0, yt = ys + 7.0;
  CHECK(pmm::sliced_wasserstein2(xt, yt, 32, 9).squared == doctest::Approx(small.squared).epsilon(1e-9));
}

TEST_CASE("energy distance: U-statistic by hand and by brute force") {
  // x = {0, 1}, y = {2, 3}: 2 * (2 + 3 + 1 + 2) / 4 - 1 - 1 = 2.
  pmm::Batch x(1, 2), y(1, 2);
  x << 0, 1;
  y << 2, 3;
  CHECK(pmm::energy_distance(x, y) == doctest::Approx(2.0).epsilon(1e-14));
  // Unbiased, hence not clipped: {0, 1} vs {0, 3}: 2 * 6 / 4 - 1 - 3 = -1.
  y << 0, 3;
  CHECK(pmm::energy_distance(x, y) == doctest::Approx(-1.0).epsilon(1e-14));
  // Random 5-D sets far from the origin against explicit loops: 1e-10 relative (the library's
  // product form is exact up to round-off once both sets are centred).
  const pmm::Batch a = normal_batch(5, 40, 1, 100.0), b = normal_batch(5, 30, 2, 100.5);
  auto dsum = [](const pmm::Batch& p, const pmm::Batch& q, bool skip_diag) {
    double s = 0.0;
    for (Eigen::Index i = 0; i < p.cols(); ++i)
      for (Eigen::Index j = 0; j < q.cols(); ++j)
        if (!(skip_diag && i == j)) s += (p.col(i) - q.col(j)).matrix().norm();
    return s;
  };
  const double expected = 2.0 * dsum(a, b, false) / (40.0 * 30.0) - dsum(a, a, true) / (40.0 * 39.0) -
                          dsum(b, b, true) / (30.0 * 29.0);
  CHECK(pmm::energy_distance(a, b) == doctest::Approx(expected).epsilon(1e-10));
}

TEST_CASE("energy distance: 0 in expectation for one law, the closed form for a shift") {
  // 30 seeds of n = 300: each value is an unbiased estimate, so their mean lies within 4 standard
  // errors (sd / sqrt(30)) of the exact value (0, and 0.5418065793 for N(0,1) vs N(1,1)).
  std::vector<double> same, shifted;
  for (std::uint64_t s = 0; s < 30; ++s) {
    const pmm::Batch x = normal_batch(1, 300, 1000 + s);
    same.push_back(pmm::energy_distance(x, normal_batch(1, 300, 2000 + s)));
    shifted.push_back(pmm::energy_distance(x, normal_batch(1, 300, 3000 + s, 1.0)));
  }
  CHECK(std::abs(mean_of(same)) < 4.0 * sd_of(same) / std::sqrt(30.0));
  CHECK(std::abs(mean_of(shifted) - 0.541806579305957515760623411) < 4.0 * sd_of(shifted) / std::sqrt(30.0));
  CHECK(mean_of(shifted) > 10.0 * sd_of(same));
}

TEST_CASE("sliced W2 and energy distance reject bad input with pmm::Error") {
  const pmm::Batch x = normal_batch(2, 10, 1);
  pmm::Batch bad = x;
  bad(1, 1) = std::numeric_limits<double>::infinity();
  CHECK_THROWS_AS(pmm::sliced_wasserstein2(bad, x), pmm::Error);
  CHECK_THROWS_AS(pmm::sliced_wasserstein2(x, normal_batch(3, 10, 2)), pmm::Error);
  CHECK_THROWS_AS(pmm::sliced_wasserstein2(x, pmm::Batch(2, 0)), pmm::Error);
  CHECK_THROWS_AS(pmm::sliced_wasserstein2(x, x, 0), pmm::Error);
  CHECK_THROWS_AS(pmm::wasserstein2_squared_1d({}, {1.0}), pmm::Error);
  CHECK_THROWS_AS(pmm::wasserstein2_squared_1d({std::nan("")}, {1.0}), pmm::Error);
  CHECK_THROWS_AS(pmm::energy_distance(bad, x), pmm::Error);
  CHECK_THROWS_AS(pmm::energy_distance(x, normal_batch(3, 10, 2)), pmm::Error);
  CHECK_THROWS_AS(pmm::energy_distance(x, x.leftCols(1)), pmm::Error);
}
