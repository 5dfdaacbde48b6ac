// Input checks shared by the metric files: a sample batch is dim x n with dim >= 1, enough
// columns and only finite entries; two batches compared by a metric must share dim.
// Each throws pmm::Error naming the argument, as every public function here promises.
#pragma once
#include <string>

#include <pmm/core/batch.hpp>
#include <pmm/core/error.hpp>

namespace pmm::metric_checks {

inline void require_batch(const Batch& b, const std::string& name, Index min_samples) {
  require(b.rows() >= 1, name, "needs dimension >= 1 (rows = coordinates), got 0 rows");
  require(b.cols() >= min_samples, name,
          "needs at least " + std::to_string(min_samples) + " samples (columns), got " +
              std::to_string(b.cols()));
  require(b.allFinite(), name, "must be finite (found NaN or infinity)");
}

inline void require_same_dim(const Batch& x, const Batch& y, const std::string& name_y) {
  require(x.rows() == y.rows(), name_y,
          "must have the same dimension (rows) as the first sample set (" + std::to_string(x.rows()) +
              "), got " + std::to_string(y.rows()));
}

}  // namespace pmm::metric_checks
