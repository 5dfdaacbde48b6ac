// Column-wise kernels shared by the finite-set oracles: softmax over atoms and A * B, both arranged so that
// a path's result is bitwise the same whatever its position in a batch (see the comments below).
#include <pmm/models/oracles/column_ops.hpp>
#include <pmm/models/oracles/softmax_cutoff.hpp>

#include <algorithm>
#include <cmath>

namespace pmm {
using Index = Eigen::Index;

// Softmax over rows (atoms) of each column, in place, stable: subtract the column max.
// Each column goes through one aligned scratch vector: Eigen's vectorised exp and sum peel scalar
// elements up to a packet boundary, so working in place would make a column's result depend on its
// offset in the batch, i.e. a path's result on the chunk it ran in.
void softmax_columns(Eigen::MatrixXd& logits) {
  Eigen::VectorXd buf(logits.rows());
  for (Index j = 0; j < logits.cols(); ++j) {
    auto col = logits.col(j);
    const double m = col.maxCoeff();
    if (!std::isfinite(m)) {  // every atom impossible: fall back to uniform rather than NaN
      col.setConstant(1.0 / col.size());
      continue;
    }
    buf = (col.array() - m).exp().matrix();  // packets follow buf's alignment, the same for every column
    // Weights below kNegligibleWeight of the largest are dropped (softmax_cutoff.hpp says why).
    buf = (buf.array() < kNegligibleWeight).select(0.0, buf);
    col = buf / buf.sum();
  }
}

// scale * A * B with the columns of B padded (by repeating the last one) to a multiple of 8, at least 16.
// A path evaluated alone must match the same path inside a batch, bit for bit, but Eigen picks its kernel
// by shape: one column goes to GEMV, rows + cols + depth < 20 to a coefficient-wise product, and GEMM
// gives leftover columns outside its 4- or 8-column register panels another summation order. Checked
// shape by shape in tests/models/oracle_test.cpp; for the default batch of 128 nothing is copied.
Eigen::MatrixXd product(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b, double scale) {
  const Index n = b.cols(), padded = std::max<Index>(16, (n + 7) / 8 * 8);
  if (n == 0 || padded == n) return scale * (a * b);
  Eigen::MatrixXd wide(b.rows(), padded);
  wide.leftCols(n) = b;
  wide.rightCols(padded - n) = b.col(n - 1).replicate(1, padded - n);
  const Eigen::MatrixXd r = scale * (a * wide);
  return r.leftCols(n);
}

}  // namespace pmm
