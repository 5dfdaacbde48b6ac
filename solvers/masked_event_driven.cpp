// Event-driven masked sampler: exact reveal times tau_c = F_c^{-1}(E_c), E_c = -log U; per path the distinct times in
// increasing order are "groups"; round r sends every path's r-th group (each at its own time) in one batched call.
// Positions never revealed (tau_c = +inf) are left to fill_leftovers (run_masked).
#include <algorithm>
#include <cmath>
#include <limits>

#include <pmm/solvers/masked_common.hpp>
#include <pmm/solvers/masked_steppers.hpp>

namespace pmm {

void MaskedEventDriven::run(const DirichletCategoricalProcess& p, const TokenPredictor& pred, std::uint64_t seed,
                            MaskedChunk& ch) const {
  const int C = p.length, V = p.vocab, mask = p.mask_id();
  // order[j]: positions sorted by reveal time (never-revealed last); starts[j]: first index of each group.
  std::vector<std::vector<int>> order(static_cast<size_t>(ch.n));
  std::vector<std::vector<int>> starts(static_cast<size_t>(ch.n));
  for (Index j = 0; j < ch.n; ++j) {
    double* rev = ch.reveal.data() + j * C;
    auto& ord = order[static_cast<size_t>(j)];
    auto& st = starts[static_cast<size_t>(j)];
    ord.resize(static_cast<size_t>(C));
    for (int c = 0; c < C; ++c) {
      const double u = UniformStream(seed, static_cast<std::uint64_t>(ch.path0 + j), 0, kMaskClockStream,
                                     static_cast<std::uint32_t>(c))
                           .next();
      rev[c] = p.reveal_time(c, -std::log(u));
      ord[c] = c;
    }
    std::stable_sort(ord.begin(), ord.end(), [&](int a, int b) { return rev[a] < rev[b]; });
    for (int k = 0; k < C; ++k) {
      const double tau = rev[ord[k]];
      if (!std::isfinite(tau)) break;
      if (k == 0 || tau != rev[ord[k - 1]]) st.push_back(k);
    }
  }

  RowBatch batch(C, V);
  for (size_t r = 0;; ++r) {
    batch.clear();
    for (Index j = 0; j < ch.n; ++j) {
      const auto& st = starts[static_cast<size_t>(j)];
      const int* row = ch.tokens.data() + j * C;
      if (r < st.size())
        batch.add(j, row, ch.reveal[static_cast<size_t>(j * C + order[static_cast<size_t>(j)][st[r]])], ch.path0 + j);
    }
    if (batch.size() == 0) break;
    batch.run(pred);
    for (size_t k = 0; k < batch.size(); ++k) {
      const Index j = batch.local(k), path = ch.path0 + j;
      const auto& st = starts[static_cast<size_t>(j)];
      const auto& ord = order[static_cast<size_t>(j)];
      ++ch.nfe[static_cast<size_t>(j)];
      int* row = ch.tokens.data() + j * C;
      // this round's positions: group r
      const int begin = st[r];
      const int end = r + 1 < st.size() ? st[r + 1] : C;
      for (int q = begin; q < end; ++q) {
        const int c = ord[static_cast<size_t>(q)];
        if (!std::isfinite(ch.reveal[static_cast<size_t>(j * C + c)])) break;
        if (row[c] != mask) continue;
        row[c] = draw_token(batch.probs(k, c), V, token_uniform(seed, path, c), pred, path, c);
      }
    }
  }
}

}  // namespace pmm
