// Frechet distance d^2 = ||mu1 - mu2||^2 + tr S1 + tr S2 - 2 tr (S1^{1/2} S2 S1^{1/2})^{1/2}, and the
// Gaussian statistics behind it: direct, from running sums (mu = s/n, S = (C - n mu mu^T)/(n - 1)),
// or merged from chunks (M2 = M2a + M2b + delta delta^T na nb / n).
#include "validation/metric_frechet.hpp"

#include <Eigen/Eigenvalues>
#include <algorithm>
#include <string>

#include <pmm/core/error.hpp>
#include "validation/metric_checks.hpp"

namespace pmm {
namespace {

// Columns per block when forming X X^T: bounds the centred copy to dim x kBlock doubles.
constexpr Index kBlock = 4096;

// lower += X X^T on the lower triangle only (half the flops of a full product).
void add_outer_products(Eigen::MatrixXd& lower, const Eigen::MatrixXd& block) {
  lower.selfadjointView<Eigen::Lower>().rankUpdate(block);
}

Eigen::MatrixXd symmetric_from_lower(const Eigen::MatrixXd& lower) {
  Eigen::MatrixXd s = lower.selfadjointView<Eigen::Lower>();
  return s;
}

void require_covariance(const Eigen::MatrixXd& s, Index dim, const std::string& name) {
  require(s.rows() == dim && s.cols() == dim, name,
          "must be " + std::to_string(dim) + " x " + std::to_string(dim) + " to match the mean, got " +
              std::to_string(s.rows()) + " x " + std::to_string(s.cols()));
  require(s.allFinite(), name, "must be finite (found NaN or infinity)");
  const double scale = std::max(s.cwiseAbs().maxCoeff(), 1e-300);
  require((s - s.transpose()).cwiseAbs().maxCoeff() <= 1e-8 * scale, name,
          "must be symmetric (within 1e-8 of its largest entry)");
}

// S^{1/2} for symmetric S; eigenvalues below 0 are round-off of a PSD matrix and become 0.
Eigen::MatrixXd psd_sqrt(const Eigen::MatrixXd& s) {
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(s);
  const Eigen::VectorXd root = es.eigenvalues().cwiseMax(0.0).cwiseSqrt();
  return es.eigenvectors() * root.asDiagonal() * es.eigenvectors().transpose();
}

}  // namespace

GaussianStats gaussian_stats(const Batch& samples) {
  metric_checks::require_batch(samples, "samples", 1);
  const Index d = samples.rows(), n = samples.cols();
  GaussianStats g;
  g.n = n;
  g.mu = samples.rowwise().mean().matrix();
  Eigen::MatrixXd lower = Eigen::MatrixXd::Zero(d, d);
  for (Index c = 0; c < n; c += kBlock) {
    const Index w = std::min(kBlock, n - c);
    const Eigen::MatrixXd centred = samples.middleCols(c, w).matrix().colwise() - g.mu;
    add_outer_products(lower, centred);
  }
  g.sigma = n > 1 ? Eigen::MatrixXd(symmetric_from_lower(lower) / static_cast<double>(n - 1))
                  : Eigen::MatrixXd::Zero(d, d);
  return g;
}

void accumulate_gaussian_sums(GaussianSums& sums, const Batch& chunk) {
  metric_checks::require_batch(chunk, "chunk", 0);
  const Index d = chunk.rows();
  if (sums.n == 0 && sums.sum.size() == 0) {
    sums.sum = Eigen::VectorXd::Zero(d);
    sums.cov_sum = Eigen::MatrixXd::Zero(d, d);
  }
  require(sums.sum.size() == d && sums.cov_sum.rows() == d && sums.cov_sum.cols() == d, "chunk",
          "must have the dimension of the running sums (" + std::to_string(sums.sum.size()) +
              "), got " + std::to_string(d));
  Eigen::MatrixXd lower = Eigen::MatrixXd::Zero(d, d);
  for (Index c = 0; c < chunk.cols(); c += kBlock) {
    const Index w = std::min(kBlock, chunk.cols() - c);
    add_outer_products(lower, chunk.middleCols(c, w).matrix());
  }
  sums.cov_sum += symmetric_from_lower(lower);
  sums.sum += chunk.rowwise().sum().matrix();
  sums.n += chunk.cols();
}

GaussianStats gaussian_stats_from_sums(std::int64_t n, const Eigen::VectorXd& sum,
                                       const Eigen::MatrixXd& cov_sum) {
  require(n >= 1, "n", "needs at least 1 sample, got " + std::to_string(n));
  require(sum.size() >= 1 && sum.allFinite(), "sum", "must be a finite vector of dimension >= 1");
  require_covariance(cov_sum, sum.size(), "cov_sum");
  GaussianStats g;
  g.n = n;
  const double nd = static_cast<double>(n);
  g.mu = sum / nd;
  if (n > 1) {
    Eigen::MatrixXd s = (cov_sum - sum * sum.transpose() / nd) / (nd - 1.0);
    g.sigma = 0.5 * (s + s.transpose());
  } else {
    g.sigma = Eigen::MatrixXd::Zero(sum.size(), sum.size());
  }
  return g;
}

GaussianStats gaussian_stats(const GaussianSums& sums) {
  return gaussian_stats_from_sums(sums.n, sums.sum, sums.cov_sum);
}

GaussianStats merge_gaussian_stats(const GaussianStats& a, const GaussianStats& b) {
  require(a.n >= 0 && b.n >= 0, "n", "sample counts must be >= 0");
  if (a.n == 0) return b;
  if (b.n == 0) return a;
  require(b.mu.size() == a.mu.size(), "b",
          "must have the dimension of a (" + std::to_string(a.mu.size()) + "), got " +
              std::to_string(b.mu.size()));
  require_covariance(a.sigma, a.mu.size(), "a.sigma");
  require_covariance(b.sigma, b.mu.size(), "b.sigma");
  const double na = static_cast<double>(a.n), nb = static_cast<double>(b.n), n = na + nb;
  const Eigen::VectorXd delta = b.mu - a.mu;
  GaussianStats g;
  g.n = a.n + b.n;
  g.mu = a.mu + delta * (nb / n);
  const Eigen::MatrixXd m2 = a.sigma * (na - 1.0) + b.sigma * (nb - 1.0) +
                             delta * delta.transpose() * (na * nb / n);
  g.sigma = m2 / (n - 1.0);
  return g;
}

double frechet_distance(const Eigen::VectorXd& mu1, const Eigen::MatrixXd& sigma1,
                        const Eigen::VectorXd& mu2, const Eigen::MatrixXd& sigma2) {
  require(mu1.size() >= 1 && mu1.allFinite(), "mu1", "must be a finite vector of dimension >= 1");
  require(mu2.size() == mu1.size(), "mu2",
          "must have the dimension of mu1 (" + std::to_string(mu1.size()) + "), got " +
              std::to_string(mu2.size()));
  require(mu2.allFinite(), "mu2", "must be finite");
  require_covariance(sigma1, mu1.size(), "sigma1");
  require_covariance(sigma2, mu2.size(), "sigma2");
  const double mean_term = (mu1 - mu2).squaredNorm();
  const Eigen::MatrixXd s1 = 0.5 * (sigma1 + sigma1.transpose());
  const Eigen::MatrixXd s2 = 0.5 * (sigma2 + sigma2.transpose());
  // Equal covariances: (S^{1/2} S S^{1/2})^{1/2} = S exactly, so the trace term is exactly 0; the
  // eigen route would leave round-off of order eps tr S instead.
  if (s1 == s2) return mean_term;
  const Eigen::MatrixXd r1 = psd_sqrt(s1);
  Eigen::MatrixXd m = r1 * s2 * r1;
  m = 0.5 * (m + m.transpose());
  const Eigen::VectorXd lambda = Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd>(m, Eigen::EigenvaluesOnly)
                                     .eigenvalues();
  const double trace_sqrt = lambda.cwiseMax(0.0).cwiseSqrt().sum();
  // The exact value is >= 0 (a squared distance); a negative result is cancellation round-off.
  return std::max(0.0, mean_term + s1.trace() + s2.trace() - 2.0 * trace_sqrt);
}

double frechet_distance(const GaussianStats& a, const GaussianStats& b) {
  return frechet_distance(a.mu, a.sigma, b.mu, b.sigma);
}

double frechet_distance(const Batch& x, const Batch& y) {
  metric_checks::require_batch(x, "x", 2);
  metric_checks::require_batch(y, "y", 2);
  metric_checks::require_same_dim(x, y, "y");
  return frechet_distance(gaussian_stats(x), gaussian_stats(y));
}

}  // namespace pmm
