// Exact posterior-mean predictors g(mu, t) = E[x | mu(t) = mu] for known targets. With an oracle every
// gap between samples and target is solver error, which is how solvers are validated.
// Each oracle can also draw from its target (given-x runs, reference samples).
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include <pmm/models/predictor.hpp>
#include <pmm/processes/gamma_poisson.hpp>
#include <pmm/processes/inverse_gamma_gamma.hpp>
#include <pmm/processes/normal.hpp>

namespace pmm {

class Oracle : public Predictor {
 public:
  // n draws x ~ target (dim x n); draw j depends on (seed, path0 + j) only.
  virtual Batch sample(Index n, std::uint64_t seed, Index path0 = 0) const = 0;
  Index preferred_batch() const override { return 128; }
  // A finite-set oracle's atoms (dim x K) and normalised weights, for back ends that evaluate it themselves
  // (the device kernels); false for other targets.
  virtual bool atoms(Batch* points, Eigen::VectorXd* weights) const { return false; }
};

using OraclePtr = std::shared_ptr<const Oracle>;

// Finite weighted point set {x_i, w_i} (a data set is one). points: dim x n; weights: n (>= 0, any scale)
// or empty for uniform. Responsibilities are softmaxes of log-likelihoods computed with one GEMM.
OraclePtr finite_set_oracle(const NormalProcess& p, Batch points, Eigen::VectorXd weights = {});
OraclePtr finite_set_oracle(const GammaPoissonProcess& p, Batch points, Eigen::VectorXd weights = {});
// Inverse-Gamma-Gamma: points must be > 0 (Gamma scales) and p.beta1 > 1 (models/oracles/inverse_gamma_finite_set.cpp).
OraclePtr finite_set_oracle(const InverseGammaGammaProcess& p, Batch points, Eigen::VectorXd weights = {});

// Gaussian mixture with diagonal covariances for the Normal process: x ~ sum_k w_k N(m_k, diag s2_k).
// means, variances: dim x K.
OraclePtr gaussian_mixture_oracle(const NormalProcess& p, Eigen::VectorXd weights, Batch means, Batch variances);
// Full covariances S_k (dim x dim each, symmetric positive definite, checked by Cholesky; the error names the component):
// mu | k ~ N(c m_k, T_k = c^2 S_k + v I), E[x | mu, k] = m_k + c S_k T_k^{-1} (mu - c m_k).
OraclePtr gaussian_mixture_oracle(const NormalProcess& p, Eigen::VectorXd weights, Batch means,
                                  std::vector<Eigen::MatrixXd> covariances);

// Product-Gamma mixture for Gamma-Poisson: x_d | k ~ Gamma(shape a_kd, rate r_kd). shapes, rates: dim x K.
OraclePtr gamma_mixture_oracle(const GammaPoissonProcess& p, Eigen::VectorXd weights, Batch shapes, Batch rates);

}  // namespace pmm
