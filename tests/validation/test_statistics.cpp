// Tests of validation/statistics: every statistic and p-value against a closed form or a reference
// computed with mpmath 1.3 at 30 digits (/usr/bin/python3; scipy is not installed): chi2 survival
// as gammainc(df/2, x/2, inf, regularized=True), the Kolmogorov law by nsum of its series, exact
// binomial tails by summing the pmf. Unless stated, tolerances are 1e-12 relative: double round-off.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <random>
#include <vector>

#include <pmm/core/error.hpp>
#include "validation/metric_sampling.hpp"
#include "validation/statistics.hpp"

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

std::vector<double> normals(std::size_t n, double mean, double sd, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<double> x(n);
  for (auto& v : x) v = mean + sd * pmm::metric_sampling::standard_normal(rng);
  return x;
}

double normal_cdf(double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); }

}  // namespace

TEST_CASE("moments: mean, unbiased variance and standard error by hand") {
  const std::vector<double> x{1, 2, 3, 4, 5};
  CHECK(pmm::sample_mean(x) == doctest::Approx(3.0).epsilon(1e-15));
  CHECK(pmm::sample_variance(x) == doctest::Approx(2.5).epsilon(1e-15));  // 10 / (5 - 1)
  CHECK(pmm::standard_error(x) == doctest::Approx(std::sqrt(0.5)).epsilon(1e-15));
  // A large offset must not cost digits: the variance is computed from centred values.
  std::vector<double> shifted = x;
  for (auto& v : shifted) v += 1e9;
  CHECK(pmm::sample_variance(shifted) == doctest::Approx(2.5).epsilon(1e-12));
  const Eigen::ArrayXd ex = Eigen::Map<const Eigen::ArrayXd>(x.data(), 5);
  CHECK(pmm::sample_mean(ex) == pmm::sample_mean(x));
}

TEST_CASE("weighted moments: reliability weights by hand, equal weights reduce to the plain case") {
  // x = (1, 2, 3), w = (1, 1, 2): V1 = 4, V2 = 6, mean = 9/4, sum w (x - mean)^2 = 11/4,
  // variance = (11/4) / (4 - 6/4) = 1.1, n_eff = 16/6, se = sqrt(1.1 / (16/6)).
  const auto m = pmm::weighted_moments(std::vector<double>{1, 2, 3}, std::vector<double>{1, 1, 2});
  CHECK(m.mean == doctest::Approx(2.25).epsilon(1e-15));
  CHECK(m.variance == doctest::Approx(1.1).epsilon(1e-14));
  CHECK(m.n_effective == doctest::Approx(16.0 / 6.0).epsilon(1e-15));
  CHECK(m.standard_error == doctest::Approx(std::sqrt(1.1 * 6.0 / 16.0)).epsilon(1e-14));
  // Scaling the weights changes nothing.
  const auto s = pmm::weighted_moments(std::vector<double>{1, 2, 3}, std::vector<double>{1e-3, 1e-3, 2e-3});
  CHECK(s.variance == doctest::Approx(m.variance).epsilon(1e-14));
  const std::vector<double> x{0.5, 1.5, -2.0, 4.0};
  const auto e = pmm::weighted_moments(x, std::vector<double>(4, 3.0));
  CHECK(e.mean == doctest::Approx(pmm::sample_mean(x)).epsilon(1e-14));
  CHECK(e.variance == doctest::Approx(pmm::sample_variance(x)).epsilon(1e-14));
  CHECK(e.standard_error == doctest::Approx(pmm::standard_error(x)).epsilon(1e-14));
}

TEST_CASE("chi-square goodness of fit: statistic, df and p-value against mpmath") {
  SUBCASE("no pooling") {
    // Expected 25 per bin: X2 = (49 + 9 + 25 + 25) / 25 = 4.32, df = 3.
    const auto r = pmm::chi_square_gof({18, 22, 30, 30}, {0.25, 0.25, 0.25, 0.25});
    CHECK(r.statistic == doctest::Approx(4.32).epsilon(1e-14));
    CHECK(r.df == 3);
    CHECK(r.bins == 4);
    CHECK(r.p_value == doctest::Approx(0.228918864336104988614725095711).epsilon(1e-12));
  }
  SUBCASE("bins with expected count < 5 pooled into a rest bin, fitted parameters reduce df") {
    // Expected (50, 30, 15, 3, 2): the last two pool into a rest bin of expected 5 (kept).
    // Observed rest 6 + 2 = 8: X2 = 25/50 + 25/30 + 9/15 + 9/5 = 3.7333..., df = 4 - 1.
    const std::vector<std::int64_t> o{45, 35, 12, 6, 2};
    const std::vector<double> p{0.5, 0.3, 0.15, 0.03, 0.02};
    const auto r = pmm::chi_square_gof(o, p);
    CHECK(r.bins == 4);
    CHECK(r.df == 3);
    CHECK(r.statistic == doctest::Approx(3.7333333333333333).epsilon(1e-14));
    CHECK(r.p_value == doctest::Approx(0.291736392549754819790256704425).epsilon(1e-12));
    const auto f = pmm::chi_square_gof(o, p, 1);
    CHECK(f.df == 2);
    CHECK(f.p_value == doctest::Approx(0.154638264549254811253553233715).epsilon(1e-12));
  }
  SUBCASE("a rest bin still below 5 merges into the smallest bin") {
    // Expected (60, 36, 3, 1): rest 4 < 5 joins the 36 bin -> bins (60, 40), observed (55, 45).
    const auto r = pmm::chi_square_gof({55, 38, 5, 2}, {0.6, 0.36, 0.03, 0.01});
    CHECK(r.bins == 2);
    CHECK(r.df == 1);
    CHECK(r.statistic == doctest::Approx(25.0 / 60 + 25.0 / 40).epsilon(1e-14));
    CHECK(r.p_value == doctest::Approx(0.30743416592739534243413083277).epsilon(1e-12));
  }
  SUBCASE("a count where the target has no mass is infinitely unlikely") {
    const auto r = pmm::chi_square_gof({50, 49, 1}, {0.5, 0.5, 0.0});
    CHECK(r.statistic == kInf);
    CHECK(r.p_value == 0.0);
    // Decisive even when too few bins remain for a chi2 approximation.
    CHECK(pmm::chi_square_gof({5, 1}, {1.0, 0.0}).p_value == 0.0);
    // An empty bin of probability 0 adds no degree of freedom, even with pooling switched off.
    const auto z = pmm::chi_square_gof({18, 22, 0, 30, 30}, {0.25, 0.25, 0.0, 0.25, 0.25}, 0, 0.0);
    CHECK(z.df == 3);
    CHECK(z.statistic == doctest::Approx(4.32).epsilon(1e-14));
  }
}

TEST_CASE("chi-square homogeneity of two count vectors against mpmath") {
  // Rows 60, 60; columns 30, 40, 50: E = (15, 20, 25) in both rows, X2 = 2 (25/15 + 0 + 25/25) = 16/3.
  const auto r = pmm::chi_square_homogeneity({10, 20, 30}, {20, 20, 20});
  CHECK(r.statistic == doctest::Approx(16.0 / 3.0).epsilon(1e-14));
  CHECK(r.df == 2);
  CHECK(r.p_value == doctest::Approx(0.0694834512228015347790274490607).epsilon(1e-12));
  // Empty columns carry no information and are dropped, not counted as degrees of freedom.
  const auto z = pmm::chi_square_homogeneity({10, 0, 20, 30}, {20, 0, 20, 20});
  CHECK(z.df == 2);
  CHECK(z.statistic == doctest::Approx(r.statistic).epsilon(1e-14));
}

TEST_CASE("Kolmogorov survival function against the series summed by mpmath") {
  // 0.3 and 0.5 use the theta-function branch (lambda < 1.18), the others the alternating series.
  CHECK(pmm::kolmogorov_survival(0.3) == doctest::Approx(0.999990694198665433368057335015).epsilon(1e-13));
  CHECK(pmm::kolmogorov_survival(0.5) == doctest::Approx(0.963945243664875094385913896282).epsilon(1e-13));
  CHECK(pmm::kolmogorov_survival(1.0) == doctest::Approx(0.269999671677354521204900645585).epsilon(1e-13));
  CHECK(pmm::kolmogorov_survival(1.36) == doctest::Approx(0.0494858767553779099394908913309).epsilon(1e-12));
  CHECK(pmm::kolmogorov_survival(2.0) == doctest::Approx(0.000670925255779695346544589900223).epsilon(1e-12));
  CHECK(pmm::kolmogorov_survival(0.0) == 1.0);
  CHECK(pmm::kolmogorov_survival(0.05) == 1.0);
}

TEST_CASE("KS statistics by hand, p-values with Stephens' correction against mpmath") {
  SUBCASE("one sample: x = (0.1, 0.4, 0.7) against U(0, 1)") {
    // D = max(i/n - x_(i), x_(i) - (i-1)/n) = 1 - 0.7 = 0.3; lambda = (sqrt3 + 0.12 + 0.11/sqrt3) 0.3.
    const auto r = pmm::ks_test(std::vector<double>{0.7, 0.1, 0.4},
                                [](double x) { return std::clamp(x, 0.0, 1.0); });
    CHECK(r.statistic == doctest::Approx(0.3).epsilon(1e-15));
    CHECK(r.n_effective == 3.0);
    CHECK(r.p_value == doctest::Approx(0.895944727658830012221862247875).epsilon(1e-12));
  }
  SUBCASE("two samples: D = 3/4, n_eff = 20/9") {
    const auto r = pmm::ks_test_two_sample(std::vector<double>{1, 2, 3, 4, 5},
                                           std::vector<double>{3.5, 6, 7, 8});
    CHECK(r.statistic == doctest::Approx(0.75).epsilon(1e-15));
    CHECK(r.n_effective == doctest::Approx(20.0 / 9.0).epsilon(1e-15));
    CHECK(r.p_value == doctest::Approx(0.0821537019539601426050332835884).epsilon(1e-12));
  }
  SUBCASE("ties across the samples step together") {
    // ECDFs: at 1, 2/4 vs 1/4; at 2, both 1. Stepping one sample at a time would report 0.5 or 0.75.
    const auto r = pmm::ks_test_two_sample(std::vector<double>{1, 1, 2, 2}, std::vector<double>{1, 2, 2, 2});
    CHECK(r.statistic == doctest::Approx(0.25).epsilon(1e-15));
    const auto same = pmm::ks_test_two_sample(std::vector<double>{3, 1, 2}, std::vector<double>{1, 2, 3});
    CHECK(same.statistic == 0.0);
    CHECK(same.p_value == 1.0);
  }
}

TEST_CASE("KS at fixed seeds accepts the true normal law and rejects a shifted one") {
  // Under the null p is uniform: these seeds give p = 0.79 and 0.55 (a fixed seed makes it a fixed
  // number). A 0.3 sd shift moves the CDF by up to D = 2 Phi(0.15) - 1 = 0.119: at n = 1000,
  // lambda ~ 3.8 and p ~ 1e-12 (1e-6 is the check); two samples, n_eff = 444, lambda ~ 2.5 and
  // p ~ 6e-6 (1e-4 is the check). These seeds give 6e-17 and 1e-7.
  const auto x = normals(1000, 0.0, 1.0, 11);
  const auto right = pmm::ks_test(x, normal_cdf);
  CHECK(right.p_value > 0.05);
  const auto wrong = pmm::ks_test(x, [](double v) { return normal_cdf(v - 0.3); });
  CHECK(wrong.p_value < 1e-6);
  const auto y = normals(800, 0.0, 1.0, 12);
  CHECK(pmm::ks_test_two_sample(x, y).p_value > 0.05);
  const auto z = normals(800, 0.3, 1.0, 13);
  CHECK(pmm::ks_test_two_sample(x, z).p_value < 1e-4);
}

TEST_CASE("binomial test: exact two-sided p-values against mpmath pmf sums") {
  // Symmetric case: 2 P(X <= 3) = 2 * 1351 / 2^20 exactly.
  CHECK(pmm::binomial_test(3, 20, 0.5).p_value == doctest::Approx(2.0 * 1351 / 1048576).epsilon(1e-12));
  CHECK(pmm::binomial_test(17, 20, 0.5).p_value == doctest::Approx(2.0 * 1351 / 1048576).epsilon(1e-12));
  // Asymmetric: sum of pmf(i) <= pmf(k) (scipy.stats.binomtest's rule, summed directly by mpmath).
  CHECK(pmm::binomial_test(7, 20, 0.2).p_value == doctest::Approx(0.09822172861346873344).epsilon(1e-11));
  CHECK(pmm::binomial_test(0, 20, 0.2).p_value == doctest::Approx(0.02151100136679276544).epsilon(1e-11));
  CHECK(pmm::binomial_test(1, 10, 0.3).p_value == doctest::Approx(0.2995766785).epsilon(1e-9));
  CHECK(pmm::binomial_test(8, 10, 0.3).p_value == doctest::Approx(0.0015903864).epsilon(1e-8));
  CHECK(pmm::binomial_test(10, 20, 0.5).p_value == 1.0);
  CHECK(pmm::binomial_test(0, 5, 0.0).p_value == 1.0);
  CHECK(pmm::binomial_test(1, 5, 0.0).p_value == 0.0);
  // Normal approximation with continuity correction: |k - np| - 1/2 = 9.5, sd = sqrt(250) at
  // n = 1000, p = 1/2, so p = erfc(9.5 / sqrt(500)); the exact value agrees within 2%.
  const auto a = pmm::binomial_test(490, 1000, 0.5, pmm::BinomialMethod::kNormal);
  CHECK(a.p_value == doctest::Approx(std::erfc(9.5 / std::sqrt(500.0))).epsilon(1e-14));
  CHECK(a.z == doctest::Approx(-10.0 / std::sqrt(250.0)).epsilon(1e-14));
  CHECK(pmm::binomial_test(490, 1000, 0.5).p_value == doctest::Approx(a.p_value).epsilon(0.02));
  // Large n stays exact and cheap (bisection, not a pmf sweep). At n = 1e9 the continuity-corrected
  // normal approximation is accurate to O(1/sqrt(n)) relative; 1e-3 leaves room for that.
  const auto big = pmm::binomial_test(500010000, 1000000000, 0.5);
  CHECK(big.p_value == doctest::Approx(std::erfc(9999.5 / std::sqrt(5e8))).epsilon(1e-3));
}

TEST_CASE("z-test of a mean by hand") {
  // mean 3, se sqrt(2.5 / 5): z = 1 / sqrt(0.5) = sqrt 2, p = erfc(1) = 0.1572992070502851 (mpmath).
  const auto r = pmm::z_test_mean(std::vector<double>{1, 2, 3, 4, 5}, 2.0);
  CHECK(r.mean == 3.0);
  CHECK(r.standard_error == doctest::Approx(std::sqrt(0.5)).epsilon(1e-15));
  CHECK(r.z == doctest::Approx(std::sqrt(2.0)).epsilon(1e-15));
  CHECK(r.p_value == doctest::Approx(0.157299207050285130658779364917).epsilon(1e-13));
  const auto c = pmm::z_test_mean(std::vector<double>{2, 2, 2}, 2.0);
  CHECK(c.z == 0.0);
  CHECK(c.p_value == 1.0);
  CHECK(pmm::z_test_mean(std::vector<double>{2, 2, 2}, 1.0).p_value == 0.0);
}

TEST_CASE("log-log slope recovers a known order on noiseless data") {
  // e = 3 h^2 exactly up to the rounding of the inputs: slope 2, log C = log 3, R^2 = 1, se ~ 0.
  const std::vector<double> h{0.1, 0.05, 0.025, 0.0125, 0.00625};
  std::vector<double> e;
  for (double v : h) e.push_back(3.0 * v * v);
  const auto f = pmm::log_log_slope(h, e);
  CHECK(f.slope == doctest::Approx(2.0).epsilon(1e-12));
  CHECK(f.intercept == doctest::Approx(std::log(3.0)).epsilon(1e-12));
  CHECK(f.r_squared == doctest::Approx(1.0).epsilon(1e-12));
  CHECK(f.slope_se < 1e-10);
  // Noise of known form: e = h^1.5 (1 + 0.1 (-1)^i): slope near 1.5, R^2 < 1, se > 0.
  std::vector<double> en;
  for (std::size_t i = 0; i < h.size(); ++i) en.push_back(std::pow(h[i], 1.5) * (i % 2 ? 0.9 : 1.1));
  const auto g = pmm::log_log_slope(h, en);
  CHECK(std::abs(g.slope - 1.5) < 0.1);
  CHECK(g.r_squared < 1.0);
  CHECK(g.slope_se > 0.0);
  CHECK(std::isnan(pmm::log_log_slope({0.1, 0.05}, {1.0, 0.25}).slope_se));  // two points: no residual df
  CHECK(pmm::log_log_slope({0.1, 0.05}, {1.0, 0.25}).slope == doctest::Approx(2.0).epsilon(1e-14));
}

TEST_CASE("statistics reject bad input with pmm::Error") {
  const std::vector<double> empty;
  CHECK_THROWS_AS(pmm::sample_mean(empty), pmm::Error);
  CHECK_THROWS_AS(pmm::sample_variance(std::vector<double>{1.0}), pmm::Error);
  CHECK_THROWS_AS(pmm::sample_mean(std::vector<double>{1.0, kNaN}), pmm::Error);
  CHECK_THROWS_AS(pmm::weighted_moments(std::vector<double>{1, 2}, std::vector<double>{1}), pmm::Error);
  CHECK_THROWS_AS(pmm::weighted_moments(std::vector<double>{1, 2}, std::vector<double>{1, -1}), pmm::Error);
  CHECK_THROWS_AS(pmm::weighted_moments(std::vector<double>{1, 2}, std::vector<double>{0, 1}), pmm::Error);
  CHECK_THROWS_AS(pmm::chi_square_gof({}, {}), pmm::Error);
  CHECK_THROWS_AS(pmm::chi_square_gof({1, 2}, {0.5}), pmm::Error);
  CHECK_THROWS_AS(pmm::chi_square_gof({10, 10}, {0.5, 0.6}), pmm::Error);
  CHECK_THROWS_AS(pmm::chi_square_gof({10, 10}, {0.5, kNaN}), pmm::Error);
  CHECK_THROWS_AS(pmm::chi_square_gof({10, -1}, {0.5, 0.5}), pmm::Error);
  CHECK_THROWS_AS(pmm::chi_square_gof({2, 2}, {0.5, 0.5}), pmm::Error);  // no bin reaches 5
  CHECK_THROWS_AS(pmm::chi_square_gof({50, 50}, {0.5, 0.5}, 1), pmm::Error);  // df would be 0
  CHECK_THROWS_AS(pmm::chi_square_homogeneity({1, 2}, {1, 2, 3}), pmm::Error);
  CHECK_THROWS_AS(pmm::chi_square_homogeneity({0, 0}, {1, 2}), pmm::Error);
  CHECK_THROWS_AS(pmm::ks_test(empty, normal_cdf), pmm::Error);
  CHECK_THROWS_AS(pmm::ks_test(std::vector<double>{kNaN}, normal_cdf), pmm::Error);
  CHECK_THROWS_AS(pmm::ks_test(std::vector<double>{0.5}, [](double) { return 2.0; }), pmm::Error);
  CHECK_THROWS_AS(pmm::ks_test(std::vector<double>{0.5}, std::function<double(double)>{}), pmm::Error);
  CHECK_THROWS_AS(pmm::ks_test_two_sample(empty, std::vector<double>{1.0}), pmm::Error);
  CHECK_THROWS_AS(pmm::binomial_test(5, 4, 0.5), pmm::Error);
  CHECK_THROWS_AS(pmm::binomial_test(1, 4, 1.5), pmm::Error);
  CHECK_THROWS_AS(pmm::binomial_test(1, 4, kNaN), pmm::Error);
  CHECK_THROWS_AS(pmm::z_test_mean(std::vector<double>{1.0}, 0.0), pmm::Error);
  CHECK_THROWS_AS(pmm::z_test_mean(std::vector<double>{1.0, 2.0}, kNaN), pmm::Error);
  CHECK_THROWS_AS(pmm::log_log_slope({0.1}, {1.0}), pmm::Error);
  CHECK_THROWS_AS(pmm::log_log_slope({0.1, 0.1}, {1.0, 2.0}), pmm::Error);
  CHECK_THROWS_AS(pmm::log_log_slope({0.1, 0.05}, {1.0, 0.0}), pmm::Error);
  CHECK_THROWS_AS(pmm::log_log_slope({0.1, 0.05}, {1.0}), pmm::Error);
  CHECK_THROWS_AS(pmm::log_log_slope({0.1, kNaN}, {1.0, 2.0}), pmm::Error);
  CHECK_THROWS_AS(pmm::kolmogorov_survival(kNaN), pmm::Error);
}
