// bpc = (sum_i w_i nll_i / sum_j w_j) / ln 2 (eq. 169 with normalised weights). Positions with
// weight 0 are left out of the sum, so an infinite nll there cannot turn 0 * inf into NaN.
#include "validation/metric_bpc.hpp"

#include <cmath>
#include <string>

#include <pmm/core/error.hpp>

namespace pmm {

double bits_per_character(const Eigen::Ref<const Eigen::ArrayXd>& nll_nats,
                          const Eigen::Ref<const Eigen::ArrayXd>& weights) {
  require(nll_nats.size() >= 1, "nll_nats", "must not be empty");
  require(weights.size() == nll_nats.size(), "weights",
          "must have one weight per position (" + std::to_string(nll_nats.size()) + "), got " +
              std::to_string(weights.size()));
  require(!nll_nats.isNaN().any() && (nll_nats >= 0.0).all(), "nll_nats",
          "must be >= 0 and not NaN (negative log-probabilities in nats)");
  require(weights.allFinite() && (weights >= 0.0).all(), "weights", "must be finite and >= 0");
  const double total = weights.sum();
  require(total > 0.0, "weights", "must not all be zero");
  double nats = 0.0;
  for (Eigen::Index i = 0; i < weights.size(); ++i)
    if (weights(i) > 0.0) nats += weights(i) / total * nll_nats(i);
  return nats / std::log(2.0);
}

double bits_per_character(const std::vector<double>& nll_nats, const std::vector<double>& weights) {
  using Map = Eigen::Map<const Eigen::ArrayXd>;
  return bits_per_character(Map(nll_nats.data(), static_cast<Eigen::Index>(nll_nats.size())),
                            Map(weights.data(), static_cast<Eigen::Index>(weights.size())));
}

BpcEstimate bpc_estimate(const std::vector<double>& nll_nats, const std::vector<double>& weights,
                         const std::vector<double>& unit_num, const std::vector<double>& unit_den, bool exact) {
  BpcEstimate e;
  e.bpc = bits_per_character(nll_nats, weights);
  if (exact) return e;
  require(unit_num.size() == unit_den.size(), "unit_den",
          "must have one entry per unit (" + std::to_string(unit_num.size()) + "), got " + std::to_string(unit_den.size()));
  const double R = e.bpc * std::log(2.0);
  double den = 0, ss = 0;
  for (size_t i = 0; i < unit_num.size(); ++i) {
    den += unit_den[i];
    ss += (unit_num[i] - R * unit_den[i]) * (unit_num[i] - R * unit_den[i]);
  }
  e.standard_error = den > 0 ? std::sqrt(ss) / den / std::log(2.0) : 0.0;
  return e;
}

}  // namespace pmm
