// A finite weighted set of token sequences {x_i, w_i} (a data set) as a Dirichlet-Categorical target. Masking is
// independent of x, so the posterior over sequences given the revealed tokens is w_i restricted to the sequences
// that agree with every revealed token, and g_c(mu)[v] = sum_i r_i 1[x_ic = v].
#pragma once
#include <Eigen/Core>
#include <vector>

#include <pmm/models/token_predictor.hpp>

namespace pmm {

// sequences: [n, C] row-major ids in [0, vocab); weights: n entries >= 0 (any scale) or empty for uniform.
// When no sequence agrees with the revealed tokens (a state no exact sampler reaches), the sequences with the
// fewest disagreements are used. Throws pmm::Error on ids out of range, size or weight errors.
TokenOraclePtr sequence_set_oracle(std::vector<int> sequences, Index n, int length, int vocab,
                                   Eigen::VectorXd weights = {});

}  // namespace pmm
