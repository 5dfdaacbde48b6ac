// Finite-set oracles: g(mu, t) = sum_i r_i x_i with r_i = softmax_i(log w_i + loglik_i).
// Normal:        loglik_i = (b + F) x_i . mu - F |x_i|^2 / 2        (from N(mu; c x_i, v I), c/v = b + F)
// Gamma-Poisson: loglik_i = sum_d N_d log x_id - F x_id, N = mu (beta2 + F) - beta1   (Poisson(N; x F))
#include <cmath>
#include <limits>
#include <vector>

#include <fmt/format.h>

#include "models/oracles/oracle.hpp"
#include "processes/error.hpp"
#include "solvers/distributions.hpp"

namespace pmm {
namespace {

Eigen::VectorXd normalised_log_weights(const Eigen::VectorXd& w, Index n, const std::string& what) {
  if (w.size() == 0) return Eigen::VectorXd::Constant(n, -std::log(static_cast<double>(n)));
  require(w.size() == n, what, fmt::format("{} weights for {} points", w.size(), n));
  double total = 0;
  for (Index i = 0; i < n; ++i) {
    require(std::isfinite(w[i]) && w[i] >= 0, what, fmt::format("weight {} must be finite and >= 0, got {}", i, w[i]));
    total += w[i];
  }
  require(total > 0, what, "weights sum to zero");
  return (w / total).array().log().matrix();
}

// Softmax over rows (atoms) of each column, in place, stable: subtract the column max.
void softmax_columns(Eigen::MatrixXd& logits) {
  for (Index j = 0; j < logits.cols(); ++j) {
    auto col = logits.col(j);
    const double m = col.maxCoeff();
    if (!std::isfinite(m)) {  // every atom impossible: fall back to uniform rather than NaN
      col.setConstant(1.0 / col.size());
      continue;
    }
    col = (col.array() - m).exp().matrix();
    col /= col.sum();
  }
}

// Alias-free inverse-CDF draw of an atom index (weights are few to thousands; binary search).
Index draw_atom(const std::vector<double>& cdf, double u) {
  auto it = std::lower_bound(cdf.begin(), cdf.end(), u * cdf.back());
  return std::min<Index>(static_cast<Index>(it - cdf.begin()), static_cast<Index>(cdf.size()) - 1);
}

class FiniteSetBase : public Oracle {
 public:
  FiniteSetBase(Batch points, Eigen::VectorXd weights, const std::string& what)
      : points_(std::move(points)) {
    require(points_.cols() > 0 && points_.rows() > 0, what, "needs at least one point of dimension >= 1");
    require(points_.allFinite(), what, "points must be finite");
    require(points_.rows() < (1 << 24), what, "dimension must be < 2^24");
    log_w_ = normalised_log_weights(weights, points_.cols(), what);
    cdf_.resize(points_.cols());
    double acc = 0;
    for (Index i = 0; i < points_.cols(); ++i) cdf_[i] = acc += std::exp(log_w_[i]);
  }
  Index dim() const override { return points_.rows(); }
  Batch sample(Index n, std::uint64_t seed, Index path0) const override {
    Batch out(dim(), n);
    for (Index j = 0; j < n; ++j) {
      UniformStream u(seed, static_cast<std::uint64_t>(path0 + j), 0, Stream::kInit, 0);
      out.col(j) = points_.col(draw_atom(cdf_, u.next()));
    }
    return out;
  }

 protected:
  // logits = bias + scale * feats^T stat, then out = points * softmax(logits).
  void mix(const Eigen::MatrixXd& feats, const Eigen::VectorXd& bias, const Eigen::MatrixXd& stat,
           double scale, Batch& out) const {
    Eigen::MatrixXd logits = scale * (feats.transpose() * stat);
    logits.colwise() += bias;
    softmax_columns(logits);
    out = (points_.matrix() * logits).array();
  }
  Batch points_;
  Eigen::VectorXd log_w_;
  std::vector<double> cdf_;
};

class NormalFiniteSet final : public FiniteSetBase {
 public:
  NormalFiniteSet(const NormalProcess& p, Batch points, Eigen::VectorXd w)
      : FiniteSetBase(std::move(points), std::move(w), "normal finite-set target"), p_(p) {
    sqnorm_ = points_.matrix().colwise().squaredNorm().transpose();
  }
  void predict(const Batch& mu, double t, Index, Batch& out) const override {
    const double F = p_.schedule->F(t);
    const Eigen::VectorXd bias = log_w_ - 0.5 * F * sqnorm_;
    mix(points_.matrix(), bias, mu.matrix(), p_.b + F, out);
  }
  std::string describe() const override {
    return fmt::format("finite-set oracle (normal, {} points, dim {})", points_.cols(), points_.rows());
  }

 private:
  NormalProcess p_;
  Eigen::VectorXd sqnorm_;
};

class GammaPoissonFiniteSet final : public FiniteSetBase {
 public:
  GammaPoissonFiniteSet(const GammaPoissonProcess& p, Batch points, Eigen::VectorXd w)
      : FiniteSetBase(std::move(points), std::move(w), "gamma-poisson finite-set target"), p_(p) {
    require((points_ >= 0).all(), "gamma-poisson finite-set target", "points must be >= 0 (Poisson rates)");
    // log 0 = -inf would make 0 * log 0 a NaN; a tiny floor keeps N = 0 exact and N > 0 near-impossible.
    log_points_ = points_.max(1e-300).log().matrix();
    sum_ = points_.matrix().colwise().sum().transpose();
  }
  void predict(const Batch& mu, double t, Index, Batch& out) const override {
    const double F = p_.schedule->F(t);
    Eigen::MatrixXd N = (mu * (p_.beta2 + F) - p_.beta1).matrix();
    // Counts are integers along exact paths; round-off below 1e-9 must not make 0 * log(tiny) matter.
    N = N.unaryExpr([](double v) { return std::abs(v) < 1e-9 ? 0.0 : std::max(v, 0.0); });
    const Eigen::VectorXd bias = log_w_ - F * sum_;
    mix(log_points_, bias, N, 1.0, out);
  }
  std::string describe() const override {
    return fmt::format("finite-set oracle (gamma-poisson, {} points, dim {})", points_.cols(), points_.rows());
  }

 private:
  GammaPoissonProcess p_;
  Eigen::MatrixXd log_points_;
  Eigen::VectorXd sum_;
};

}  // namespace

OraclePtr finite_set_oracle(const NormalProcess& p, Batch points, Eigen::VectorXd weights) {
  return std::make_shared<NormalFiniteSet>(p, std::move(points), std::move(weights));
}

OraclePtr finite_set_oracle(const GammaPoissonProcess& p, Batch points, Eigen::VectorXd weights) {
  return std::make_shared<GammaPoissonFiniteSet>(p, std::move(points), std::move(weights));
}

}  // namespace pmm
