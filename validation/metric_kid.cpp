// Unbiased MMD^2 with the cubic polynomial kernel k(x, y) = (x.y / d + 1)^3 (KID): Gram blocks by
// one matrix product each, diagonal removed for the within-set sums; subset estimates averaged as
// clean-fid's kernel_distance does (y drawn from the second set, x from the first, per subset).
#include "validation/metric_kid.hpp"

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include <pmm/core/error.hpp>
#include "validation/metric_checks.hpp"
#include "validation/metric_sampling.hpp"

namespace pmm {
namespace {

using MatrixView = Eigen::Ref<const Eigen::MatrixXd>;

// Gram blocks of this many columns keep memory at rows(a) x kBlock doubles for large sets.
constexpr Index kBlock = 1024;

// Sum of k over all pairs (a_i, b_j), and over i != j when a and b are the same set.
double kernel_sum(const MatrixView& a, const MatrixView& b, bool same_set) {
  const double inv_d = 1.0 / static_cast<double>(a.rows());
  double s = 0.0;
  for (Index c = 0; c < b.cols(); c += kBlock) {
    const Index w = std::min(kBlock, b.cols() - c);
    s += ((a.transpose() * b.middleCols(c, w)).array() * inv_d + 1.0).cube().sum();
  }
  if (same_set) s -= (a.colwise().squaredNorm().array() * inv_d + 1.0).cube().sum();
  return s;
}

double mmd2_unbiased(const MatrixView& x, const MatrixView& y) {
  const double n = static_cast<double>(x.cols()), m = static_cast<double>(y.cols());
  return kernel_sum(x, x, true) / (n * (n - 1.0)) + kernel_sum(y, y, true) / (m * (m - 1.0)) -
         2.0 * kernel_sum(x, y, false) / (n * m);
}

Eigen::MatrixXd gather(const Batch& b, const std::vector<std::int64_t>& cols) {
  Eigen::MatrixXd out(b.rows(), static_cast<Index>(cols.size()));
  for (std::size_t j = 0; j < cols.size(); ++j) out.col(static_cast<Index>(j)) = b.col(cols[j]).matrix();
  return out;
}

}  // namespace

KidResult kernel_inception_distance(const Batch& x, const Batch& y, int num_subsets, int subset_size,
                                    std::uint64_t seed) {
  metric_checks::require_batch(x, "x", 2);
  metric_checks::require_batch(y, "y", 2);
  metric_checks::require_same_dim(x, y, "y");
  require(num_subsets >= 1, "num_subsets", "must be >= 1, got " + std::to_string(num_subsets));
  require(subset_size >= 2, "subset_size",
          "must be >= 2 (the within-set sums need pairs), got " + std::to_string(subset_size));
  KidResult r;
  r.num_subsets = num_subsets;
  r.subset_size = static_cast<int>(std::min<Index>({subset_size, x.cols(), y.cols()}));
  std::mt19937_64 rng(seed);
  std::vector<double> est(static_cast<std::size_t>(num_subsets));
  for (auto& e : est) {
    const auto iy = metric_sampling::sample_without_replacement(rng, y.cols(), r.subset_size);
    const auto ix = metric_sampling::sample_without_replacement(rng, x.cols(), r.subset_size);
    e = mmd2_unbiased(gather(x, ix), gather(y, iy));
  }
  double mean = 0.0;
  for (double e : est) mean += e;
  mean /= static_cast<double>(num_subsets);
  double var = 0.0;
  for (double e : est) var += (e - mean) * (e - mean);
  r.mean = mean;
  r.stddev = std::sqrt(var / static_cast<double>(num_subsets));
  return r;
}

double mmd2_unbiased_polynomial(const Batch& x, const Batch& y) {
  metric_checks::require_batch(x, "x", 2);
  metric_checks::require_batch(y, "y", 2);
  metric_checks::require_same_dim(x, y, "y");
  return mmd2_unbiased(x.matrix(), y.matrix());
}

}  // namespace pmm
