// Fixed-grid masked sampler: per step, Bernoulli reveals with p_c = 1 - exp(-(F_c(t1) - F_c(t0))) (exact given x),
// then one batched call g(mu(t0), t0) for the paths that reveal anything; tokens drawn in float64. Positions still
// masked after the last step are left to fill_leftovers (run_masked).
#include <limits>

#include <pmm/solvers/masked_common.hpp>
#include <pmm/solvers/masked_steppers.hpp>

namespace pmm {

void MaskedFixedGrid::run(const DirichletCategoricalProcess& p, const TokenPredictor& pred,
                          const std::vector<double>& grid, std::uint64_t seed, MaskedChunk& ch) const {
  const int C = p.length, V = p.vocab, mask = p.mask_id();
  const int n_steps = static_cast<int>(grid.size()) - 1;
  std::vector<double> prob(static_cast<size_t>(C));
  std::vector<std::vector<int>> pending(static_cast<size_t>(ch.n));
  RowBatch batch(C, V);
  Index masked = ch.n * C;
  for (int s = 0; s < n_steps && masked > 0; ++s) {
    const double t0 = grid[s], t1 = grid[s + 1];
    for (int c = 0; c < C; ++c) prob[c] = p.reveal_probability(c, t0, t1);
    batch.clear();
    for (Index j = 0; j < ch.n; ++j) {
      auto& pend = pending[static_cast<size_t>(j)];
      pend.clear();
      int* row = ch.tokens.data() + j * C;
      double* rev = ch.reveal.data() + j * C;
      for (int c = 0; c < C; ++c) {
        if (row[c] != mask) continue;
        const double u = UniformStream(seed, static_cast<std::uint64_t>(ch.path0 + j), static_cast<std::uint32_t>(s),
                                       kMaskRevealStream, static_cast<std::uint32_t>(c))
                             .next();
        if (u < prob[c]) {
          pend.push_back(c);
          rev[c] = t1;
        }
      }
      if (!pend.empty()) batch.add(j, row, t0, ch.path0 + j);
    }
    batch.run(pred);
    for (size_t k = 0; k < batch.size(); ++k) {
      const Index j = batch.local(k);
      ++ch.nfe[static_cast<size_t>(j)];
      int* row = ch.tokens.data() + j * C;
      for (int c : pending[static_cast<size_t>(j)]) {
        row[c] = draw_token(batch.probs(k, c), V, token_uniform(seed, ch.path0 + j, c), pred, ch.path0 + j, c);
        --masked;
      }
    }
  }
}

}  // namespace pmm
