// First-order Markov chain over tokens as a Dirichlet-Categorical target: x_0 ~ pi0, x_c | x_{c-1} ~ P[x_{c-1}, .].
// Its exact posterior mean for a masked position given the revealed ones is the forward-backward marginal
// P(x_c = v | revealed) proportional to alpha_c(v) beta_c(v), with alpha_c = (alpha_{c-1} P) .* e_c, beta_c = P
// (e_{c+1} .* beta_{c+1}).
#pragma once
#include <Eigen/Core>
#include <string>
#include <vector>

#include <pmm/models/token_predictor.hpp>

namespace pmm {

struct MarkovChain {
  Eigen::VectorXd initial;     // pi0, V entries summing to 1
  Eigen::MatrixXd transition;  // P, V x V, rows sum to 1
  int vocab() const { return static_cast<int>(transition.rows()); }
};

// Validated chain: P square with rows of non-negative finite entries summing to 1 (within 1e-9, renormalised);
// initial empty -> the stationary law of P. Throws pmm::Error naming what.
MarkovChain markov_chain(Eigen::MatrixXd transition, Eigen::VectorXd initial = {},
                         const std::string& what = "markov chain");
// pi P = pi, sum pi = 1 (least squares on [P^T - I; 1^T]; unique when P is irreducible).
Eigen::VectorXd stationary_distribution(const Eigen::MatrixXd& transition);

// Transition counts within each row of a [n, C] token array (no transition across rows), plus `smoothing`
// added to every count (> 0 keeps every transition possible). initial: the stationary law of the estimate.
MarkovChain estimate_markov_chain(const std::vector<int>& tokens, Index n, int length, int vocab,
                                  double smoothing = 1.0, const std::string& what = "markov chain data");

// log P(x_0 .. x_{C-1}) under the chain.
double sequence_log_probability(const MarkovChain& chain, const int* x, int length);

// How the marginals are computed; both are exact. Matrix powers: the forward-backward messages between revealed
// positions collapse to P(x_c = v | revealed) proportional to [x_a revealed left: P^{c-a}(x_a, v), else (pi0 P^c)(v)]
// times [x_b revealed right: P^{b-c}(v, x_b), else 1], O(C V) per row after storing P^k, k < C (C V^2 doubles).
// Forward-backward: O(C V^2) per row, no table. kAuto: powers when C V^2 <= 2^24, else forward-backward.
enum class MarkovMarginals { kAuto, kMatrixPowers, kForwardBackward };

// The oracle for sequences of `length` tokens. Impossible evidence (revealed tokens of probability 0) does not
// give NaN: the chain restarts at the offending position.
TokenOraclePtr markov_chain_oracle(MarkovChain chain, int length, MarkovMarginals method = MarkovMarginals::kAuto);

}  // namespace pmm
