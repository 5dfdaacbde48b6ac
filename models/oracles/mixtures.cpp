// Mixture oracles. Gaussian (Normal process): mu | k ~ N(c m_k, tau_k), tau_k = c^2 s2_k + v per coordinate,
// E[x | mu, k] = m_k + s2_k (c / tau_k)(mu - c m_k). Gamma (Gamma-Poisson): N | k is negative binomial,
// log p = lgamma(a + N) - lgamma(a) + a log(r/(r + F)) + N log(F/(r + F)), E[x | N, k] = (a + N)/(r + F).
// Gaussian components may carry full covariances (GaussianMixtureFull). Gamma components stay products of
// independent Gammas: a covariance matrix does not define a multivariate Gamma law (there are many with the same
// covariance, none with a closed-form Poisson posterior mean), so correlation is expressed by more components.
#include <algorithm>
#include <cmath>
#include <vector>

#include <Eigen/Cholesky>

#include <fmt/format.h>

#include <pmm/models/oracles/oracle.hpp>
#include <pmm/core/error.hpp>
#include <pmm/random/distributions.hpp>

namespace pmm {
namespace {

Eigen::VectorXd checked_weights(const Eigen::VectorXd& w, Index K, const std::string& what) {
  require(K > 0 && w.size() == K, what, fmt::format("needs {} weights, got {}", K, w.size()));
  require(w.allFinite() && (w.array() >= 0).all() && w.sum() > 0, what, "weights must be finite, >= 0, not all 0");
  return w / w.sum();
}

Index draw_component(const Eigen::VectorXd& w, double u) {
  double acc = 0;
  for (Index k = 0; k < w.size(); ++k) {
    acc += w[k];
    if (u <= acc) return k;
  }
  return w.size() - 1;
}

// Responsibilities from per-component log-likelihood columns (K x n), in place. Each column goes through
// one aligned scratch vector so that Eigen's vectorised exp and sum treat every column alike, wherever
// it sits in the batch (a path's result must not depend on its chunk).
void normalise_columns(Eigen::MatrixXd& logp) {
  Eigen::VectorXd buf(logp.rows());
  for (Index j = 0; j < logp.cols(); ++j) {
    auto col = logp.col(j);
    const double m = col.maxCoeff();
    buf = (col.array() - m).exp().matrix();  // packets follow buf's alignment, the same for every column
    col = buf / buf.sum();
  }
}

class GaussianMixture final : public Oracle {
 public:
  GaussianMixture(const NormalProcess& p, Eigen::VectorXd w, Batch m, Batch s2) : p_(p), m_(std::move(m)), s2_(std::move(s2)) {
    const std::string what = "gaussian-mixture target";
    require(m_.rows() > 0 && m_.cols() > 0 && m_.allFinite(), what, "means must be finite, dim x K");
    require(s2_.rows() == m_.rows() && s2_.cols() == m_.cols(), what, "variances must have the shape of means");
    require(s2_.allFinite() && (s2_ >= 0).all(), what, "variances must be finite and >= 0");
    w_ = checked_weights(w, m_.cols(), what);
  }
  Index dim() const override { return m_.rows(); }
  void predict(const Batch& mu, double t, Index, Batch& out) const override {
    const double F = p_.schedule->F(t);
    const Index K = m_.cols(), n = mu.cols();
    if (F <= 0) {
      out = (m_.matrix() * w_).array().replicate(1, n);
      return;
    }
    const double c = p_.c(F), v = p_.v(F);
    Eigen::MatrixXd logp(K, n);
    const Batch tau = c * c * s2_ + v;
    for (Index k = 0; k < K; ++k) {
      const double lognorm = std::log(w_[k]) - 0.5 * tau.col(k).log().sum();
      // Plain loop: a vectorised colwise().sum() would sum a column in an order set by its alignment.
      for (Index j = 0; j < n; ++j) {
        double s = 0;
        for (Index d = 0; d < dim(); ++d) {
          const double e = mu(d, j) - c * m_(d, k);
          s += e * e / tau(d, k);
        }
        logp(k, j) = lognorm - 0.5 * s;
      }
    }
    normalise_columns(logp);
    out.setZero(dim(), n);
    for (Index k = 0; k < K; ++k) {
      const Batch diff = mu.colwise() - c * m_.col(k);
      const Batch post = (diff.colwise() * (s2_.col(k) * c / tau.col(k))).colwise() + m_.col(k);
      out += post.rowwise() * logp.row(k).array();
    }
  }
  Batch sample(Index n, std::uint64_t seed, Index path0) const override {
    Batch out(dim(), n);
    for (Index j = 0; j < n; ++j) {
      UniformStream u(seed, static_cast<std::uint64_t>(path0 + j), 0, Stream::kInit, 0);
      const Index k = draw_component(w_, u.next());
      for (Index d = 0; d < dim(); ++d) out(d, j) = m_(d, k) + std::sqrt(s2_(d, k)) * normal_draw(u);
    }
    return out;
  }
  std::string describe() const override {
    return fmt::format("gaussian-mixture oracle ({} components, dim {})", m_.cols(), m_.rows());
  }

 private:
  NormalProcess p_;
  Eigen::VectorXd w_;
  Batch m_, s2_;
};

// Full-covariance components: per call, T_k = c^2 S_k + v I is factored once; each path is solved alone (vector
// solves and plain loops), so that its result does not depend on the batch it sits in.
class GaussianMixtureFull final : public Oracle {
 public:
  GaussianMixtureFull(const NormalProcess& p, Eigen::VectorXd w, Batch m, std::vector<Eigen::MatrixXd> S)
      : p_(p), m_(std::move(m)), S_(std::move(S)) {
    const std::string what = "gaussian-mixture target";
    require(m_.rows() > 0 && m_.cols() > 0 && m_.allFinite(), what, "means must be finite, dim x K");
    require(static_cast<Index>(S_.size()) == m_.cols(), what,
            fmt::format("needs one covariance matrix per component: {} means, {} covariances", m_.cols(), S_.size()));
    const Index d = m_.rows();
    for (size_t k = 0; k < S_.size(); ++k) {
      const auto& S = S_[k];
      require(S.rows() == d && S.cols() == d, what,
              fmt::format("component {}: covariance must be {} x {}, got {} x {}", k, d, d, S.rows(), S.cols()));
      require(S.allFinite(), what, fmt::format("component {}: covariance must be finite", k));
      const double scale = std::max(S.cwiseAbs().maxCoeff(), 1e-300);
      require((S - S.transpose()).cwiseAbs().maxCoeff() <= 1e-12 * scale, what,
              fmt::format("component {}: covariance is not symmetric", k));
      Eigen::LLT<Eigen::MatrixXd> llt(S);
      require(llt.info() == Eigen::Success, what,
              fmt::format("component {}: covariance is not positive definite (Cholesky failed)", k));
      L_.push_back(llt.matrixL());
    }
    w_ = checked_weights(w, m_.cols(), what);
  }
  Index dim() const override { return m_.rows(); }
  void predict(const Batch& mu, double t, Index, Batch& out) const override {
    const double F = p_.schedule->F(t);
    const Index K = m_.cols(), n = mu.cols(), d = dim();
    if (F <= 0) {
      out = (m_.matrix() * w_).array().replicate(1, n);
      return;
    }
    const double c = p_.c(F), v = p_.v(F);
    Eigen::MatrixXd logp(K, n);
    std::vector<Eigen::MatrixXd> post(static_cast<size_t>(K), Eigen::MatrixXd(d, n));
    Eigen::VectorXd e(d), z(d);
    for (Index k = 0; k < K; ++k) {
      const Eigen::MatrixXd T = c * c * S_[static_cast<size_t>(k)] + v * Eigen::MatrixXd::Identity(d, d);
      const Eigen::LLT<Eigen::MatrixXd> llt(T);
      double logdet = 0;
      for (Index i = 0; i < d; ++i) logdet += 2 * std::log(llt.matrixLLT()(i, i));
      const Eigen::MatrixXd gain = c * S_[static_cast<size_t>(k)];
      for (Index j = 0; j < n; ++j) {
        for (Index i = 0; i < d; ++i) e[i] = mu(i, j) - c * m_(i, k);
        z = llt.solve(e);
        double s = 0;
        for (Index i = 0; i < d; ++i) s += e[i] * z[i];
        logp(k, j) = std::log(w_[k]) - 0.5 * logdet - 0.5 * s;
        post[static_cast<size_t>(k)].col(j) = m_.matrix().col(k) + gain * z;
      }
    }
    normalise_columns(logp);
    out.setZero(d, n);
    for (Index k = 0; k < K; ++k) out += post[static_cast<size_t>(k)].array().rowwise() * logp.row(k).array();
  }
  Batch sample(Index n, std::uint64_t seed, Index path0) const override {
    Batch out(dim(), n);
    Eigen::VectorXd xi(dim());
    for (Index j = 0; j < n; ++j) {
      UniformStream u(seed, static_cast<std::uint64_t>(path0 + j), 0, Stream::kInit, 0);
      const Index k = draw_component(w_, u.next());
      for (Index d = 0; d < dim(); ++d) xi[d] = normal_draw(u);
      out.col(j) = (m_.matrix().col(k) + L_[static_cast<size_t>(k)] * xi).array();
    }
    return out;
  }
  std::string describe() const override {
    return fmt::format("gaussian-mixture oracle ({} components, dim {}, full covariances)", m_.cols(), m_.rows());
  }

 private:
  NormalProcess p_;
  Eigen::VectorXd w_;
  Batch m_;
  std::vector<Eigen::MatrixXd> S_, L_;
};

class GammaMixture final : public Oracle {
 public:
  GammaMixture(const GammaPoissonProcess& p, Eigen::VectorXd w, Batch a, Batch r) : p_(p), a_(std::move(a)), r_(std::move(r)) {
    const std::string what = "gamma-mixture target";
    require(a_.rows() > 0 && a_.cols() > 0, what, "shapes must be dim x K");
    require(r_.rows() == a_.rows() && r_.cols() == a_.cols(), what, "rates must have the shape of shapes");
    require(a_.allFinite() && (a_ > 0).all() && r_.allFinite() && (r_ > 0).all(), what,
            "shapes and rates must be finite and > 0");
    w_ = checked_weights(w, a_.cols(), what);
    lgamma_a_ = a_.unaryExpr([](double v) { return std::lgamma(v); });
  }
  Index dim() const override { return a_.rows(); }
  void predict(const Batch& mu, double t, Index, Batch& out) const override {
    const double F = p_.schedule->F(t);
    const Index K = a_.cols(), n = mu.cols();
    const Batch N = (mu * (p_.beta2 + F) - p_.beta1).max(0.0);
    Eigen::MatrixXd logp(K, n);
    for (Index k = 0; k < K; ++k) {
      const auto a = a_.col(k), r = r_.col(k);
      const Eigen::ArrayXd logq = (r / (r + F)).log();                 // log r/(r+F)
      const Eigen::ArrayXd logp1 = F > 0 ? (F / (r + F)).log().eval() : Eigen::ArrayXd::Zero(dim()).eval();
      for (Index j = 0; j < n; ++j) {
        double s = std::log(w_[k]);
        for (Index d = 0; d < dim(); ++d) {
          const double Nd = N(d, j);
          s += std::lgamma(a[d] + Nd) - lgamma_a_(d, k) + a[d] * logq[d] + (Nd > 0 ? Nd * logp1[d] : 0.0);
        }
        logp(k, j) = s;
      }
    }
    normalise_columns(logp);
    out.setZero(dim(), n);
    for (Index k = 0; k < K; ++k) {
      const Batch post = (N.colwise() + a_.col(k)).colwise() / (r_.col(k) + F);
      out += post.rowwise() * logp.row(k).array();
    }
  }
  Batch sample(Index n, std::uint64_t seed, Index path0) const override {
    Batch out(dim(), n);
    for (Index j = 0; j < n; ++j) {
      UniformStream u(seed, static_cast<std::uint64_t>(path0 + j), 0, Stream::kInit, 0);
      const Index k = draw_component(w_, u.next());
      for (Index d = 0; d < dim(); ++d) out(d, j) = gamma_draw(u, a_(d, k)) / r_(d, k);
    }
    return out;
  }
  std::string describe() const override {
    return fmt::format("gamma-mixture oracle ({} components, dim {})", a_.cols(), a_.rows());
  }

 private:
  GammaPoissonProcess p_;
  Eigen::VectorXd w_;
  Batch a_, r_, lgamma_a_;
};

}  // namespace

OraclePtr gaussian_mixture_oracle(const NormalProcess& p, Eigen::VectorXd weights, Batch means, Batch variances) {
  return std::make_shared<GaussianMixture>(p, std::move(weights), std::move(means), std::move(variances));
}

OraclePtr gaussian_mixture_oracle(const NormalProcess& p, Eigen::VectorXd weights, Batch means,
                                  std::vector<Eigen::MatrixXd> covariances) {
  return std::make_shared<GaussianMixtureFull>(p, std::move(weights), std::move(means), std::move(covariances));
}

OraclePtr gamma_mixture_oracle(const GammaPoissonProcess& p, Eigen::VectorXd weights, Batch shapes, Batch rates) {
  return std::make_shared<GammaMixture>(p, std::move(weights), std::move(shapes), std::move(rates));
}

}  // namespace pmm
