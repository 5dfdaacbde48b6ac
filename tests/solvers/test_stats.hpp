// Small, self-contained statistics and quadrature helpers for the core tests (Boost.Math only; the
// tests do not depend on validation/statistics.hpp so that a bug there cannot hide a bug here).
// Pearson chi-square with pooling of small bins, one-sample Kolmogorov-Smirnov (Stephens' correction),
// two-sided z p-values, least-squares log-log slopes and composite Gauss-Legendre quadrature.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <numeric>
#include <vector>

#include <boost/math/distributions/chi_squared.hpp>
#include <boost/math/distributions/normal.hpp>
#include <boost/math/quadrature/gauss.hpp>

namespace pmm_test {

// Every statistical test in the core suite runs at a fixed seed and accepts p > kMinP: a correct
// implementation fails one given test with probability 1e-3, and the seed is fixed so a pass is stable.
constexpr double kMinP = 1e-3;

struct GofResult {
  double statistic = 0;
  int df = 0;
  double p_value = 1;
};

inline double chi_square_survival(double statistic, int df) {
  if (!(statistic >= 0) || std::isinf(statistic)) return 0.0;
  return boost::math::cdf(boost::math::complement(boost::math::chi_squared(df), statistic));
}

// Pearson X^2 of observed counts against bin probabilities (summing to 1) for n = sum(observed) draws.
// Bins are pooled in their given order until each pooled bin expects >= min_expected draws (the
// usual validity condition of the chi-square approximation); a short remainder joins the last bin.
inline GofResult chi_square_gof(const std::vector<double>& observed, const std::vector<double>& probs,
                                double min_expected = 5.0) {
  const double n = std::accumulate(observed.begin(), observed.end(), 0.0);
  std::vector<double> o, e;
  double acc_o = 0, acc_e = 0;
  for (size_t i = 0; i < observed.size(); ++i) {
    acc_o += observed[i];
    acc_e += n * probs[i];
    if (acc_e >= min_expected) {
      o.push_back(acc_o);
      e.push_back(acc_e);
      acc_o = acc_e = 0;
    }
  }
  if (acc_e > 0 || acc_o > 0) {
    if (e.empty()) {
      o.push_back(acc_o);
      e.push_back(acc_e);
    } else {
      o.back() += acc_o;
      e.back() += acc_e;
    }
  }
  GofResult r;
  for (size_t i = 0; i < o.size(); ++i) r.statistic += (o[i] - e[i]) * (o[i] - e[i]) / e[i];
  r.df = static_cast<int>(o.size()) - 1;
  r.p_value = r.df > 0 ? chi_square_survival(r.statistic, r.df) : 1.0;
  return r;
}

// Kolmogorov survival Q(l) = 2 sum_{k>=1} (-1)^{k-1} exp(-2 k^2 l^2); for small l the series converges
// slowly but Q is then ~1, which is all a "p > 1e-3" test needs.
inline double kolmogorov_survival(double l) {
  if (l < 0.2) return 1.0;
  double s = 0;
  for (int k = 1; k <= 200; ++k) s += (k % 2 ? 2.0 : -2.0) * std::exp(-2.0 * k * k * l * l);
  return std::clamp(s, 0.0, 1.0);
}

struct KsResult {
  double statistic = 0;
  double p_value = 1;
};

// One-sample KS test of x against a continuous CDF; p from Stephens' (sqrt(n) + 0.12 + 0.11/sqrt(n)) D.
inline KsResult ks_test(std::vector<double> x, const std::function<double(double)>& cdf) {
  std::sort(x.begin(), x.end());
  const double n = static_cast<double>(x.size());
  double d = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    const double F = cdf(x[i]);
    d = std::max({d, F - i / n, (i + 1) / n - F});
  }
  const double sn = std::sqrt(n);
  return {d, kolmogorov_survival((sn + 0.12 + 0.11 / sn) * d)};
}

// Two-sample KS test (a and b from the same law?); p from Stephens' formula with n_e = n m/(n + m). With ties
// (discrete laws) the test is conservative: p is at least as large as the exact one.
inline KsResult ks_two_sample(std::vector<double> a, std::vector<double> b) {
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  const double n = static_cast<double>(a.size()), m = static_cast<double>(b.size());
  size_t i = 0, j = 0;
  double d = 0;
  while (i < a.size() && j < b.size()) {
    const double v = std::min(a[i], b[j]);
    while (i < a.size() && a[i] == v) ++i;
    while (j < b.size() && b[j] == v) ++j;
    d = std::max(d, std::abs(static_cast<double>(i) / n - static_cast<double>(j) / m));
  }
  const double sn = std::sqrt(n * m / (n + m));
  return {d, kolmogorov_survival((sn + 0.12 + 0.11 / sn) * d)};
}

inline double normal_cdf(double z) { return 0.5 * std::erfc(-z / std::sqrt(2.0)); }

// Two-sided p-value of a standard normal z.
inline double z_p_value(double z) { return std::erfc(std::abs(z) / std::sqrt(2.0)); }

// Two-sided p-value of a sample variance s2 of n normal draws against the true variance sigma2:
// (n - 1) s2 / sigma2 ~ chi-square(n - 1).
inline double variance_p_value(double s2, double sigma2, std::int64_t n) {
  const boost::math::chi_squared chi(static_cast<double>(n - 1));
  const double x = (n - 1) * s2 / sigma2;
  const double lower = boost::math::cdf(chi, x), upper = boost::math::cdf(boost::math::complement(chi, x));
  return std::min(1.0, 2.0 * std::min(lower, upper));
}

inline double mean(const std::vector<double>& x) {
  return std::accumulate(x.begin(), x.end(), 0.0) / static_cast<double>(x.size());
}
inline double variance(const std::vector<double>& x) {
  const double m = mean(x);
  double s = 0;
  for (double v : x) s += (v - m) * (v - m);
  return s / static_cast<double>(x.size() - 1);
}

// Least-squares slope of log(e) against log(h).
inline double loglog_slope(const std::vector<double>& h, const std::vector<double>& e) {
  const size_t n = h.size();
  double mx = 0, my = 0;
  for (size_t i = 0; i < n; ++i) {
    mx += std::log(h[i]) / n;
    my += std::log(e[i]) / n;
  }
  double sxy = 0, sxx = 0;
  for (size_t i = 0; i < n; ++i) {
    sxy += (std::log(h[i]) - mx) * (std::log(e[i]) - my);
    sxx += (std::log(h[i]) - mx) * (std::log(h[i]) - mx);
  }
  return sxy / sxx;
}

// Composite 20-point Gauss-Legendre on [a, b] split into `pieces` equal panels. Exact for polynomials
// of degree 39 per panel; for analytic integrands the error falls like (panel width)^40.
inline double integrate(const std::function<double(double)>& f, double a, double b, int pieces = 16) {
  double s = 0;
  const double h = (b - a) / pieces;
  for (int i = 0; i < pieces; ++i)
    s += boost::math::quadrature::gauss<double, 20>::integrate(f, a + i * h, a + (i + 1) * h);
  return s;
}

// The same over [a, b] with extra breakpoints (kinks, jumps of the integrand) honoured exactly.
inline double integrate_with_breaks(const std::function<double(double)>& f, double a, double b,
                                    std::vector<double> breaks, int pieces = 16) {
  breaks.push_back(a);
  breaks.push_back(b);
  std::sort(breaks.begin(), breaks.end());
  double s = 0;
  for (size_t i = 0; i + 1 < breaks.size(); ++i) {
    const double lo = std::max(a, breaks[i]), hi = std::min(b, breaks[i + 1]);
    if (hi > lo) s += integrate(f, lo, hi, pieces);
  }
  return s;
}

}  // namespace pmm_test
