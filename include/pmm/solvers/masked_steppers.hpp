// The two samplers of the Dirichlet-Categorical process, each run over one chunk of paths (run_masked drives them).
// Fixed grid: on [t0, t1] a masked position reveals with probability 1 - exp(-(F_c(t1) - F_c(t0))), its token drawn
// from g_c(mu(t0), t0); on the last step every position still masked is drawn from that same g (the final draw).
// Event-driven: position c reveals at tau_c = F_c^{-1}(E_c), E_c ~ Exp(1) (exact); g is evaluated once per distinct
// tau with the state just before it; positions with F_c(1) < E_c are drawn at t = 1 from g(mu(1), 1).
// Both call g only when something is revealed, so a path's NFE <= min(steps, C) (grid) and <= C (events).
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
  void reset(const DirichletCategoricalProcess& p, Index first_path, Index count) {
    path0 = first_path;
    n = count;
    tokens.assign(static_cast<size_t>(n) * p.length, p.mask_id());
    reveal.assign(static_cast<size_t>(n) * p.length, std::numeric_limits<double>::infinity());
    nfe.assign(static_cast<size_t>(n), 0);
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

}  // namespace pmm
