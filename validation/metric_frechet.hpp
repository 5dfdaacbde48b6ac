// Frechet distance between Gaussian fits (FID's formula on any features):
//   d^2 = ||mu1 - mu2||^2 + tr(S1 + S2 - 2 (S1^{1/2} S2 S1^{1/2})^{1/2}),
// square roots by symmetric eigendecomposition with round-off negative eigenvalues clipped at 0,
// so singular covariances (n <= dim) are fine. Returns the squared distance, as FID does.
#pragma once
#include <Eigen/Core>
#include <cstdint>

#include <pmm/core/batch.hpp>

namespace pmm {

struct GaussianStats {
  Eigen::VectorXd mu;     // sample mean
  Eigen::MatrixXd sigma;  // unbiased sample covariance (n - 1), as numpy.cov; zero when n = 1
  std::int64_t n = 0;     // number of samples behind the statistics
};

// Running sums for building statistics in chunks, in the layout BSI (and torchmetrics' FID) keep:
// n, sum = sum_i x_i, cov_sum = sum_i x_i x_i^T (uncentred). Start from a default-constructed value.
struct GaussianSums {
  std::int64_t n = 0;
  Eigen::VectorXd sum;
  Eigen::MatrixXd cov_sum;
};

// samples: dim x n, n >= 1, finite.
GaussianStats gaussian_stats(const Batch& samples);
// Adds a chunk (dim x m) to the running sums; the dimension must match earlier chunks.
void accumulate_gaussian_sums(GaussianSums& sums, const Batch& chunk);
// mu = sum / n, sigma = (cov_sum - n mu mu^T) / (n - 1). The uncentred sums lose about
// log10(|mu|^2 / var) digits; use merge_gaussian_stats() when the mean is large against the spread.
GaussianStats gaussian_stats(const GaussianSums& sums);
GaussianStats gaussian_stats_from_sums(std::int64_t n, const Eigen::VectorXd& sum,
                                       const Eigen::MatrixXd& cov_sum);
// Statistics of the union of two sample sets, from centred moments (Chan et al.), so chunked
// statistics equal gaussian_stats of the whole batch up to round-off.
GaussianStats merge_gaussian_stats(const GaussianStats& a, const GaussianStats& b);

// Squared Frechet distance between N(mu1, sigma1) and N(mu2, sigma2). Covariances must be square,
// symmetric (within 1e-8 relative; the symmetric part is used) and finite. Clipped at 0.
double frechet_distance(const Eigen::VectorXd& mu1, const Eigen::MatrixXd& sigma1,
                        const Eigen::VectorXd& mu2, const Eigen::MatrixXd& sigma2);
double frechet_distance(const GaussianStats& a, const GaussianStats& b);
// Gaussian fits of two sample sets (dim x n each, same dim, n >= 2 each).
double frechet_distance(const Batch& x, const Batch& y);

}  // namespace pmm
