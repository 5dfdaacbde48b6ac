// Bits per character (PMM paper eq. 169): a weighted average of per-position negative
// log-likelihoods in nats, weights normalised to sum to one, converted to bits:
//   bpc = (sum_i w_i nll_i / sum_j w_j) / ln 2.
#pragma once
#include <Eigen/Core>
#include <vector>

namespace pmm {

// nll_nats: -log p per position (>= 0; +infinity allowed for a zero-probability token).
// weights: one per position, finite, >= 0, not all 0 (any scale: they are normalised here).
double bits_per_character(const Eigen::Ref<const Eigen::ArrayXd>& nll_nats,
                          const Eigen::Ref<const Eigen::ArrayXd>& weights);
double bits_per_character(const std::vector<double>& nll_nats, const std::vector<double>& weights);

// bpc with the ratio estimator's standard error sqrt(sum_u (N_u - R D_u)^2) / sum_u D_u / ln 2, R = bpc ln 2,
// over units u (a window and masking pass: N_u = sum w nll, D_u = sum w). exact (an autoregressive model's
// log-likelihood): standard error 0. Shared by pmm-text bpc and pmm.metrics.bpc so both report the same numbers.
struct BpcEstimate {
  double bpc = 0, standard_error = 0;
};
BpcEstimate bpc_estimate(const std::vector<double>& nll_nats, const std::vector<double>& weights,
                         const std::vector<double>& unit_num, const std::vector<double>& unit_den, bool exact);

}  // namespace pmm
