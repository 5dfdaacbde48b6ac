// Batch-position-independent column kernels for oracles: softmax over rows of each column, and a matrix
// product whose per-column result does not depend on how many columns the batch has.
#pragma once
#include <Eigen/Core>

namespace pmm {

// In place: each column becomes softmax(column); a column with no finite entry becomes uniform.
void softmax_columns(Eigen::MatrixXd& logits);
// scale * a * b, computed so that column j of the result depends on column j of b alone (bitwise).
Eigen::MatrixXd product(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b, double scale = 1.0);

}  // namespace pmm
