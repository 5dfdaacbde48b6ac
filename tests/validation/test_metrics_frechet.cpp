// Tests of validation/metric_frechet against closed forms: diagonal covariances give
// sum (sqrt a_i - sqrt b_i)^2; for 2 x 2, tr sqrt(M) = sqrt(tr M + 2 sqrt(det M)) with
// tr M = tr(S1 S2), det M = det S1 det S2; for S1 = u u^T, tr sqrt(S1^{1/2} S2 S1^{1/2}) = sqrt(u^T S2 u).
#include <doctest/doctest.h>

#include <Eigen/QR>
#include <cmath>
#include <limits>
#include <random>

#include <pmm/core/error.hpp>
#include "validation/metric_frechet.hpp"
#include "validation/metric_sampling.hpp"

namespace {

pmm::Batch normal_batch(Eigen::Index dim, Eigen::Index n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  pmm::Batch b(dim, n);
  for (Eigen::Index j = 0; j < n; ++j)
    for (Eigen::Index i = 0; i < dim; ++i) b(i, j) = pmm::metric_sampling::standard_normal(rng);
  return b;
}

// tr of the unbiased sample covariance, summed directly: an implementation independent of the library's.
double trace_cov(const pmm::Batch& x) {
  const Eigen::ArrayXd m = x.rowwise().mean();
  double s = 0.0;
  for (Eigen::Index j = 0; j < x.cols(); ++j) s += (x.col(j) - m).square().sum();
  return s / static_cast<double>(x.cols() - 1);
}

}  // namespace

TEST_CASE("Frechet distance: diagonal and full 2 x 2 covariances against closed forms") {
  // Diagonal: |(1, 2)|^2 + (1 - 2)^2 + (2 - 3)^2 = 5 + 2 = 7. Full-rank and well conditioned, so
  // the eigen route is accurate to a few eps times the trace: 1e-12 relative.
  Eigen::VectorXd m1(2), m2(2);
  m1 << 0, 0;
  m2 << 1, 2;
  Eigen::MatrixXd s1 = Eigen::Vector2d(1, 4).asDiagonal(), s2 = Eigen::Vector2d(4, 9).asDiagonal();
  CHECK(pmm::frechet_distance(m1, s1, m2, s2) == doctest::Approx(7.0).epsilon(1e-12));

  m2 << 1, -1;
  s1.resize(2, 2);
  s2.resize(2, 2);
  s1 << 2, 1, 1, 2;
  s2 << 3, -1, -1, 1;
  // tr(S1 S2) = 6, det S1 det S2 = 3 * 2: d^2 = 2 + 4 + 4 - 2 sqrt(6 + 2 sqrt 6).
  const double expected = 10.0 - 2.0 * std::sqrt(6.0 + 2.0 * std::sqrt(6.0));
  CHECK(pmm::frechet_distance(m1, s1, m2, s2) == doctest::Approx(expected).epsilon(1e-12));
  // Symmetric in its arguments (exactly in exact arithmetic; to round-off here).
  CHECK(pmm::frechet_distance(m2, s2, m1, s1) == doctest::Approx(expected).epsilon(1e-12));
}

TEST_CASE("Frechet distance with singular covariances (rank 1) in 5-D") {
  // S1 = u u^T has four zero eigenvalues; their round-off (+-eps |S|) passes through two square
  // roots and leaves errors of order sqrt(eps) |S| ~ 1e-8 |S| per zero eigenvalue: tolerance 1e-6.
  Eigen::VectorXd u(5), w(5), m1 = Eigen::VectorXd::Zero(5), m2(5);
  u << 1, -2, 0.5, 3, 1;
  w << 0.5, 1, -1, 2, 0;
  m2 << 0.1, 0.2, 0.3, 0.4, 0.5;
  const Eigen::MatrixXd a = normal_batch(5, 5, 3).matrix();
  const Eigen::MatrixXd s2 = a * a.transpose() + Eigen::MatrixXd::Identity(5, 5);
  const Eigen::MatrixXd s1 = u * u.transpose();
  const double expected = m2.squaredNorm() + u.squaredNorm() + s2.trace() - 2.0 * std::sqrt(u.dot(s2 * u));
  CHECK(pmm::frechet_distance(m1, s1, m2, s2) == doctest::Approx(expected).epsilon(1e-6));
  // Both singular: tr sqrt = |u . w|, d^2 = |u|^2 + |w|^2 - 2 |u . w|.
  const Eigen::MatrixXd sw = w * w.transpose();
  const double both = u.squaredNorm() + w.squaredNorm() - 2.0 * std::abs(u.dot(w));
  CHECK(pmm::frechet_distance(m1, s1, m1, sw) == doctest::Approx(both).epsilon(1e-6));
}

TEST_CASE("Frechet distance of sample sets with fewer samples than dimensions") {
  // dim 6: x (3 samples) lives in coordinates 0-1, y (4 samples) in 2-3, so S1 S2 = 0 and the trace
  // term vanishes: d^2 = |m1 - m2|^2 + tr S1 + tr S2. All eigenvalues of S1^{1/2} S2 S1^{1/2} are
  // round-off, whose square roots are ~1e-8 each: tolerance 1e-6 relative.
  pmm::Batch x = pmm::Batch::Zero(6, 3), y = pmm::Batch::Zero(6, 4);
  x.topRows(2) = normal_batch(2, 3, 5);
  y.middleRows(2, 2) = normal_batch(2, 4, 6) * 2.0 + 1.0;
  const double mean_term = (x.rowwise().mean() - y.rowwise().mean()).square().sum();
  const double expected = mean_term + trace_cov(x) + trace_cov(y);
  CHECK(pmm::frechet_distance(x, y) == doctest::Approx(expected).epsilon(1e-6));
  // A shifted copy: the covariances agree up to round-off, so d^2 = |c|^2 within the same
  // sqrt(eps)-sized error on the rank-deficient directions (relative to tr S ~ 1).
  pmm::Batch z = normal_batch(6, 4, 7);
  Eigen::ArrayXd c(6);
  c << 1, -1, 2, 0, 0.5, 3;
  const pmm::Batch zc = z.colwise() + c;
  CHECK(pmm::frechet_distance(z, zc) == doctest::Approx(c.square().sum()).epsilon(1e-6));
}

TEST_CASE("Frechet distance is invariant to a common rotation and exactly 0 for identical stats") {
  // Full rank (50 samples in 4-D): round-off only, 1e-10 relative.
  const pmm::Batch x = normal_batch(4, 50, 8), y = normal_batch(4, 60, 9) * 1.5 + 0.3;
  const Eigen::MatrixXd q = Eigen::HouseholderQR<Eigen::MatrixXd>(normal_batch(4, 4, 10).matrix())
                                .householderQ();
  const pmm::Batch qx = (q * x.matrix()).array(), qy = (q * y.matrix()).array();
  const double d = pmm::frechet_distance(x, y);
  CHECK(d > 0.1);
  CHECK(pmm::frechet_distance(qx, qy) == doctest::Approx(d).epsilon(1e-10));
  const auto g = pmm::gaussian_stats(x);
  CHECK(pmm::frechet_distance(g, g) == 0.0);
  CHECK(pmm::frechet_distance(x, x) == 0.0);
}

TEST_CASE("Gaussian statistics: direct, from running sums in chunks, and merged chunks agree") {
  // Same numbers summed in a different order: 1e-12 relative (offset 3 keeps |mu|^2 / var small,
  // so the uncentred running sums lose only ~1 digit).
  const pmm::Batch x = normal_batch(3, 47, 12) + 3.0;
  const auto g = pmm::gaussian_stats(x);
  CHECK(g.n == 47);
  // Hand check of one entry: cov(0, 1) = sum (x0 - m0)(x1 - m1) / (n - 1).
  const Eigen::ArrayXd m = x.rowwise().mean();
  const double c01 = ((x.row(0) - m(0)) * (x.row(1) - m(1))).sum() / 46.0;
  CHECK(g.sigma(0, 1) == doctest::Approx(c01).epsilon(1e-13));
  CHECK(g.sigma(1, 0) == g.sigma(0, 1));

  pmm::GaussianSums sums;
  pmm::GaussianStats merged;
  for (Eigen::Index c = 0; c < x.cols(); c += 10) {
    const pmm::Batch chunk = x.middleCols(c, std::min<Eigen::Index>(10, x.cols() - c));
    pmm::accumulate_gaussian_sums(sums, chunk);
    merged = pmm::merge_gaussian_stats(merged, pmm::gaussian_stats(chunk));
  }
  const auto from_sums = pmm::gaussian_stats(sums);
  CHECK(sums.n == 47);
  CHECK(from_sums.n == 47);
  CHECK((from_sums.mu - g.mu).norm() <= 1e-12 * g.mu.norm());
  CHECK((from_sums.sigma - g.sigma).norm() <= 1e-12 * g.sigma.norm());
  CHECK(merged.n == 47);
  CHECK((merged.mu - g.mu).norm() <= 1e-12 * g.mu.norm());
  CHECK((merged.sigma - g.sigma).norm() <= 1e-12 * g.sigma.norm());
  // The sums layout itself: sum x and sum x x^T.
  const auto direct = pmm::gaussian_stats_from_sums(47, x.rowwise().sum().matrix(),
                                                    x.matrix() * x.matrix().transpose());
  CHECK((direct.sigma - g.sigma).norm() <= 1e-12 * g.sigma.norm());
  // One sample: mean is the sample, covariance 0 by convention.
  const auto one = pmm::gaussian_stats(x.leftCols(1));
  CHECK(one.sigma.isZero(0.0));
}

TEST_CASE("Frechet distance rejects bad input with pmm::Error") {
  const pmm::Batch x = normal_batch(3, 10, 1);
  pmm::Batch bad = x;
  bad(1, 2) = std::numeric_limits<double>::quiet_NaN();
  CHECK_THROWS_AS(pmm::frechet_distance(bad, x), pmm::Error);
  CHECK_THROWS_AS(pmm::frechet_distance(x, normal_batch(4, 10, 2)), pmm::Error);
  CHECK_THROWS_AS(pmm::frechet_distance(x, pmm::Batch(3, 0)), pmm::Error);
  CHECK_THROWS_AS(pmm::frechet_distance(x, x.leftCols(1)), pmm::Error);
  CHECK_THROWS_AS(pmm::gaussian_stats(pmm::Batch(0, 5)), pmm::Error);
  Eigen::VectorXd m = Eigen::VectorXd::Zero(2);
  Eigen::MatrixXd s = Eigen::MatrixXd::Identity(2, 2), asym = s;
  asym(0, 1) = 0.5;
  CHECK_THROWS_AS(pmm::frechet_distance(m, s, m, asym), pmm::Error);
  CHECK_THROWS_AS(pmm::frechet_distance(m, s, Eigen::VectorXd::Zero(3), s), pmm::Error);
  CHECK_THROWS_AS(pmm::frechet_distance(m, Eigen::MatrixXd::Identity(2, 3), m, s), pmm::Error);
  pmm::GaussianSums sums;
  pmm::accumulate_gaussian_sums(sums, x);
  CHECK_THROWS_AS(pmm::accumulate_gaussian_sums(sums, normal_batch(2, 4, 3)), pmm::Error);
  CHECK_THROWS_AS(pmm::gaussian_stats(pmm::GaussianSums{}), pmm::Error);
  CHECK_THROWS_AS(pmm::merge_gaussian_stats(pmm::gaussian_stats(x), pmm::gaussian_stats(normal_batch(2, 4, 3))),
                  pmm::Error);
}
