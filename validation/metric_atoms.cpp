// Nearest-atom assignment argmin_k |x - a_k|^2 = argmin_k (|a_k|^2 - 2 a_k.x) by one matrix product
// per block of samples, then the exact distance to the winner; TV = (1/2) sum |w^ - w| and Pearson's
// X^2 of the counts against n w through chi_square_gof.
#include "validation/metric_atoms.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include <fmt/core.h>

#include <pmm/core/error.hpp>
#include "validation/metric_checks.hpp"

namespace pmm {
namespace {
constexpr Index kBlock = 1024;
}  // namespace

AtomAssignment assign_to_atoms(const Batch& samples, const Batch& atoms,
                               const Eigen::VectorXd& target_weights, int fitted_parameters) {
  metric_checks::require_batch(samples, "samples", 1);
  metric_checks::require_batch(atoms, "atoms", 1);
  metric_checks::require_same_dim(samples, atoms, "atoms");
  const Index k_atoms = atoms.cols(), n = samples.cols();
  require(target_weights.size() == k_atoms, "target_weights",
          "must have one weight per atom (" + std::to_string(k_atoms) + "), got " +
              std::to_string(target_weights.size()));
  require(target_weights.allFinite() && (target_weights.array() >= 0.0).all(), "target_weights",
          "must be finite and >= 0");
  require(std::abs(target_weights.sum() - 1.0) <= 1e-6, "target_weights",
          "must sum to 1 (within 1e-6), got " + fmt::format("{}", target_weights.sum()));
  require(fitted_parameters >= 0, "fitted_parameters", "must be >= 0");

  AtomAssignment r;
  r.nearest.resize(static_cast<std::size_t>(n));
  r.counts.assign(static_cast<std::size_t>(k_atoms), 0);
  // Centre on the atoms' mean: distances are unchanged and the |a|^2 - 2 a.x form cancels less.
  const Eigen::VectorXd shift = atoms.rowwise().mean().matrix();
  const Eigen::MatrixXd a = atoms.matrix().colwise() - shift;
  const Eigen::VectorXd a_norm2 = a.colwise().squaredNorm().transpose();
  double dist_sum = 0.0;
  for (Index c = 0; c < n; c += kBlock) {
    const Index w = std::min(kBlock, n - c);
    // |x|^2 is the same for every atom, so it drops out of the argmin.
    const Eigen::MatrixXd xs = samples.middleCols(c, w).matrix().colwise() - shift;
    Eigen::MatrixXd score = -2.0 * (a.transpose() * xs);
    score.colwise() += a_norm2;
    for (Index j = 0; j < w; ++j) {
      Index best = 0;
      const double min_score = score.col(j).minCoeff(&best);
      // Scores within round-off of the minimum are re-ranked by exact distances, so near-ties
      // (and exact ties, which go to the first atom) do not depend on the product's rounding.
      const double slack = 1e-12 * (xs.col(j).squaredNorm() + a_norm2.maxCoeff()) + 1e-300;
      double best_d2 = (samples.col(c + j) - atoms.col(best)).matrix().squaredNorm();
      for (Index k = 0; k < k_atoms; ++k) {
        if (k == best || score(k, j) > min_score + slack) continue;
        const double d2 = (samples.col(c + j) - atoms.col(k)).matrix().squaredNorm();
        if (d2 < best_d2 || (d2 == best_d2 && k < best)) {
          best = k;
          best_d2 = d2;
        }
      }
      const double dist = std::sqrt(best_d2);
      r.nearest[static_cast<std::size_t>(c + j)] = best;
      ++r.counts[static_cast<std::size_t>(best)];
      r.max_distance = std::max(r.max_distance, dist);
      dist_sum += dist;
    }
  }
  r.mean_distance = dist_sum / static_cast<double>(n);
  r.weights.resize(k_atoms);
  for (Index k = 0; k < k_atoms; ++k)
    r.weights(k) = static_cast<double>(r.counts[static_cast<std::size_t>(k)]) / static_cast<double>(n);
  r.total_variation = 0.5 * (r.weights - target_weights).cwiseAbs().sum();
  // Too few samples for any degree of freedom is a property of the run, not an input error: the
  // weights and TV still stand, so report the test as unavailable instead of throwing.
  std::vector<double> p(target_weights.data(), target_weights.data() + k_atoms);
  try {
    r.chi_square = chi_square_gof(r.counts, p, fitted_parameters);
    r.chi_square_valid = true;
  } catch (const Error&) {
    r.chi_square_valid = false;
  }
  return r;
}

}  // namespace pmm
