// Finite-set oracle for the Inverse-Gamma-Gamma process: given x_i, Y_d(t) ~ Gamma(shape F, scale x_id), so
// loglik_i = -sum_d (Y_d / x_id + F log x_id) + (terms free of i), with Y = mu (beta1 + F - 1) - beta2;
// g = sum_i r_i x_i, r_i = softmax_i(log w_i + loglik_i), one GEMM per batch.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include <pmm/models/oracles/column_ops.hpp>
#include <pmm/models/oracles/oracle.hpp>
#include <pmm/core/error.hpp>
#include <pmm/random/random.hpp>

namespace pmm {
namespace {

class InverseGammaFiniteSet final : public Oracle {
 public:
  InverseGammaFiniteSet(const InverseGammaGammaProcess& p, Batch points, Eigen::VectorXd w)
      : p_(p), points_(std::move(points)) {
    const std::string what = "inverse-gamma-gamma finite-set target";
    p_.check(what);
    const Index n = points_.cols();
    require(n > 0 && points_.rows() > 0, what, "needs at least one point of dimension >= 1");
    require(points_.rows() < (1 << 24), what, "dimension must be < 2^24");
    for (Index i = 0; i < n; ++i)
      for (Index d = 0; d < points_.rows(); ++d)
        require(
            std::isfinite(points_(d, i)) && points_(d, i) > 0, what,
            fmt::format("point {} coordinate {} must be finite and > 0 (Gamma scales), got {}", i, d, points_(d, i)));
    log_w_ = Eigen::VectorXd::Constant(n, -std::log(static_cast<double>(n)));
    if (w.size() > 0) {
      require(w.size() == n, what, fmt::format("{} weights for {} points", w.size(), n));
      double total = 0;
      for (Index i = 0; i < n; ++i) {
        require(std::isfinite(w[i]) && w[i] >= 0, what,
                fmt::format("weight {} must be finite and >= 0, got {}", i, w[i]));
        total += w[i];
      }
      require(total > 0, what, "weights sum to zero");
      log_w_ = (w / total).array().log().matrix();
    }
    neg_inv_ = (-points_.inverse()).matrix();
    sum_log_ = points_.log().matrix().colwise().sum().transpose();
    cdf_.resize(n);
    double acc = 0;
    for (Index i = 0; i < n; ++i) cdf_[i] = acc += std::exp(log_w_[i]);
  }
  Index dim() const override { return points_.rows(); }
  bool atoms(Batch* points, Eigen::VectorXd* weights) const override {
    *points = points_;
    *weights = log_w_.array().exp().matrix();
    return true;
  }
  std::string describe() const override {
    return fmt::format("finite-set oracle (inverse-gamma-gamma, {} points, dim {})", points_.cols(), points_.rows());
  }

  void predict(const Batch& mu, double t, Index, Batch& out) const override {
    const double F = p_.schedule->F(t);
    // Y >= 0 along exact paths; round-off must not make it negative.
    const Eigen::MatrixXd Y = (mu * p_.denominator(F) - p_.beta2).max(0.0).matrix();
    Eigen::MatrixXd logits = product(neg_inv_.transpose(), Y);
    logits.colwise() += log_w_ - F * sum_log_;
    softmax_columns(logits);
    out = product(points_.matrix(), logits).array();
  }

  Batch sample(Index n, std::uint64_t seed, Index path0) const override {
    Batch out(dim(), n);
    for (Index j = 0; j < n; ++j) {
      UniformStream u(seed, static_cast<std::uint64_t>(path0 + j), 0, Stream::kInit, 0);
      const double target = u.next() * cdf_.back();
      const auto it = std::upper_bound(cdf_.begin(), cdf_.end(), target);
      out.col(j) = points_.col(std::min<Index>(it - cdf_.begin(), points_.cols() - 1));
    }
    return out;
  }

 private:
  InverseGammaGammaProcess p_;
  Batch points_;
  Eigen::VectorXd log_w_, sum_log_;
  Eigen::MatrixXd neg_inv_;
  std::vector<double> cdf_;
};

}  // namespace

OraclePtr finite_set_oracle(const InverseGammaGammaProcess& p, Batch points, Eigen::VectorXd weights) {
  return std::make_shared<InverseGammaFiniteSet>(p, std::move(points), std::move(weights));
}

}  // namespace pmm
