// A batch of states: Eigen column-major (dim x paths), i.e. the same memory as a row-major
// [paths, dim] array, so it maps to NumPy .npy files and torch::from_blob without a copy.
#pragma once
#include <Eigen/Core>

namespace pmm {

using Batch = Eigen::ArrayXXd;           // rows = coordinates, cols = paths
using Index = Eigen::Index;

}  // namespace pmm
