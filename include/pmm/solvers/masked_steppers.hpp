// The two samplers of the Dirichlet-Categorical process, each run over one chunk of paths (run_masked drives them).
// Fixed grid: on [t0, t1] a masked position reveals with probability 1 - exp(-(F_c(t1) - F_c(t0))), its token drawn
// from g_c(mu(t0), t0). Event-driven: position c reveals at tau_c = F_c^{-1}(E_c), E_c ~ Exp(1) (exact); g is
// evaluated once per distinct tau with the state just before it.
// Both call g only when something is revealed, so a path's NFE <= min(steps, C) (grid) and <= C (events), plus one
// per leftover. Leftovers: a schedule with F_c(1) < infinity (constant, semi-ar) leaves position c masked at t = 1
// with probability exp(-F_c(1)); fill_leftovers draws them one position at a time (left to right), each from
// g_c(state, 1) of the state with the previous ones filled: the exact conditional law, 1 NFE per position. (Drawing
// them all from one g would be a product of marginals: with a Markov-chain target it made forbidden bigrams.)
#pragma once
#include <cstdint>
#include <limits>
#include <vector>

#include <pmm/models/token_predictor.hpp>
#include <pmm/processes/dirichlet_categorical.hpp>

namespace pmm {

// One chunk's state and output: tokens [n, C] (mask id V until drawn), reveal time [n, C] (grid: t1 of the step;
// events: tau_c; +infinity: filled by the final draw), predictor evaluations per path.
struct MaskedChunk {
  Index path0 = 0, n = 0;
  std::vector<int> tokens;
  std::vector<double> reveal;
  std::vector<std::int64_t> nfe;
  std::vector<std::int32_t> leftover;  // positions still masked at t = 1, per path (set by fill_leftovers)
  void reset(const DirichletCategoricalProcess& p, Index first_path, Index count) {
    path0 = first_path;
    n = count;
    tokens.assign(static_cast<size_t>(n) * p.length, p.mask_id());
    reveal.assign(static_cast<size_t>(n) * p.length, std::numeric_limits<double>::infinity());
    nfe.assign(static_cast<size_t>(n), 0);
    leftover.assign(static_cast<size_t>(n), 0);
  }
};

struct MaskedFixedGrid {
  static constexpr const char* kName = "fixed-grid";
  void run(const DirichletCategoricalProcess& p, const TokenPredictor& pred, const std::vector<double>& grid,
           std::uint64_t seed, MaskedChunk& chunk) const;
};

struct MaskedEventDriven {
  static constexpr const char* kName = "event-driven";
  void run(const DirichletCategoricalProcess& p, const TokenPredictor& pred, std::uint64_t seed,
           MaskedChunk& chunk) const;
};

// Draws every position still masked (token == mask id) one at a time through pred at t = 1, batched over paths
// (round k: each path's k-th leftover); adds 1 NFE per position and records the counts in chunk.leftover.
void fill_leftovers(const DirichletCategoricalProcess& p, const TokenPredictor& pred, std::uint64_t seed,
                    MaskedChunk& chunk);

}  // namespace pmm
