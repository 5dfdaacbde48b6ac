// The masked-token samplers on the one chunk driver (solvers/driver.hpp: dynamic chunk queue,
// first error rethrown, chunk results written at their global path offsets).
#include <pmm/solvers/masked_sampler.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <exception>
#include <mutex>
#include <thread>

#include <pmm/core/error.hpp>
#include <pmm/solvers/masked_steppers.hpp>
#include <pmm/solvers/driver.hpp>
#include <pmm/solvers/masked_common.hpp>

namespace pmm {

std::vector<std::string> masked_solvers() { return {MaskedFixedGrid::kName, MaskedEventDriven::kName}; }

MaskedSolver parse_masked_solver(const std::string& name, const std::string& option) {
  if (name == MaskedFixedGrid::kName) return MaskedSolver::kFixedGrid;
  if (name == MaskedEventDriven::kName) return MaskedSolver::kEventDriven;
  throw Error(fmt::format("{}: unknown solver '{}' for the dirichlet-categorical process (expected {} or {})", option,
                          name, MaskedFixedGrid::kName, MaskedEventDriven::kName));
}

std::string masked_solver_name(MaskedSolver solver) {
  return solver == MaskedSolver::kFixedGrid ? MaskedFixedGrid::kName : MaskedEventDriven::kName;
}

void fill_leftovers(const DirichletCategoricalProcess& p, const TokenPredictor& pred, std::uint64_t seed,
                    MaskedChunk& ch) {
  const int C = p.length, V = p.vocab, mask = p.mask_id();
  std::vector<std::vector<int>> left(static_cast<size_t>(ch.n));
  size_t rounds = 0;
  for (Index j = 0; j < ch.n; ++j) {
    const int* row = ch.tokens.data() + j * C;
    auto& l = left[static_cast<size_t>(j)];
    for (int c = 0; c < C; ++c)
      if (row[c] == mask) l.push_back(c);
    ch.leftover[static_cast<size_t>(j)] = static_cast<std::int32_t>(l.size());
    rounds = std::max(rounds, l.size());
  }
  RowBatch batch(C, V);
  for (size_t r = 0; r < rounds; ++r) {
    batch.clear();
    for (Index j = 0; j < ch.n; ++j)
      if (r < left[static_cast<size_t>(j)].size()) batch.add(j, ch.tokens.data() + j * C, 1.0, ch.path0 + j);
    batch.run(pred);
    for (size_t k = 0; k < batch.size(); ++k) {
      const Index j = batch.local(k), path = ch.path0 + j;
      const int c = left[static_cast<size_t>(j)][r];
      ++ch.nfe[static_cast<size_t>(j)];
      ch.tokens[static_cast<size_t>(j * C + c)] =
          draw_token(batch.probs(k, c), V, token_uniform(seed, path, c), pred, path, c);
    }
  }
}

Solution run_masked(const DirichletCategoricalProcess& p, const TokenPredictor& pred, Index paths,
                    const MaskedOptions& opt) {
  require(p.schedule != nullptr, "schedule", "the dirichlet-categorical process needs a schedule");
  require(p.vocab >= 1 && p.length >= 1 && p.length < (1 << 24), "dirichlet-categorical process",
          fmt::format("needs vocabulary >= 1 and length in [1, 2^24), got {} and {}", p.vocab, p.length));
  require(pred.vocab() == p.vocab, "token predictor",
          fmt::format("vocabulary mismatch: the predictor ({}) has {} tokens, the process {}", pred.describe(),
                      pred.vocab(), p.vocab));
  require(pred.length() == p.length, "token predictor",
          fmt::format("length mismatch: the predictor ({}) takes sequences of {}, the process {}", pred.describe(),
                      pred.length(), p.length));
  require(paths >= 1 && paths < (Index(1) << 32), "paths", fmt::format("must be in [1, 2^32), got {}", paths));
  require(opt.first_path >= 0 && opt.first_path + paths <= (Index(1) << 32), "first_path",
          fmt::format("first_path + paths must lie in [0, 2^32], got {} + {}", opt.first_path, paths));
  require(opt.threads >= 1, "threads", fmt::format("must be >= 1, got {}", opt.threads));
  if (opt.solver == MaskedSolver::kFixedGrid) {
    const auto& g = opt.grid;
    require(g.size() >= 2 && g.front() == 0.0 && g.back() == 1.0, "grid",
            "the fixed-grid sampler needs a grid that starts at 0, ends at 1 and has at least one step");
    require(g.size() - 1 < (std::size_t(1) << 32), "grid", "too many steps");
    for (size_t i = 1; i < g.size(); ++i)
      require(g[i] > g[i - 1], "grid", fmt::format("must increase strictly (point {})", i));
  }
  for (double s : opt.save_times)
    require(s >= 0.0 && s <= 1.0, "save times", fmt::format("must lie in [0, 1], got {}", s));

  const int C = p.length;
  const ChunkPlan plan = plan_chunks(paths, opt.chunk, opt.threads, pred.concurrent(), pred.preferred_batch());
  const size_t saves = opt.save_times.size();

  Solution res;
  res.paths = paths;
  res.length = C;
  res.vocab = p.vocab;
  res.tokens.resize(static_cast<size_t>(paths) * C);
  if (opt.save_reveal_times) res.reveal_times.resize(static_cast<size_t>(paths) * C);
  res.save_times = opt.save_times;
  res.trajectory.resize(saves * static_cast<size_t>(paths));
  res.nfe_per_path.resize(static_cast<size_t>(paths));

  std::atomic<std::int64_t> res_leftover{0}, res_leftover_paths{0};
  res.seconds = drive_chunks(paths, plan, [&](Index, Index p0, Index n) {
    MaskedChunk ch;
    ch.reset(p, opt.first_path + p0, n);  // draws keyed by the global path
    if (opt.solver == MaskedSolver::kFixedGrid)
      MaskedFixedGrid{}.run(p, pred, opt.grid, opt.seed, ch);
    else
      MaskedEventDriven{}.run(p, pred, opt.seed, ch);
    fill_leftovers(p, pred, opt.seed, ch);
    std::int64_t left = 0, left_paths = 0;
    for (auto v : ch.leftover) {
      left += v;
      left_paths += v > 0;
    }
    res_leftover += left;
    res_leftover_paths += left_paths;
    std::copy(ch.tokens.begin(), ch.tokens.end(), res.tokens.begin() + p0 * C);
    if (opt.save_reveal_times) std::copy(ch.reveal.begin(), ch.reveal.end(), res.reveal_times.begin() + p0 * C);
    std::copy(ch.nfe.begin(), ch.nfe.end(), res.nfe_per_path.begin() + p0);
    for (size_t s = 0; s < saves; ++s)
      for (Index j = 0; j < n; ++j) {
        const double* rev = ch.reveal.data() + j * C;
        int masked = 0;
        for (int c = 0; c < C; ++c) masked += rev[c] > opt.save_times[s];
        res.trajectory[s * static_cast<size_t>(paths) + static_cast<size_t>(p0 + j)] =
            static_cast<double>(masked) / C;
      }
    if (opt.progress) opt.progress(n);
  });

  double total = 0;
  for (auto v : res.nfe_per_path) {
    res.nfe_max = std::max(res.nfe_max, v);
    total += static_cast<double>(v);
  }
  res.nfe_mean = total / static_cast<double>(paths);
  res.leftover = res_leftover;
  res.leftover_paths = res_leftover_paths;
  return res;
}

namespace {
// Mean of F_c over positions as a core Schedule, so make_grid can place uniform-precision points.
class MeanPositionSchedule final : public Schedule {
 public:
  explicit MeanPositionSchedule(const DirichletCategoricalProcess& p) : p_(p) {}
  double f(double t) const override {
    double s = 0;
    for (int c = 0; c < p_.length; ++c) s += p_.schedule->f(c, t);
    return s / p_.length;
  }
  double F(double t) const override {
    double s = 0;
    for (int c = 0; c < p_.length; ++c) s += p_.schedule->F(c, t);
    return s / p_.length;
  }
  std::string describe() const override { return "mean of " + p_.schedule->describe(); }

 private:
  const DirichletCategoricalProcess& p_;
};
}  // namespace

std::vector<double> masked_grid(const GridSpec& spec, const DirichletCategoricalProcess& p, int steps) {
  require(p.schedule != nullptr, "schedule", "the dirichlet-categorical process needs a schedule");
  return make_grid(spec, MeanPositionSchedule(p), steps);
}

std::vector<int> tokens_at(const Solution& r, double t) {
  require(r.reveal_times.size() == r.tokens.size(), "tokens_at",
          "needs reveal times: run with MaskedOptions::save_reveal_times = true");
  std::vector<int> out(r.tokens.size());
  for (size_t i = 0; i < out.size(); ++i) out[i] = r.reveal_times[i] <= t ? r.tokens[i] : r.vocab;
  return out;
}

}  // namespace pmm
