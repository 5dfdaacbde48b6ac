// Samples against a finite target sum_k w_k delta(a_k): each sample goes to its nearest atom
// (Euclidean), giving empirical weights w^_k = count_k / n, total variation
// TV = (1/2) sum_k |w^_k - w_k|, and Pearson's chi-square test of the counts against w.
#pragma once
#include <Eigen/Core>
#include <cstdint>
#include <vector>

#include <pmm/core/batch.hpp>
#include "validation/statistics.hpp"

namespace pmm {

struct AtomAssignment {
  std::vector<Index> nearest;          // atom index per sample (first of equals on a tie)
  std::vector<std::int64_t> counts;    // samples per atom
  Eigen::VectorXd weights;             // counts / n
  double total_variation = 0.0;        // (1/2) sum |weights - target_weights|
  double max_distance = 0.0;           // largest sample-to-nearest-atom distance: how far samples
  double mean_distance = 0.0;          //   are from having landed on the target's support
  ChiSquareResult chi_square;          // counts vs target weights (pooled as chi_square_gof does);
  bool chi_square_valid = false;       //   false (and chi_square empty) when pooling leaves no df
};

// samples: dim x n (n >= 1), atoms: dim x K (K >= 1), target_weights: K entries >= 0 summing to 1
// (within 1e-6). fitted_parameters is passed to the chi-square test's degrees of freedom.
AtomAssignment assign_to_atoms(const Batch& samples, const Batch& atoms,
                               const Eigen::VectorXd& target_weights, int fitted_parameters = 0);

}  // namespace pmm
