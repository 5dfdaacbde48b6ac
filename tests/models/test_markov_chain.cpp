// Token oracles: the Markov-chain forward-backward marginals equal brute-force enumeration of all completions,
// the sequence-set oracle equals the weighted histogram of the consistent sequences, both draw from their targets,
// the chain estimate from token rows is the smoothed transition frequency, and bad inputs are refused.
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include <pmm/models/oracles/markov_chain.hpp>
#include <pmm/models/oracles/sequence_set.hpp>
#include <pmm/core/error.hpp>
#include "validation/statistics.hpp"

using namespace pmm;

namespace {

constexpr double kMinP = 1e-3;  // fixed seeds; a correct implementation fails one check with probability 1e-3

MarkovChain test_chain() {
  Eigen::MatrixXd P(3, 3);
  P << 0.05, 0.80, 0.15,  //
      0.30, 0.10, 0.60,   //
      0.60, 0.30, 0.10;
  return markov_chain(P);
}

// P(x_c = v | revealed) by enumerating all V^C sequences.
std::vector<double> brute_force_marginals(const MarkovChain& m, const std::vector<int>& y, int C) {
  const int V = m.vocab();
  std::vector<double> out(static_cast<size_t>(C) * V, 0.0);
  std::vector<int> x(C, 0);
  double total = 0;
  long count = 1;
  for (int c = 0; c < C; ++c) count *= V;
  for (long k = 0; k < count; ++k) {
    long r = k;
    bool ok = true;
    for (int c = 0; c < C; ++c) {
      x[c] = static_cast<int>(r % V);
      r /= V;
      ok = ok && (y[c] == V || y[c] == x[c]);
    }
    if (!ok) continue;
    const double p = std::exp(sequence_log_probability(m, x.data(), C));
    total += p;
    for (int c = 0; c < C; ++c) out[static_cast<size_t>(c) * V + x[c]] += p;
  }
  for (auto& v : out) v /= total;
  return out;
}

}  // namespace

TEST_CASE("markov-chain oracle: both marginal methods equal brute-force enumeration") {
  // Tolerance 1e-12: forward-backward normalises at every position and the power table is a product of at most
  // C stochastic matrices, so errors are a few ulp per position.
  const auto m = test_chain();
  const int C = 6, V = 3;
  for (auto method : {MarkovMarginals::kMatrixPowers, MarkovMarginals::kForwardBackward}) {
    CAPTURE(static_cast<int>(method));
    const auto oracle = markov_chain_oracle(m, C, method);
    CHECK(oracle->vocab() == V);
    CHECK(oracle->length() == C);
    const std::vector<std::vector<int>> cases = {{3, 3, 3, 3, 3, 3}, {0, 3, 3, 3, 3, 3}, {3, 3, 2, 3, 3, 1},
                                                 {1, 0, 3, 2, 3, 3}, {3, 3, 3, 3, 3, 0}, {2, 1, 0, 2, 1, 3}};
    std::vector<int> tokens;
    for (const auto& y : cases) tokens.insert(tokens.end(), y.begin(), y.end());
    std::vector<double> probs;
    oracle->predict(tokens, static_cast<Index>(cases.size()), 0.4, 0, probs);
    for (size_t r = 0; r < cases.size(); ++r) {
      const auto ref = brute_force_marginals(m, cases[r], C);
      for (int i = 0; i < C * V; ++i) {
        CAPTURE(r);
        CAPTURE(i);
        CHECK(probs[r * C * V + i] == doctest::Approx(ref[i]).epsilon(1e-12).scale(1.0));
      }
    }
    // Fully masked: every position's marginal is the stationary law (the chain starts in it).
    for (int c = 0; c < C; ++c)
      for (int v = 0; v < V; ++v) CHECK(probs[c * V + v] == doctest::Approx(m.initial[v]).epsilon(1e-12));
  }
}

TEST_CASE("markov-chain: stationary law, sampling, estimation") {
  const auto m = test_chain();
  const Eigen::VectorXd piP = (m.initial.transpose() * m.transition).transpose();
  CHECK((piP - m.initial).cwiseAbs().maxCoeff() < 1e-14);
  CHECK(m.initial.sum() == doctest::Approx(1.0).epsilon(1e-15));
  // 20000 draws of length 4: the first token follows pi, the pair (x_1, x_2) follows pi(a) P(a, b) (chi-square
  // over 9 cells, p > 1e-3).
  const int C = 4;
  const auto oracle = markov_chain_oracle(m, C);
  const Index n = 20000;
  const auto x = oracle->sample(n, 17);
  std::vector<std::int64_t> first(3, 0), pairs(9, 0);
  for (Index j = 0; j < n; ++j) {
    first[x[j * C]]++;
    pairs[x[j * C + 1] * 3 + x[j * C + 2]]++;
  }
  std::vector<double> pi(m.initial.data(), m.initial.data() + 3), pp(9);
  for (int a = 0; a < 3; ++a)
    for (int b = 0; b < 3; ++b) pp[a * 3 + b] = m.initial[a] * m.transition(a, b);
  CHECK(chi_square_gof(first, pi).p_value > kMinP);
  CHECK(chi_square_gof(pairs, pp).p_value > kMinP);
  // Same (seed, path) -> same sequence, whatever the batch.
  const auto again = oracle->sample(5, 17, 3);
  CHECK(std::vector<int>(again.begin(), again.begin() + C) == std::vector<int>(x.begin() + 3 * C, x.begin() + 4 * C));
  // Estimation: counts within rows only, plus smoothing. Rows "0 1 1" and "1 0 2": transitions 0->1, 1->1, 1->0, 0->2.
  const std::vector<int> rows = {0, 1, 1, 1, 0, 2};
  const auto est = estimate_markov_chain(rows, 2, 3, 3, 0.5);
  CHECK(est.transition(0, 1) == doctest::Approx(1.5 / 3.5));
  CHECK(est.transition(0, 0) == doctest::Approx(0.5 / 3.5));
  CHECK(est.transition(1, 1) == doctest::Approx(1.5 / 3.5));
  CHECK(est.transition(2, 0) == doctest::Approx(1.0 / 3.0));  // never left 2: smoothing only
}

TEST_CASE("sequence-set oracle: weighted histogram of the consistent sequences, and sampling") {
  const int C = 3, V = 4;
  const std::vector<int> set = {0, 1, 2,  //
                                0, 3, 2,  //
                                1, 1, 0,  //
                                0, 1, 3};
  Eigen::VectorXd w(4);
  w << 1.0, 2.0, 3.0, 4.0;
  const auto oracle = sequence_set_oracle(set, 4, C, V, w);
  std::vector<double> probs;
  // Row 0 reveals x_0 = 0: sequences 0, 1, 3 agree (weights 1, 2, 4). Row 1 reveals x_0 = 1, x_2 = 1: no sequence
  // agrees; sequence 2 has the fewest mismatches (one), so it alone is used.
  const std::vector<int> tokens = {0, V, V, 1, V, 1};
  oracle->predict(tokens, 2, 0.5, 0, probs);
  CHECK(probs[1 * V + 1] == doctest::Approx(5.0 / 7.0));  // x_1 = 1 in sequences 0 and 3
  CHECK(probs[1 * V + 3] == doctest::Approx(2.0 / 7.0));
  CHECK(probs[2 * V + 3] == doctest::Approx(4.0 / 7.0));
  CHECK(probs[C * V + 1 * V + 1] == doctest::Approx(1.0));
  CHECK(probs[C * V + 2 * V + 0] == doctest::Approx(1.0));
  // Sampling recovers the weights (chi-square, 10000 draws, p > 1e-3).
  const auto x = oracle->sample(10000, 5);
  std::vector<std::int64_t> counts(4, 0);
  for (Index j = 0; j < 10000; ++j)
    for (int i = 0; i < 4; ++i)
      if (std::equal(x.begin() + j * C, x.begin() + (j + 1) * C, set.begin() + i * C)) counts[i]++;
  CHECK(chi_square_gof(counts, {0.1, 0.2, 0.3, 0.4}).p_value > kMinP);
}

TEST_CASE("token oracles: bad inputs give clear errors") {
  Eigen::MatrixXd P(2, 2);
  P << 0.5, 0.6, 0.5, 0.5;
  CHECK_THROWS_WITH_AS(markov_chain(P), "markov chain: row 0 of the transition matrix sums to 1.1, not 1", Error);
  P << 0.5, 0.5, -0.1, 1.1;
  CHECK_THROWS_AS(markov_chain(P), Error);
  CHECK_THROWS_AS(markov_chain(Eigen::MatrixXd::Constant(2, 3, 0.5)), Error);
  CHECK_THROWS_AS(markov_chain_oracle(test_chain(), 0), Error);
  const std::vector<int> bad = {0, 1, 4};
  CHECK_THROWS_WITH_AS(sequence_set_oracle(bad, 1, 3, 4),
                       "sequence-set target: token id 4 at row 0, position 2 is out of range [0, 4)", Error);
  CHECK_THROWS_AS(sequence_set_oracle({0, 1}, 1, 3, 4), Error);
  CHECK_THROWS_AS(sequence_set_oracle({0, 1, 2}, 1, 3, 4, Eigen::VectorXd::Constant(1, -1.0)), Error);
  CHECK_THROWS_AS(estimate_markov_chain({0, 5}, 1, 2, 3), Error);
  CHECK_THROWS_AS(GivenTokens({0, 3}, 1, 2, 3), Error);
}
