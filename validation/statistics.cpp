// Statistical tests: Pearson chi-square X^2 = sum (O - E)^2 / E against chi2(df); KS
// D = sup |F_n - F| against the Kolmogorov law Q(l) = 2 sum (-1)^{k-1} exp(-2 k^2 l^2) at
// l = (sqrt(n) + 0.12 + 0.11/sqrt(n)) D (Stephens 1970); exact binomial; z-test; log-log fit.
#include "validation/statistics.hpp"

#include <algorithm>
#include <boost/math/distributions/binomial.hpp>
#include <boost/math/distributions/chi_squared.hpp>
#include <boost/math/distributions/normal.hpp>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>

#include <fmt/core.h>

#include <pmm/core/error.hpp>

namespace pmm {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

Eigen::Map<const Eigen::ArrayXd> view(const std::vector<double>& x) {
  return {x.data(), static_cast<Eigen::Index>(x.size())};
}

void require_samples(const SampleView& x, Eigen::Index min_size, const std::string& name) {
  require(x.size() >= min_size, name,
          "needs at least " + std::to_string(min_size) + " samples, got " + std::to_string(x.size()));
  require(x.isFinite().all(), name, "must be finite (found NaN or infinity)");
}

// Upper tail of chi2(df); +inf statistic (a count where nothing was expected) gives 0.
double chi_square_survival(double statistic, int df) {
  if (!(statistic < kInf)) return 0.0;
  if (statistic <= 0.0) return 1.0;
  return boost::math::cdf(boost::math::complement(boost::math::chi_squared(df), statistic));
}

double two_sided_normal_p(double z) {
  if (std::isnan(z)) return kNaN;
  // erfc keeps the tail accurate where 1 - Phi(|z|) would round to 0.
  return std::erfc(std::abs(z) / std::sqrt(2.0));
}

}  // namespace

// ---------------------------------------------------------------- moments

double sample_mean(const SampleView& x) {
  require_samples(x, 1, "samples");
  return x.mean();
}

double sample_variance(const SampleView& x) {
  require_samples(x, 2, "samples");
  // Two-pass (centred) form: the one-pass sum x^2 - n mean^2 cancels badly when |mean| >> sd.
  return (x - x.mean()).square().sum() / static_cast<double>(x.size() - 1);
}

double standard_error(const SampleView& x) {
  return std::sqrt(sample_variance(x) / static_cast<double>(x.size()));
}

double sample_mean(const std::vector<double>& x) { return sample_mean(view(x)); }
double sample_variance(const std::vector<double>& x) { return sample_variance(view(x)); }
double standard_error(const std::vector<double>& x) { return standard_error(view(x)); }

WeightedMoments weighted_moments(const SampleView& x, const SampleView& w) {
  require_samples(x, 1, "samples");
  require(w.size() == x.size(), "weights",
          "must have one weight per sample (" + std::to_string(x.size()) + "), got " +
              std::to_string(w.size()));
  require(w.isFinite().all() && (w >= 0.0).all(), "weights", "must be finite and >= 0");
  const double v1 = w.sum();
  require(v1 > 0.0, "weights", "must not all be zero");
  // Scale weights to max 1 before squaring so V2 cannot overflow or underflow.
  const Eigen::ArrayXd ws = w / w.maxCoeff();
  const double s1 = ws.sum(), s2 = ws.square().sum();
  WeightedMoments m;
  m.n_effective = s1 * s1 / s2;
  require(m.n_effective > 1.0, "weights",
          "need an effective sample size above 1 (one nonzero weight leaves no variance estimate)");
  m.mean = (ws * x).sum() / s1;
  m.variance = (ws * (x - m.mean).square()).sum() / (s1 - s2 / s1);
  m.standard_error = std::sqrt(m.variance / m.n_effective);
  return m;
}

WeightedMoments weighted_moments(const std::vector<double>& x, const std::vector<double>& w) {
  return weighted_moments(view(x), view(w));
}

// ---------------------------------------------------------------- chi-square

namespace {

// Pearson X^2 on (observed, expected) bins, pooling small expected counts first.
ChiSquareResult pearson(const std::vector<double>& obs, const std::vector<double>& expct, int constraints,
                        double min_expected, const std::string& what) {
  std::vector<double> o, e;
  double rest_o = 0.0, rest_e = 0.0;
  bool pooled = false;
  for (std::size_t i = 0; i < obs.size(); ++i) {
    // A bin the target gives no mass adds no degree of freedom; a count there is handled below.
    if (expct[i] == 0.0) continue;
    if (expct[i] < min_expected) {
      rest_o += obs[i];
      rest_e += expct[i];
      pooled = true;
    } else {
      o.push_back(obs[i]);
      e.push_back(expct[i]);
    }
  }
  if (pooled) {
    if (rest_e < min_expected && !e.empty()) {
      // The rest bin is still too thin for the chi2 approximation: fold it into the smallest bin.
      const auto j = static_cast<std::size_t>(std::min_element(e.begin(), e.end()) - e.begin());
      o[j] += rest_o;
      e[j] += rest_e;
    } else {
      o.push_back(rest_o);
      e.push_back(rest_e);
    }
  }
  // A count where the target has no mass at all is impossible under it: X^2 = inf, p = 0, decided
  // without needing any degree of freedom.
  bool impossible = false;
  for (std::size_t i = 0; i < obs.size(); ++i) impossible = impossible || (expct[i] == 0.0 && obs[i] > 0.0);
  ChiSquareResult r;
  r.bins = static_cast<int>(e.size());
  r.df = r.bins - constraints;
  require(impossible || r.df >= 1, what,
          "only " + std::to_string(r.bins) + " bins have an expected count >= " +
              fmt::format("{}", min_expected) + " after pooling, which leaves no degrees of freedom " +
              "(" + std::to_string(constraints) + " constraints); use more samples or fewer bins");
  double x2 = 0.0;
  for (std::size_t i = 0; i < e.size(); ++i) x2 += (o[i] - e[i]) * (o[i] - e[i]) / e[i];
  r.statistic = impossible ? kInf : x2;
  r.p_value = impossible ? 0.0 : chi_square_survival(r.statistic, r.df);
  return r;
}

void require_counts(const std::vector<std::int64_t>& c, const std::string& name) {
  require(!c.empty(), name, "must not be empty");
  for (auto v : c) require(v >= 0, name, "counts must be >= 0, got " + std::to_string(v));
}

}  // namespace

ChiSquareResult chi_square_gof(const std::vector<std::int64_t>& observed,
                               const std::vector<double>& probabilities, int fitted_parameters,
                               double min_expected) {
  require_counts(observed, "observed");
  require(probabilities.size() == observed.size(), "probabilities",
          "must have one entry per bin (" + std::to_string(observed.size()) + "), got " +
              std::to_string(probabilities.size()));
  double total_p = 0.0;
  for (double p : probabilities) {
    require(std::isfinite(p) && p >= 0.0, "probabilities", "must be finite and >= 0");
    total_p += p;
  }
  require(std::abs(total_p - 1.0) <= 1e-6, "probabilities",
          "must sum to 1 (within 1e-6), got " + fmt::format("{}", total_p));
  require(fitted_parameters >= 0, "fitted_parameters", "must be >= 0");
  require(std::isfinite(min_expected) && min_expected >= 0.0, "min_expected", "must be >= 0");
  const double n = std::accumulate(observed.begin(), observed.end(), 0.0);
  require(n > 0.0, "observed", "must contain at least one count");
  std::vector<double> o(observed.begin(), observed.end()), e(observed.size());
  for (std::size_t i = 0; i < e.size(); ++i) e[i] = n * probabilities[i] / total_p;
  return pearson(o, e, 1 + fitted_parameters, min_expected, "observed");
}

ChiSquareResult chi_square_homogeneity(const std::vector<std::int64_t>& counts_a,
                                       const std::vector<std::int64_t>& counts_b,
                                       double min_expected) {
  require_counts(counts_a, "counts_a");
  require_counts(counts_b, "counts_b");
  require(counts_b.size() == counts_a.size(), "counts_b",
          "must have the same number of bins as counts_a (" + std::to_string(counts_a.size()) +
              "), got " + std::to_string(counts_b.size()));
  require(std::isfinite(min_expected) && min_expected >= 0.0, "min_expected", "must be >= 0");
  const double na = std::accumulate(counts_a.begin(), counts_a.end(), 0.0);
  const double nb = std::accumulate(counts_b.begin(), counts_b.end(), 0.0);
  require(na > 0.0, "counts_a", "must contain at least one count");
  require(nb > 0.0, "counts_b", "must contain at least one count");
  const double n = na + nb;
  // Pool columns, not cells: both cells of a column move together so the table stays 2 x K'.
  std::vector<double> oa, ob;
  double rest_a = 0.0, rest_b = 0.0;
  bool pooled = false;
  const double small = std::min(na, nb) / n;  // the smaller row share sets the smaller cell
  for (std::size_t j = 0; j < counts_a.size(); ++j) {
    const double col = static_cast<double>(counts_a[j] + counts_b[j]);
    if (col == 0.0) continue;
    if (col * small < min_expected) {
      rest_a += static_cast<double>(counts_a[j]);
      rest_b += static_cast<double>(counts_b[j]);
      pooled = true;
    } else {
      oa.push_back(static_cast<double>(counts_a[j]));
      ob.push_back(static_cast<double>(counts_b[j]));
    }
  }
  if (pooled) {
    if ((rest_a + rest_b) * small < min_expected && !oa.empty()) {
      std::size_t j = 0;
      for (std::size_t i = 1; i < oa.size(); ++i)
        if (oa[i] + ob[i] < oa[j] + ob[j]) j = i;
      oa[j] += rest_a;
      ob[j] += rest_b;
    } else {
      oa.push_back(rest_a);
      ob.push_back(rest_b);
    }
  }
  const int k = static_cast<int>(oa.size());
  ChiSquareResult r;
  r.bins = k;
  r.df = k - 1;
  require(r.df >= 1, "counts_a",
          "only " + std::to_string(k) + " bin(s) remain after pooling columns with expected count < " +
              fmt::format("{}", min_expected) + "; use more samples or fewer bins");
  double x2 = 0.0;
  for (int j = 0; j < k; ++j) {
    const double col = oa[j] + ob[j];
    const double ea = col * na / n, eb = col * nb / n;
    x2 += (oa[j] - ea) * (oa[j] - ea) / ea + (ob[j] - eb) * (ob[j] - eb) / eb;
  }
  r.statistic = x2;
  r.p_value = chi_square_survival(x2, r.df);
  return r;
}

// ---------------------------------------------------------------- Kolmogorov-Smirnov

double kolmogorov_survival(double lambda) {
  require(!std::isnan(lambda), "lambda", "must not be NaN");
  if (lambda <= 0.0) return 1.0;
  double q;
  if (lambda < 1.18) {
    // Jacobi theta form 1 - sqrt(2 pi)/l sum exp(-(2k-1)^2 pi^2 / (8 l^2)): the alternating series
    // converges slowly for small l, this one in a few terms.
    const double c = -M_PI * M_PI / (8.0 * lambda * lambda);
    double s = 0.0;
    for (int k = 1; k <= 20; ++k) {
      const double t = std::exp(c * (2 * k - 1) * (2 * k - 1));
      s += t;
      if (t < 1e-17 * s) break;
    }
    q = 1.0 - std::sqrt(2.0 * M_PI) / lambda * s;
  } else {
    const double c = -2.0 * lambda * lambda;
    double s = 0.0;
    for (int k = 1; k <= 100; ++k) {
      const double t = std::exp(c * k * k);
      s += (k % 2 == 1) ? t : -t;
      if (t < 1e-17 * std::abs(s) || t == 0.0) break;
    }
    q = 2.0 * s;
  }
  return std::clamp(q, 0.0, 1.0);
}

namespace {
double ks_p_value(double d, double n_eff) {
  const double sn = std::sqrt(n_eff);
  return kolmogorov_survival((sn + 0.12 + 0.11 / sn) * d);
}
}  // namespace

KsResult ks_test(const SampleView& x, const std::function<double(double)>& cdf) {
  require_samples(x, 1, "samples");
  require(static_cast<bool>(cdf), "cdf", "must be a callable function");
  std::vector<double> s(x.data(), x.data() + x.size());
  std::sort(s.begin(), s.end());
  const double n = static_cast<double>(s.size());
  double d = 0.0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    double f = cdf(s[i]);
    // Allow a CDF's own round-off just outside [0, 1] (e.g. 1 + 1e-16), reject anything else.
    require(f >= -1e-12 && f <= 1.0 + 1e-12, "cdf",
            "must return a value in [0, 1], got " + fmt::format("{}", f) + " at " + fmt::format("{}", s[i]));
    f = std::clamp(f, 0.0, 1.0);
    // The ECDF jumps at s[i] from i/n to (i+1)/n; the sup is reached at one side of a jump.
    d = std::max({d, (static_cast<double>(i) + 1.0) / n - f, f - static_cast<double>(i) / n});
  }
  return {d, n, ks_p_value(d, n)};
}

KsResult ks_test(const std::vector<double>& x, const std::function<double(double)>& cdf) {
  return ks_test(view(x), cdf);
}

KsResult ks_test_two_sample(const SampleView& x, const SampleView& y) {
  require_samples(x, 1, "x");
  require_samples(y, 1, "y");
  std::vector<double> a(x.data(), x.data() + x.size()), b(y.data(), y.data() + y.size());
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  const double n = static_cast<double>(a.size()), m = static_cast<double>(b.size());
  std::size_t i = 0, j = 0;
  double d = 0.0;
  while (i < a.size() && j < b.size()) {
    // Step past every copy of the smallest value in both samples before comparing, so ties
    // across the samples do not create a spurious gap.
    const double v = std::min(a[i], b[j]);
    while (i < a.size() && a[i] == v) ++i;
    while (j < b.size() && b[j] == v) ++j;
    d = std::max(d, std::abs(static_cast<double>(i) / n - static_cast<double>(j) / m));
  }
  const double n_eff = n * m / (n + m);
  return {d, n_eff, ks_p_value(d, n_eff)};
}

KsResult ks_test_two_sample(const std::vector<double>& x, const std::vector<double>& y) {
  return ks_test_two_sample(view(x), view(y));
}

// ---------------------------------------------------------------- binomial

BinomialTestResult binomial_test(std::int64_t k, std::int64_t n, double p, BinomialMethod method) {
  require(n >= 1, "n", "must be >= 1, got " + std::to_string(n));
  require(k >= 0 && k <= n, "k", "must lie in [0, n = " + std::to_string(n) + "], got " + std::to_string(k));
  require(p >= 0.0 && p <= 1.0, "p", "must lie in [0, 1], got " + fmt::format("{}", p));
  BinomialTestResult r;
  const double nd = static_cast<double>(n), kd = static_cast<double>(k);
  r.estimate = kd / nd;
  if (p == 0.0 || p == 1.0) {
    // Degenerate law: only k = n p is possible.
    r.p_value = (kd == nd * p) ? 1.0 : 0.0;
    return r;
  }
  const double mean = nd * p, sd = std::sqrt(nd * p * (1.0 - p));
  r.z = (kd - mean) / sd;
  if (method == BinomialMethod::kNormal) {
    const double dev = std::max(std::abs(kd - mean) - 0.5, 0.0);
    r.p_value = std::min(1.0, two_sided_normal_p(dev / sd));
    return r;
  }
  // Exact, as scipy.stats.binomtest: P(k) plus the far tail of outcomes no more likely than k.
  // The pmf is unimodal, so that tail is an interval found by bisection (O(log n) pmf calls).
  using boost::math::binomial;
  const binomial law(nd, p);
  const double d = boost::math::pdf(law, kd);
  const double rel = 1.0 + 1e-7;  // scipy's tolerance for ties in floating point
  if (kd == mean) {
    r.p_value = 1.0;
    return r;
  }
  double pv;
  if (kd < mean) {
    // Count i in [ceil(mean), n] with pmf(i) <= d * rel: the pmf decreases there.
    std::int64_t lo = static_cast<std::int64_t>(std::ceil(mean)), hi = n + 1;  // first index that qualifies
    while (lo < hi) {
      const std::int64_t mid = lo + (hi - lo) / 2;
      if (boost::math::pdf(law, static_cast<double>(mid)) <= d * rel) hi = mid;
      else lo = mid + 1;
    }
    pv = boost::math::cdf(law, kd);
    if (lo <= n) pv += boost::math::cdf(boost::math::complement(law, static_cast<double>(lo - 1)));
  } else {
    // Count i in [0, floor(mean)] with pmf(i) <= d * rel: the pmf increases there.
    std::int64_t lo = -1, hi = static_cast<std::int64_t>(std::floor(mean));  // last index that qualifies
    while (lo < hi) {
      const std::int64_t mid = hi - (hi - lo) / 2;
      if (boost::math::pdf(law, static_cast<double>(mid)) <= d * rel) lo = mid;
      else hi = mid - 1;
    }
    pv = boost::math::cdf(boost::math::complement(law, kd - 1.0));
    if (lo >= 0) pv += boost::math::cdf(law, static_cast<double>(lo));
  }
  r.p_value = std::min(1.0, pv);
  return r;
}

// ---------------------------------------------------------------- z-test

ZTestResult z_test_mean(const SampleView& x, double m) {
  require_samples(x, 2, "samples");
  require(std::isfinite(m), "m", "must be finite");
  ZTestResult r;
  r.mean = x.mean();
  r.standard_error = standard_error(x);
  const double diff = r.mean - m;
  if (r.standard_error > 0.0) r.z = diff / r.standard_error;
  else r.z = diff == 0.0 ? 0.0 : std::copysign(kInf, diff);
  r.p_value = std::isinf(r.z) ? 0.0 : two_sided_normal_p(r.z);
  return r;
}

ZTestResult z_test_mean(const std::vector<double>& x, double m) { return z_test_mean(view(x), m); }

// ---------------------------------------------------------------- log-log slope

SlopeFit log_log_slope(const std::vector<double>& h, const std::vector<double>& e) {
  require(h.size() >= 2, "h", "needs at least 2 step sizes, got " + std::to_string(h.size()));
  require(e.size() == h.size(), "e",
          "must have one error per step size (" + std::to_string(h.size()) + "), got " +
              std::to_string(e.size()));
  for (double v : h) require(std::isfinite(v) && v > 0.0, "h", "step sizes must be finite and > 0");
  for (double v : e) require(std::isfinite(v) && v > 0.0, "e", "errors must be finite and > 0");
  const auto n = static_cast<Eigen::Index>(h.size());
  Eigen::ArrayXd x(n), y(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    x(i) = std::log(h[static_cast<std::size_t>(i)]);
    y(i) = std::log(e[static_cast<std::size_t>(i)]);
  }
  // Centred sums: log h values are close together, raw sums of squares would cancel.
  const double mx = x.mean(), my = y.mean();
  const Eigen::ArrayXd dx = x - mx, dy = y - my;
  const double sxx = dx.square().sum(), sxy = (dx * dy).sum(), syy = dy.square().sum();
  require(sxx > 0.0, "h", "needs at least two distinct step sizes");
  SlopeFit f;
  f.slope = sxy / sxx;
  f.intercept = my - f.slope * mx;
  const double ssr = std::max(0.0, (dy - f.slope * dx).square().sum());
  f.r_squared = syy > 0.0 ? 1.0 - ssr / syy : 1.0;
  f.slope_se = n > 2 ? std::sqrt(ssr / static_cast<double>(n - 2) / sxx) : kNaN;
  return f;
}

}  // namespace pmm
