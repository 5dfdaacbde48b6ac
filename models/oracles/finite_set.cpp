// Finite-set oracles: g(mu, t) = sum_i r_i x_i with r_i = softmax_i(log w_i + loglik_i).
// Normal:        loglik_i = (b + F) x_i . mu - F |x_i|^2 / 2        (from N(mu; c x_i, v I), c/v = b + F)
// Gamma-Poisson: loglik_i = sum_d N_d log x_id - F x_id, N = mu (beta2 + F) - beta1   (Poisson(N; x F))
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include <fmt/format.h>

#include <pmm/models/oracles/column_ops.hpp>
#include <pmm/models/oracles/oracle.hpp>
#include <pmm/core/error.hpp>
#include <pmm/random/distributions.hpp>

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
  bool atoms(Batch* points, Eigen::VectorXd* weights) const override {
    *points = points_;
    *weights = log_w_.array().exp().matrix();
    return true;
  }
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
    Eigen::MatrixXd logits = product(feats.transpose(), stat, scale);
    logits.colwise() += bias;
    finish(logits, out);
  }
  void finish(Eigen::MatrixXd& logits, Batch& out) const {
    softmax_columns(logits);
    out = product(points_.matrix(), logits).array();
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
    zero_ = (points_ == 0).cast<double>().matrix();
    has_zero_ = (points_ == 0).any();
  }
  void predict(const Batch& mu, double t, Index, Batch& out) const override {
    const double F = p_.schedule->F(t);
    Eigen::MatrixXd N = (mu * (p_.beta2 + F) - p_.beta1).matrix();
    // Counts are integers along exact paths; round-off below 1e-9 must not make 0 * log(tiny) matter.
    N = N.unaryExpr([](double v) { return std::abs(v) < 1e-9 ? 0.0 : std::max(v, 0.0); });
    const Eigen::VectorXd bias = log_w_ - F * sum_;
    if (!has_zero_) return mix(log_points_, bias, N, 1.0, out);
    // The floor's penalty (~ -690.8 per count) loses to the -F sum(x) gap of the other atoms once F is in
    // the hundreds, so an atom with x_d = 0 must be excluded outright when N_d >= 1 (Poisson(N; 0) = 0).
    // Fractional counts below 1 (diffusion approximations) keep the soft penalty, and so does a column
    // in which every atom would be excluded.
    Eigen::MatrixXd logits = product(log_points_.transpose(), N);
    logits.colwise() += bias;
    const Eigen::MatrixXd hits = zero_.transpose() * (N.array() >= 0.5).cast<double>().matrix();
    for (Index j = 0; j < logits.cols(); ++j)
      if ((hits.col(j).array() == 0).any())
        for (Index i = 0; i < logits.rows(); ++i)
          if (hits(i, j) > 0) logits(i, j) = -std::numeric_limits<double>::infinity();
    finish(logits, out);
  }
  std::string describe() const override {
    return fmt::format("finite-set oracle (gamma-poisson, {} points, dim {})", points_.cols(), points_.rows());
  }

 private:
  GammaPoissonProcess p_;
  Eigen::MatrixXd log_points_, zero_;  // zero_: 1 where a point's coordinate is 0 (dim x points)
  Eigen::VectorXd sum_;
  bool has_zero_ = false;
};

}  // namespace

OraclePtr finite_set_oracle(const NormalProcess& p, Batch points, Eigen::VectorXd weights) {
  return std::make_shared<NormalFiniteSet>(p, std::move(points), std::move(weights));
}

OraclePtr finite_set_oracle(const GammaPoissonProcess& p, Batch points, Eigen::VectorXd weights) {
  return std::make_shared<GammaPoissonFiniteSet>(p, std::move(points), std::move(weights));
}

}  // namespace pmm
