// Reading and writing a batch of points as a file whose format follows the extension: ".npy" is a
// float64 [paths, dim] NumPy array, ".csv" a table with header x0,x1,... and one row per path.
#pragma once
#include <string>

#include <pmm/core/batch.hpp>

namespace pmm {

// Atomic. what names the option (e.g. "--out"); any other extension is a pmm::Error naming it.
void write_matrix(const std::string& path, const Batch& x, const std::string& what);
// dim x n batch from an [n, dim] file (a 1-D .npy of n values is n points of dim 1). With
// finite_only, NaN or infinity is a pmm::Error naming what, the file and the position.
Batch read_matrix(const std::string& path, const std::string& what, bool finite_only = true);

}  // namespace pmm
