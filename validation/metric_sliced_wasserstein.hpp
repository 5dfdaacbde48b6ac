// Sliced Wasserstein-2: SW_2^2(P, Q) = E_theta W_2^2(theta#P, theta#Q), theta uniform on the sphere,
// by Monte Carlo over seeded directions. In 1-D, W_2^2 = int_0^1 (F^{-1}(u) - G^{-1}(u))^2 du,
// computed exactly for two empirical laws (any sizes) by merging their step quantile functions.
#pragma once
#include <cstdint>
#include <vector>

#include <pmm/core/batch.hpp>

namespace pmm {

// W_2^2 between the empirical laws of a and b (sizes may differ; finite, non-empty). With equal
// sizes it is the mean of (a_(i) - b_(i))^2 over the sorted samples.
double wasserstein2_squared_1d(std::vector<double> a, std::vector<double> b);

struct SlicedWassersteinResult {
  double squared = 0.0;         // SW_2^2: the mean over directions of W_2^2 of the projections
  double distance = 0.0;        // SW_2 = sqrt(squared)
  double standard_error = 0.0;  // Monte Carlo error of `squared` over directions (round-off only in 1-D)
  int num_projections = 0;
};

// x, y: dim x n and dim x m (same dim, >= 1 sample each). Directions are normalised Gaussian
// vectors from std::mt19937_64(seed). In 1-D every direction is +-1, so the result is exact W_2^2.
SlicedWassersteinResult sliced_wasserstein2(const Batch& x, const Batch& y, int num_projections = 128,
                                            std::uint64_t seed = 0);

}  // namespace pmm
