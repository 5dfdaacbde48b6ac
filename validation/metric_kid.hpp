// Kernel Inception Distance on any features: unbiased MMD^2 with k(x, y) = (x.y / d + 1)^3,
//   MMD^2_u = sum_{i!=j} k(x_i,x_j)/(m(m-1)) + sum_{i!=j} k(y_i,y_j)/(m(m-1)) - 2 sum_{i,j} k(x_i,y_j)/m^2,
// averaged over random subsets of size m as clean-fid / torch-fidelity do (std with ddof = 0,
// as torch-fidelity reports it). The estimate is unbiased, so it can be slightly negative.
#pragma once
#include <cstdint>

#include <pmm/core/batch.hpp>

namespace pmm {

struct KidResult {
  double mean = 0.0;      // mean of the subset estimates: the KID
  double stddev = 0.0;    // population std (ddof = 0) of the subset estimates
  int num_subsets = 0;
  int subset_size = 0;    // min(requested, x.cols(), y.cols())
};

// x, y: dim x n (same dim, >= 2 samples each). Each subset draws subset_size columns of x and of
// y without replacement from std::mt19937_64(seed), so a seed fixes every subset.
KidResult kernel_inception_distance(const Batch& x, const Batch& y, int num_subsets = 100,
                                    int subset_size = 1000, std::uint64_t seed = 0);

// The same unbiased estimator on the full sets (sizes may differ): within-set sums over i != j
// divided by n(n-1) and m(m-1), cross term by n m. The expectation of KID over subsets.
double mmd2_unbiased_polynomial(const Batch& x, const Batch& y);

}  // namespace pmm
