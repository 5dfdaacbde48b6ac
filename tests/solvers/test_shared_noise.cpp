// Shared noise across step counts: the Brownian tree (W a pure function of (seed, path, t), Gaussian increments,
// independent over disjoint intervals, coarse increment = sum of fine ones) and the Poisson tree (counts Poisson,
// independent over disjoint intervals, exactly additive in integers, monotone in the rate), and their use by the
// steppers: strong order 1 of Euler-Maruyama on one tree path, and tau-leaping given x landing on the same count at
// 10 and 1000 steps.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <vector>

#include <boost/math/distributions/binomial.hpp>
#include <boost/math/distributions/poisson.hpp>

#include <pmm/core/error.hpp>
#include <pmm/processes/gamma_poisson.hpp>
#include <pmm/processes/normal.hpp>
#include <pmm/solvers/euler_maruyama.hpp>
#include <pmm/solvers/exact_step.hpp>
#include <pmm/solvers/heun.hpp>
#include <pmm/solvers/integrate.hpp>
#include <pmm/solvers/registry.hpp>
#include <pmm/solvers/shared_noise.hpp>
#include "test_stats.hpp"

#include "test_helpers.hpp"

namespace {

using pmm::Batch;
using pmm::Index;

using pmm_test::uniform_grid;

// Chi-square of counts against Poisson(mean), tail folded into the last bin.
pmm_test::GofResult poisson_gof(const std::vector<std::int64_t>& counts, double mean) {
  const boost::math::poisson_distribution<> law(mean);
  const int kmax = static_cast<int>(mean + 8 * std::sqrt(mean) + 10);
  std::vector<double> observed(kmax + 1, 0.0), probs(kmax + 1);
  for (auto k : counts) observed[std::min<std::int64_t>(k, kmax)] += 1;
  for (int k = 0; k < kmax; ++k) probs[k] = boost::math::pdf(law, k);
  probs[kmax] = boost::math::cdf(boost::math::complement(law, kmax - 1));
  return pmm_test::chi_square_gof(observed, probs);
}

}  // namespace

TEST_CASE("shared noise: Brownian tree increments add up across step counts (round-off only)") {
  const pmm::BrownianTree tree(11);
  const Index dim = 3;
  double coarse[dim], fine[dim], sum[dim], w0[dim], w1[dim];
  for (std::uint64_t path : {0ull, 7ull, 123456ull}) {
    // Steps of the 10-step uniform grid against the 1000-step grid t_j = j / 1000 inside them.
    for (int i = 0; i < 10; ++i) {
      tree.increment(path, i / 10.0, (i + 1) / 10.0, dim, coarse);
      std::fill(sum, sum + dim, 0.0);
      for (int j = 100 * i; j < 100 * (i + 1); ++j) {
        tree.increment(path, j / 1000.0, (j + 1) / 1000.0, dim, fine);
        for (Index d = 0; d < dim; ++d) sum[d] += fine[d];
      }
      // 100 differences of O(1) values: |error| <= ~100 ulp(1) ~ 2e-14.
      for (Index d = 0; d < dim; ++d) CHECK(std::abs(coarse[d] - sum[d]) < 1e-12);
    }
    // The increment is W(t1) - W(t0) of one function W, bitwise (t0, t1 in different leaves).
    tree.increment(path, 0.3, 0.7, dim, coarse);
    tree.value(path, 0.3, dim, w0);
    tree.value(path, 0.7, dim, w1);
    for (Index d = 0; d < dim; ++d) CHECK(coarse[d] == w1[d] - w0[d]);
    tree.value(path, 0.0, dim, w0);
    for (Index d = 0; d < dim; ++d) CHECK(w0[d] == 0.0);
  }
  // Depth is checked.
  CHECK_THROWS_AS(pmm::BrownianTree(1, 0), pmm::Error);
  CHECK_THROWS_AS(pmm::BrownianTree(1, 31), pmm::Error);
}

TEST_CASE("shared noise: a coordinate's Brownian path is the same at low (scalar) and high (SIMD) dim") {
  // Up to dim 6 the node normals are computed with libm one pair at a time, above in SIMD blocks with libmvec:
  // the same Philox draws, so W agrees to round-off (1e-12 absolute on |W| < 10).
  const pmm::BrownianTree tree(2718);
  double lo[3], hi[40];
  double worst = 0;
  for (std::uint64_t path : {0ull, 7ull, 1000001ull})
    for (double t : {0.001, 0.37, 0.5, 0.999, 1.0}) {
      tree.value(path, t, 3, lo);
      tree.value(path, t, 40, hi);
      for (int d = 0; d < 3; ++d) worst = std::max(worst, std::abs(lo[d] - hi[d]));
    }
  INFO("largest difference " << worst);
  CHECK(worst < 1e-12);
}

TEST_CASE("shared noise: Brownian tree increments are N(0, dt) and independent over disjoint intervals") {
  const pmm::BrownianTree tree(2024);
  const int n = 20000;
  const Index dim = 2;
  // Non-dyadic times, a dyadic one, a short interval (270 leaves of 2^-28) and W(1).
  for (auto [t0, t1] : {std::pair{0.3, 0.5}, std::pair{0.0, 1.0}, std::pair{0.25, 0.75}, std::pair{0.5, 0.5 + 1e-6},
                        std::pair{0.1, 0.37}}) {
    std::vector<double> z0(n), z1(n), later(n);
    double buf[dim];
    for (int j = 0; j < n; ++j) {
      tree.increment(static_cast<std::uint64_t>(j), t0, t1, dim, buf);
      z0[j] = buf[0] / std::sqrt(t1 - t0);
      z1[j] = buf[1] / std::sqrt(t1 - t0);
      tree.increment(static_cast<std::uint64_t>(j), t1, std::min(1.0, t1 + 0.2), dim, buf);
      later[j] = buf[0];
    }
    INFO("interval [" << t0 << ", " << t1 << "]");
    CHECK(pmm_test::ks_test(z0, pmm_test::normal_cdf).p_value > pmm_test::kMinP);
    CHECK(pmm_test::ks_test(z1, pmm_test::normal_cdf).p_value > pmm_test::kMinP);
    // Variance 1 up to the linear interpolation below depth 28 (deficit <= 2^-29 / dt < 0.2%, SE here 1%).
    CHECK(pmm_test::variance_p_value(pmm_test::variance(z0), 1.0, n) > pmm_test::kMinP);
    // Coordinates independent, and the next interval independent of this one: sqrt(n) r ~ N(0, 1).
    double r01 = 0, rnext = 0;
    const double sd_later = std::sqrt(pmm_test::variance(later));
    for (int j = 0; j < n; ++j) {
      r01 += z0[j] * z1[j];
      rnext += sd_later > 0 ? z0[j] * later[j] / sd_later : 0.0;
    }
    CHECK(pmm_test::z_p_value(r01 / std::sqrt(n)) > pmm_test::kMinP);
    if (t1 < 1.0) CHECK(pmm_test::z_p_value(rnext / std::sqrt(n)) > pmm_test::kMinP);
  }
  // W(0.3) itself is N(0, 0.3) (bridge construction at a non-dyadic time).
  std::vector<double> w(n);
  for (int j = 0; j < n; ++j) tree.value(static_cast<std::uint64_t>(j), 0.3, 1, &w[j]);
  CHECK(pmm_test::ks_test(w, [](double x) { return pmm_test::normal_cdf(x / std::sqrt(0.3)); }).p_value >
        pmm_test::kMinP);
}

TEST_CASE("shared noise: TreeNoise normals are standard and keyed on (seed, path) only") {
  const auto schedule = pmm::exponential_schedule();
  const pmm::TreeNoise noise(5, schedule);
  const Index dim = 3, paths = 20000;  // odd dim: the last coordinate uses the cos half of a block
  Batch z(dim, paths);
  noise.normals(pmm::StepInfo{3, 10, 0.3, 0.4}, 0, z);
  std::vector<double> all(z.data(), z.data() + z.size());
  CHECK(pmm_test::ks_test(all, pmm_test::normal_cdf).p_value > pmm_test::kMinP);
  // A sub-batch starting at path 100 is the same numbers; the step index is ignored (the interval is the key).
  Batch part(dim, 10);
  noise.normals(pmm::StepInfo{99, 1000, 0.3, 0.4}, 100, part);
  CHECK((part == z.middleCols(100, 10)).all());
  // The per-thread cache of W(t0): a second step of the same batch equals the same step from a fresh source.
  Batch cached(dim, 10), fresh(dim, 10);
  noise.normals(pmm::StepInfo{100, 1000, 0.4, 0.45}, 100, cached);
  const pmm::TreeNoise other(5, schedule);
  other.normals(pmm::StepInfo{100, 1000, 0.4, 0.45}, 100, fresh);
  CHECK((cached == fresh).all());
  double w0[dim], w1[dim];
  other.brownian().value(105, 0.4, dim, w0);
  other.brownian().value(105, 0.45, dim, w1);
  for (Index d = 0; d < dim; ++d) CHECK(fresh(d, 5) == (w1[d] - w0[d]) * (1.0 / std::sqrt(0.45 - 0.4)));
}

TEST_CASE("shared noise: Euler-Maruyama on one Brownian tree path converges strongly at order 1") {
  // Given x, constant schedule f = 20 (no stiffness from e^{13 t}): additive noise, so strong order 1.
  // Reference: 2048 steps on the same tree paths. Accept slope within [-0.2, +0.25] of the order (diffrax's band).
  pmm::NormalProcess p;
  p.b = 2.0;
  p.schedule = pmm::constant_schedule(20.0);
  const Index paths = 200;
  Batch x = Batch::Constant(1, paths, 0.7);
  for (Index j = 0; j < paths; j += 2) x(0, j) = -1.3;
  const pmm::GivenX given(x);
  const pmm::TreeNoise noise(77, p.schedule);
  pmm::IntegrateOptions opt;
  opt.grid = uniform_grid(2048);
  const Batch ref = pmm::integrate(pmm::EulerMaruyama{}, p, given, noise, paths, opt).final;
  std::vector<double> h, e;
  for (int n : {16, 32, 64, 128}) {
    opt.grid = uniform_grid(n);
    const Batch out = pmm::integrate(pmm::EulerMaruyama{}, p, given, noise, paths, opt).final;
    h.push_back(1.0 / n);
    e.push_back((out - ref).abs().mean());
  }
  const double slope = pmm_test::loglog_slope(h, e);
  INFO("strong errors " << e[0] << " .. " << e.back() << ", slope " << slope);
  CHECK(slope > pmm::solver_orders("normal", "euler-maruyama").strong - 0.2);
  CHECK(slope < pmm::solver_orders("normal", "euler-maruyama").strong + 0.25);
}

TEST_CASE("shared noise: quantile inversions match Boost.Math's CDFs") {
  // The smallest k with CDF(k) >= u: check CDF(k - 1) < u <= CDF(k) up to 1e-12 (lgamma round-off of the pmf).
  for (auto [n, p] : {std::pair<std::int64_t, double>{1, 0.5}, {10, 0.3}, {7000, 0.5}, {300, 0.999}, {50, 1e-3}}) {
    const boost::math::binomial_distribution<> law(static_cast<double>(n), p);
    for (double u : {1e-9, 0.01, 0.3, 0.5, 0.77, 0.999, 1 - 1e-12}) {
      const auto k = pmm::binomial_quantile(n, p, u);
      INFO("binomial n " << n << " p " << p << " u " << u << " -> " << k);
      CHECK(boost::math::cdf(law, static_cast<double>(k)) >= u - 1e-12);
      if (k > 0) CHECK(boost::math::cdf(law, static_cast<double>(k - 1)) < u + 1e-12);
    }
  }
  // p = 1/2 from the mode's CDF known by symmetry: the same quantiles as the general search, both branches.
  for (std::int64_t n : {1, 2, 7, 32, 33, 34, 1001, 7000, 123456}) {
    const boost::math::binomial_distribution<> law(static_cast<double>(n), 0.5);
    for (double u : {1e-9, 0.01, 0.3, 0.5, 0.5000001, 0.77, 0.999, 1 - 1e-12}) {
      const auto k = pmm::binomial_half_quantile(n, u);
      INFO("binomial(" << n << ", 1/2) u " << u << " -> " << k);
      CHECK(boost::math::cdf(law, static_cast<double>(k)) >= u - 1e-12);
      if (k > 0) CHECK(boost::math::cdf(law, static_cast<double>(k - 1)) < u + 1e-12);
    }
  }
  CHECK(pmm::binomial_quantile(0, 0.5, 0.5) == 0);
  CHECK(pmm::binomial_quantile(9, 1.0, 0.5) == 9);
  CHECK(pmm::binomial_half_quantile(0, 0.5) == 0);
}

TEST_CASE("shared noise: Poisson tree counts are exactly additive, Poisson, independent and monotone in the rate") {
  const double H = 1769.65;  // F(1) of the paper's exponential schedule
  const pmm::PoissonTree tree(3, H, 4.0);
  SUBCASE("coarse count = sum of fine counts, exactly (integers)") {
    const auto schedule = pmm::exponential_schedule();
    for (std::uint64_t path : {0ull, 1ull, 99ull})
      for (double rate : {0.3, 4.0, 6.5, 21.0}) {
        std::int64_t coarse_total = 0, fine_total = 0;
        for (int i = 0; i < 10; ++i) {
          const std::int64_t coarse = tree.count(path, 0, schedule->F(i / 10.0), schedule->F((i + 1) / 10.0), rate);
          std::int64_t fine = 0;
          for (int j = 100 * i; j < 100 * (i + 1); ++j)
            fine += tree.count(path, 0, schedule->F(j / 1000.0), schedule->F((j + 1) / 1000.0), rate);
          CHECK(coarse == fine);
          coarse_total += coarse;
          fine_total += fine;
        }
        CHECK(coarse_total == tree.cumulative(path, 0, H, rate));
        CHECK(fine_total == coarse_total);
      }
  }
  SUBCASE("counts over an interval are Poisson(rate x length); disjoint intervals are independent") {
    const int n = 4000;
    // Rates inside one layer (q < 1), on a layer boundary, across layers; lengths from tiny to the whole horizon.
    // 4,000 paths; chi-square p > 1e-3 against the Poisson pmf, correlation z-test p > 1e-3.
    for (auto [rate, a, b] : {std::tuple{0.7, 0.0, 3.0}, std::tuple{4.0, 100.0, 110.0}, std::tuple{6.5, 10.0, 10.2},
                              std::tuple{9.3, 1000.0, 1030.0}, std::tuple{2.5, 0.0, H}}) {
      std::vector<std::int64_t> counts(n), next(n);
      for (int j = 0; j < n; ++j) {
        counts[j] = tree.count(static_cast<std::uint64_t>(j), 1, a, b, rate);
        next[j] = tree.count(static_cast<std::uint64_t>(j), 1, b, std::min(H, b + (b - a)), rate);
      }
      const double mean = rate * (b - a);
      const auto gof = poisson_gof(counts, mean);
      INFO("rate " << rate << " on [" << a << ", " << b << "): mean " << mean << ", chi-square p " << gof.p_value);
      CHECK(gof.p_value > pmm_test::kMinP);
      if (b < H) {
        // Correlation of the counts of [a, b) and [b, 2b - a): sqrt(n) r ~ N(0, 1).
        double r = 0;
        const double m2 = rate * (std::min(H, b + (b - a)) - b);
        for (int j = 0; j < n; ++j) r += (counts[j] - mean) * (next[j] - m2) / std::sqrt(mean * m2);
        CHECK(pmm_test::z_p_value(r / std::sqrt(n)) > pmm_test::kMinP);
      }
    }
  }
  SUBCASE("cumulative counts are nondecreasing in the rate and in the clock") {
    int violations = 0;
    for (std::uint64_t path = 0; path < 200; ++path)
      for (double x : {0.5, 37.0, 900.0, H}) {
        std::int64_t last = 0;
        for (double rate = 0.25; rate < 13; rate += 0.75) {
          const auto c = tree.cumulative(path, 0, x, rate);
          violations += c < last;
          last = c;
        }
        violations += tree.cumulative(path, 0, x, 5.0) < tree.cumulative(path, 0, x * 0.5, 5.0);
      }
    CHECK(violations == 0);
  }
  SUBCASE("arguments are checked") {
    CHECK_THROWS_AS(pmm::PoissonTree(1, 0.0), pmm::Error);
    CHECK_THROWS_AS(pmm::PoissonTree(1, std::nan(""), 1.0), pmm::Error);
    CHECK_THROWS_AS(pmm::PoissonTree(1, 10.0, -1.0), pmm::Error);
    CHECK_THROWS_AS(pmm::PoissonTree(1, 10.0, 1.0, 31), pmm::Error);
    CHECK_THROWS_AS(pmm::PoissonTree(1, 10.0, 1.0, 30, 0), pmm::Error);
    CHECK(tree.count(0, 0, 5.0, 5.0, 3.0) == 0);
    CHECK(tree.cumulative(0, 0, 5.0, 0.0) == 0);
  }
}

TEST_CASE("shared noise: tau-leaping given x lands on the same count at 10 and 1000 steps") {
  // With g = x constant the step counts are increments of one Poisson path, so N(1) (hence mu(1)) is the
  // same at every step count; with independent noise per step count it would not be.
  pmm::GammaPoissonProcess p;
  p.schedule = pmm::exponential_schedule();
  const Index paths = 200;
  Batch x(1, paths);
  for (Index j = 0; j < paths; ++j) x(0, j) = 0.5 + 0.05 * static_cast<double>(j % 40);
  const pmm::GivenX given(x);
  const pmm::TreeNoise noise(8, p.schedule);
  pmm::IntegrateOptions opt;
  opt.grid = uniform_grid(10);
  const Batch coarse = pmm::solve(p, "tau-leap", given, noise, paths, opt).final;
  opt.grid = uniform_grid(1000);
  const Batch fine = pmm::solve(p, "tau-leap", given, noise, paths, opt).final;
  CHECK((coarse == fine).all());
  // And N(1) is Poisson(x F(1)) per path: compare the total with its mean (sum of Poissons).
  const double F1 = p.schedule->F(1.0);
  double total = 0, mean = 0;
  for (Index j = 0; j < paths; ++j) {
    total += p.count(fine(0, j), F1);
    mean += x(0, j) * F1;
  }
  CHECK(pmm_test::z_p_value((total - mean) / std::sqrt(mean)) > pmm_test::kMinP);
}
