// Statistical tests used by pmm-validate, the tests and pmm-sweep: Pearson chi-square
// X^2 = sum (O - E)^2 / E, Kolmogorov-Smirnov D = sup |F_n - F| with p = Q_KS((sqrt(n) + 0.12 +
// 0.11/sqrt(n)) D), exact binomial, z = (mean - m)/se, and the log-log fit log e = log C + p log h.
// Every function validates its inputs and throws pmm::Error naming the argument.
#pragma once
#include <Eigen/Core>
#include <cstdint>
#include <functional>
#include <vector>

namespace pmm {

using SampleView = Eigen::Ref<const Eigen::ArrayXd>;

// ---- moments ----
double sample_mean(const SampleView& x);                       // n >= 1
double sample_variance(const SampleView& x);                   // unbiased (n - 1), n >= 2
double standard_error(const SampleView& x);                    // sqrt(variance / n), n >= 2
double sample_mean(const std::vector<double>& x);
double sample_variance(const std::vector<double>& x);
double standard_error(const std::vector<double>& x);

// Weights w_i >= 0 with sum > 0 (reliability / importance weights, any scale).
// mean = sum w x / V1; variance = sum w (x - mean)^2 / (V1 - V2 / V1) (unbiased for reliability
// weights, = the n - 1 form when all w are equal); n_effective = V1^2 / V2 (Kish);
// standard_error = sqrt(variance / n_effective). V1 = sum w, V2 = sum w^2. Needs n_effective > 1.
struct WeightedMoments {
  double mean = 0.0;
  double variance = 0.0;
  double n_effective = 0.0;
  double standard_error = 0.0;
};
WeightedMoments weighted_moments(const SampleView& x, const SampleView& w);
WeightedMoments weighted_moments(const std::vector<double>& x, const std::vector<double>& w);

// ---- chi-square ----
struct ChiSquareResult {
  double statistic = 0.0;  // X^2; +infinity when a count falls where the expected count is 0
  int df = 0;              // bins (after pooling) - 1 - fitted parameters
  double p_value = 1.0;    // P(chi2_df >= statistic)
  int bins = 0;            // bins actually compared, after pooling
};

// Goodness of fit of counts to probabilities (>= 0, summing to 1 within 1e-6; renormalised).
// Bins whose expected count n p_i is below min_expected are pooled into one rest bin; if that rest
// bin is itself below min_expected it is merged with the smallest remaining bin. Bins of
// probability 0 are left out (a count in one gives X^2 = inf, p = 0). Throws when fewer than
// fitted_parameters + 2 bins remain (no degrees of freedom left).
ChiSquareResult chi_square_gof(const std::vector<std::int64_t>& observed,
                               const std::vector<double>& probabilities, int fitted_parameters = 0,
                               double min_expected = 5.0);

// Homogeneity of two count vectors over the same bins (2 x K contingency table):
// E_ij = row_i col_j / N, df = K' - 1 after pooling columns whose smaller expected count is below
// min_expected (columns empty in both samples carry no information and are dropped).
ChiSquareResult chi_square_homogeneity(const std::vector<std::int64_t>& counts_a,
                                       const std::vector<std::int64_t>& counts_b,
                                       double min_expected = 5.0);

// ---- Kolmogorov-Smirnov ----
struct KsResult {
  double statistic = 0.0;    // D
  double n_effective = 0.0;  // n, or n m / (n + m) for two samples
  double p_value = 1.0;      // asymptotic Kolmogorov law with Stephens' correction
};
// Survival function of the Kolmogorov distribution, Q(l) = 2 sum_{k>=1} (-1)^{k-1} exp(-2 k^2 l^2).
double kolmogorov_survival(double lambda);
// One-sample test against a continuous CDF (values must lie in [0, 1], round-off of 1e-12 allowed).
KsResult ks_test(const SampleView& x, const std::function<double(double)>& cdf);
KsResult ks_test(const std::vector<double>& x, const std::function<double(double)>& cdf);
// Two-sample test; ties across the samples are handled (both ECDFs step together).
KsResult ks_test_two_sample(const SampleView& x, const SampleView& y);
KsResult ks_test_two_sample(const std::vector<double>& x, const std::vector<double>& y);

// ---- binomial ----
enum class BinomialMethod {
  kExact,   // two-sided: sum of P(i) over all i with P(i) <= P(k) (scipy.stats.binomtest's rule)
  kNormal,  // two-sided normal approximation with continuity correction
};
struct BinomialTestResult {
  double estimate = 0.0;  // k / n
  double z = 0.0;         // (k - n p) / sqrt(n p (1 - p)), 0 when p is 0 or 1
  double p_value = 1.0;
};
BinomialTestResult binomial_test(std::int64_t k, std::int64_t n, double p,
                                 BinomialMethod method = BinomialMethod::kExact);

// ---- z-test of a mean ----
struct ZTestResult {
  double mean = 0.0;
  double standard_error = 0.0;
  double z = 0.0;        // (mean - m) / standard_error; 0 if both are 0, +-inf if only se is 0
  double p_value = 1.0;  // two-sided, 2 (1 - Phi(|z|))
};
ZTestResult z_test_mean(const SampleView& x, double m);  // n >= 2
ZTestResult z_test_mean(const std::vector<double>& x, double m);

// ---- convergence order ----
// Least squares fit of log e_i = log C + p log h_i (h_i, e_i > 0, at least two distinct h).
struct SlopeFit {
  double slope = 0.0;           // p, the observed order
  double slope_se = 0.0;        // standard error of p; NaN with only two points (no residual df)
  double intercept = 0.0;       // log C
  double r_squared = 1.0;       // 1 - SSR / SST (1 when SST = 0)
};
SlopeFit log_log_slope(const std::vector<double>& h, const std::vector<double>& e);

}  // namespace pmm
