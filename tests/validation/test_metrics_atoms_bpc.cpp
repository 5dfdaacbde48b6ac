// Tests of validation/metric_atoms (nearest atom, weights, TV = (1/2) sum |w^ - w|, chi-square of
// counts) and metric_bpc (bpc = sum w nll / sum w / ln 2) against values worked by hand; the
// chi2(2) survival is exp(-x/2) exactly, which gives the reference p-value in closed form.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include <pmm/core/error.hpp>
#include "validation/metric_atoms.hpp"
#include "validation/metric_bpc.hpp"
#include "validation/metric_sampling.hpp"

namespace {

// Atoms (0,0), (1,0), (0,1) with target weights (0.5, 0.3, 0.2).
pmm::Batch three_atoms() {
  pmm::Batch a(2, 3);
  a << 0, 1, 0,
       0, 0, 1;
  return a;
}
Eigen::VectorXd three_weights() { return Eigen::Vector3d(0.5, 0.3, 0.2); }

// counts[k] samples at atom k, each moved by at most `jitter` in each coordinate (seeded).
pmm::Batch samples_at(const pmm::Batch& atoms, const std::vector<int>& counts, double jitter,
                      std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  int n = 0;
  for (int c : counts) n += c;
  pmm::Batch s(atoms.rows(), n);
  int j = 0;
  for (std::size_t k = 0; k < counts.size(); ++k)
    for (int i = 0; i < counts[k]; ++i, ++j)
      for (Eigen::Index r = 0; r < atoms.rows(); ++r)
        s(r, j) = atoms(r, static_cast<Eigen::Index>(k)) +
                  jitter * (2.0 * pmm::metric_sampling::uniform_open01(rng) - 1.0);
  return s;
}

}  // namespace

TEST_CASE("nearest-atom weights, TV and chi-square by hand") {
  // Counts (60, 25, 15) of 100 against (50, 30, 20) expected: TV = (0.1 + 0.05 + 0.05) / 2 = 0.1,
  // X2 = 100/50 + 25/30 + 25/20 = 4.0833..., df = 2, p = exp(-X2 / 2). Jitter 0.1 < half the
  // atom spacing, so every sample lands on its own atom.
  const auto r = pmm::assign_to_atoms(samples_at(three_atoms(), {60, 25, 15}, 0.1, 1), three_atoms(),
                                      three_weights());
  CHECK(r.counts == std::vector<std::int64_t>{60, 25, 15});
  CHECK(r.weights(0) == doctest::Approx(0.60).epsilon(1e-15));
  CHECK(r.total_variation == doctest::Approx(0.1).epsilon(1e-14));
  REQUIRE(r.chi_square_valid);
  const double x2 = 2.0 + 25.0 / 30.0 + 1.25;
  CHECK(r.chi_square.statistic == doctest::Approx(x2).epsilon(1e-14));
  CHECK(r.chi_square.df == 2);
  CHECK(r.chi_square.p_value == doctest::Approx(std::exp(-x2 / 2.0)).epsilon(1e-12));
  CHECK(r.nearest[0] == 0);
  CHECK(r.nearest[99] == 2);
  CHECK(r.max_distance <= 0.1 * std::sqrt(2.0));
  CHECK(r.mean_distance > 0.0);
  // Exact counts: TV 0, X2 0, p 1; samples on the atoms: distances exactly 0.
  const auto e = pmm::assign_to_atoms(samples_at(three_atoms(), {50, 30, 20}, 0.0, 2), three_atoms(),
                                      three_weights());
  CHECK(e.total_variation == doctest::Approx(0.0).epsilon(1e-15));
  CHECK(e.chi_square.statistic == doctest::Approx(0.0));
  CHECK(e.chi_square.p_value == 1.0);
  CHECK(e.max_distance == 0.0);
}

TEST_CASE("nearest-atom: ties go to the first atom; too few samples leave the test unavailable") {
  pmm::Batch s(2, 1);
  s << 0.5, 0.0;  // equidistant from atoms 0 and 1
  const auto r = pmm::assign_to_atoms(s, three_atoms(), three_weights());
  CHECK(r.nearest[0] == 0);
  CHECK(!r.chi_square_valid);  // expected counts (0.5, 0.3, 0.2): all below 5, no df
  CHECK(r.total_variation == doctest::Approx(0.5).epsilon(1e-15));
}

TEST_CASE("nearest-atom chi-square accepts draws from the target and rejects other weights") {
  // 3000 categorical draws from the target at a fixed seed: under the null p is uniform, and this
  // seed gives p > 0.05. Drawn from (0.45, 0.35, 0.2) instead, the expected X2 is about
  // 3000 (0.05^2/0.5 + 0.05^2/0.3) = 40, so p ~ 1e-9 << 1e-4.
  auto draw = [](const std::vector<double>& w, int n, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::vector<int> counts(w.size(), 0);
    for (int i = 0; i < n; ++i) {
      double u = pmm::metric_sampling::uniform_open01(rng), c = 0.0;
      std::size_t k = 0;
      while (k + 1 < w.size() && u > (c += w[k])) ++k;
      ++counts[k];
    }
    return counts;
  };
  const auto good = pmm::assign_to_atoms(samples_at(three_atoms(), draw({0.5, 0.3, 0.2}, 3000, 5), 0.2, 6),
                                         three_atoms(), three_weights());
  CHECK(good.chi_square.p_value > 0.05);
  CHECK(good.total_variation < 0.03);
  const auto bad = pmm::assign_to_atoms(samples_at(three_atoms(), draw({0.45, 0.35, 0.2}, 3000, 7), 0.2, 8),
                                        three_atoms(), three_weights());
  CHECK(bad.chi_square.p_value < 1e-4);
}

TEST_CASE("bits per character: normalised weighted mean of nats over ln 2") {
  // nll = ln 2 everywhere is one bit whatever the weights.
  CHECK(pmm::bits_per_character(std::vector<double>(4, std::log(2.0)), {1.0, 2.0, 0.5, 7.0}) ==
        doctest::Approx(1.0).epsilon(1e-15));
  // (1 * 1 bit + 3 * 2 bits) / 4 = 1.75 bits; weights scaled by 10 give the same.
  const std::vector<double> nll{std::log(2.0), 2.0 * std::log(2.0)};
  CHECK(pmm::bits_per_character(nll, {1.0, 3.0}) == doctest::Approx(1.75).epsilon(1e-15));
  CHECK(pmm::bits_per_character(nll, {10.0, 30.0}) == doctest::Approx(1.75).epsilon(1e-15));
  // A zero-probability token with zero weight does not count; with positive weight bpc is infinite.
  const double inf = std::numeric_limits<double>::infinity();
  CHECK(pmm::bits_per_character({std::log(2.0), inf}, {1.0, 0.0}) == doctest::Approx(1.0).epsilon(1e-15));
  CHECK(pmm::bits_per_character({std::log(2.0), inf}, {1.0, 1.0}) == inf);
  const Eigen::ArrayXd a = Eigen::ArrayXd::Constant(3, std::log(4.0)), w = Eigen::ArrayXd::Ones(3);
  CHECK(pmm::bits_per_character(a, w) == doctest::Approx(2.0).epsilon(1e-15));
}

TEST_CASE("atoms and bpc reject bad input with pmm::Error") {
  const pmm::Batch s = samples_at(three_atoms(), {5, 5, 5}, 0.1, 1);
  CHECK_THROWS_AS(pmm::assign_to_atoms(s, three_atoms(), Eigen::Vector2d(0.5, 0.5)), pmm::Error);
  CHECK_THROWS_AS(pmm::assign_to_atoms(s, three_atoms(), Eigen::Vector3d(0.5, 0.5, 0.5)), pmm::Error);
  CHECK_THROWS_AS(pmm::assign_to_atoms(s, three_atoms(), Eigen::Vector3d(1.2, -0.2, 0.0)), pmm::Error);
  CHECK_THROWS_AS(pmm::assign_to_atoms(pmm::Batch(2, 0), three_atoms(), three_weights()), pmm::Error);
  CHECK_THROWS_AS(pmm::assign_to_atoms(pmm::Batch::Zero(3, 4), three_atoms(), three_weights()), pmm::Error);
  pmm::Batch bad = s;
  bad(0, 3) = std::numeric_limits<double>::quiet_NaN();
  CHECK_THROWS_AS(pmm::assign_to_atoms(bad, three_atoms(), three_weights()), pmm::Error);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  CHECK_THROWS_AS(pmm::bits_per_character(std::vector<double>{}, std::vector<double>{}), pmm::Error);
  CHECK_THROWS_AS(pmm::bits_per_character({1.0, nan}, {1.0, 1.0}), pmm::Error);
  CHECK_THROWS_AS(pmm::bits_per_character({1.0, -0.5}, {1.0, 1.0}), pmm::Error);
  CHECK_THROWS_AS(pmm::bits_per_character({1.0, 1.0}, {1.0}), pmm::Error);
  CHECK_THROWS_AS(pmm::bits_per_character({1.0, 1.0}, {1.0, -1.0}), pmm::Error);
  CHECK_THROWS_AS(pmm::bits_per_character({1.0, 1.0}, {0.0, 0.0}), pmm::Error);
}
