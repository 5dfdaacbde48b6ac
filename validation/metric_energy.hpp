// Energy distance, unbiased U-statistic form:
//   E = 2/(n m) sum_{i,j} |x_i - y_j| - 1/(n(n-1)) sum_{i!=j} |x_i - x_j| - 1/(m(m-1)) sum_{i!=j} |y_i - y_j|,
// an unbiased estimate of 2 E|X-Y| - E|X-X'| - E|Y-Y'| (Szekely-Rizzo), which is 0 iff the laws agree.
// Unbiased, so it scatters around 0 (can be negative) for samples of one law; it is not clipped.
#pragma once
#include <pmm/core/batch.hpp>

namespace pmm {

// x, y: dim x n and dim x m (same dim, >= 2 samples each, finite). Euclidean |.|. O((n + m)^2 dim).
double energy_distance(const Batch& x, const Batch& y);

}  // namespace pmm
