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

}  // namespace pmm
