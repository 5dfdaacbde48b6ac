// Energy distance U-statistic 2 mean|x - y| - mean_{i!=j}|x_i - x_j| - mean_{i!=j}|y_i - y_j|, with
// |a - b| = sqrt(|a|^2 + |b|^2 - 2 a.b) from matrix products in column blocks, after shifting both
// sets by the mean of x (distances do not change, and the cancellation in that form shrinks).
#include "validation/metric_energy.hpp"

#include <algorithm>
#include <cmath>

#include "validation/metric_checks.hpp"

namespace pmm {
namespace {

constexpr Index kBlock = 512;

// Sum over all (i, j) of |a_i - b_j|; with same_set (b is a) the diagonal is skipped, since the
// product form leaves round-off of order sqrt(eps) |a_i| there instead of 0.
double distance_sum(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b, bool same_set) {
  const Eigen::RowVectorXd na = a.colwise().squaredNorm(), nb = b.colwise().squaredNorm();
  double s = 0.0;
  for (Index c = 0; c < b.cols(); c += kBlock) {
    const Index w = std::min(kBlock, b.cols() - c);
    Eigen::ArrayXXd d2 = (-2.0 * (a.transpose() * b.middleCols(c, w))).array();
    d2.colwise() += na.transpose().array();
    d2.rowwise() += nb.segment(c, w).array();
    if (same_set) d2.middleRows(c, w).matrix().diagonal().setZero();
    s += d2.cwiseMax(0.0).sqrt().sum();
  }
  return s;
}

}  // namespace

double energy_distance(const Batch& x, const Batch& y) {
  metric_checks::require_batch(x, "x", 2);
  metric_checks::require_batch(y, "y", 2);
  metric_checks::require_same_dim(x, y, "y");
  const Eigen::VectorXd shift = x.rowwise().mean().matrix();
  const Eigen::MatrixXd a = x.matrix().colwise() - shift;
  const Eigen::MatrixXd b = y.matrix().colwise() - shift;
  const double n = static_cast<double>(a.cols()), m = static_cast<double>(b.cols());
  return 2.0 * distance_sum(a, b, false) / (n * m) - distance_sum(a, a, true) / (n * (n - 1.0)) -
         distance_sum(b, b, true) / (m * (m - 1.0));
}

}  // namespace pmm
