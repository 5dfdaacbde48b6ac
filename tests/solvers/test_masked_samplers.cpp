// Masked-token samplers of the Dirichlet-Categorical process (fixed grid, event-driven), with the given-x predictor
// and the Markov-chain oracle: masked fraction at t ~ Binomial(paths, exp(-F_c(t))); revealed tokens equal x; with the
// chain oracle the samples follow the chain (transitions, stationary law, whole-sequence law); the two samplers agree
// in law; NFE <= min(steps, C) (grid), <= C (events) and equals the count of distinct reveal times; results do not
// depend on threads or chunks; bad inputs are refused.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <vector>

#include <pmm/models/oracles/markov_chain.hpp>
#include <pmm/models/oracles/sequence_set.hpp>
#include <pmm/processes/dirichlet_categorical.hpp>
#include <pmm/core/error.hpp>
#include <pmm/solvers/masked_sampler.hpp>
#include "validation/statistics.hpp"

using namespace pmm;

#include "test_helpers.hpp"

namespace {

// Statistical checks run at fixed seeds. A single check accepts p > 1e-3; families of many checks (per position
// and time) accept each p > 1e-6, so the family fails with probability < 1e-3 for a correct implementation.
constexpr double kMinP = 1e-3;
constexpr double kFamilyMinP = 1e-6;

using pmm_test::uniform_grid;

MarkovChain test_chain() {
  Eigen::MatrixXd P(3, 3);
  P << 0.05, 0.80, 0.15,  //
      0.30, 0.10, 0.60,   //
      0.60, 0.30, 0.10;
  return markov_chain(P);
}

MaskedOptions options(MaskedSolver solver, int steps, std::uint64_t seed) {
  MaskedOptions o;
  o.solver = solver;
  if (solver == MaskedSolver::kFixedGrid) o.grid = uniform_grid(steps);
  o.seed = seed;
  o.threads = 2;
  return o;
}

// Index of a whole sequence in [0, V^C).
std::vector<std::int64_t> sequence_counts(const Solution& r, int V) {
  std::int64_t cells = 1;
  for (int c = 0; c < r.length; ++c) cells *= V;
  std::vector<std::int64_t> counts(static_cast<size_t>(cells), 0);
  for (Index j = 0; j < r.paths; ++j) {
    std::int64_t k = 0;
    for (int c = 0; c < r.length; ++c) k = k * V + r.tokens[j * r.length + c];
    counts[static_cast<size_t>(k)]++;
  }
  return counts;
}

std::vector<double> chain_sequence_probs(const MarkovChain& m, int C) {
  const int V = m.vocab();
  std::int64_t cells = 1;
  for (int c = 0; c < C; ++c) cells *= V;
  std::vector<double> p(static_cast<size_t>(cells));
  std::vector<int> x(C);
  for (std::int64_t k = 0; k < cells; ++k) {
    std::int64_t r = k;
    for (int c = C - 1; c >= 0; --c) {
      x[c] = static_cast<int>(r % V);
      r /= V;
    }
    p[static_cast<size_t>(k)] = std::exp(sequence_log_probability(m, x.data(), C));
  }
  return p;
}

}  // namespace

TEST_CASE("masked samplers, given x: masked fraction ~ Binomial(exp(-F_c(t))) and revealed tokens equal x") {
  // Positions are independent given x, so for each (schedule, solver, position, save time) the number of masked
  // paths is Binomial(paths, exp(-F_c(t))): exact two-sided binomial test, each p > 1e-6 (240 checks). Save times are
  // grid points, where the fixed-grid law is exact too. At t = 1 "masked" means filled by the final draw.
  const int C = 8, V = 5;
  const Index paths = 2000;
  const auto set = sequence_set_oracle({0, 1, 2, 3, 4, 0, 1, 2, 4, 3, 2, 1, 0, 4, 3, 2}, 2, C, V);
  const auto x = set->sample(paths, 99);
  GivenTokens given(x, paths, C, V);
  const std::vector<double> saves = {0.05, 0.2, 0.5, 0.9, 1.0};
  const std::vector<std::pair<std::string, PositionSchedulePtr>> schedules = {
      {"linear", paper_text_linear_schedule()},
      {"staircase", paper_text_staircase_schedule()},
      {"semi-ar", semi_autoregressive_schedule(C)}};
  double min_p = 1.0;
  for (const auto& [name, schedule] : schedules)
    for (auto solver : {MaskedSolver::kFixedGrid, MaskedSolver::kEventDriven}) {
      CAPTURE(name);
      CAPTURE(masked_solver_name(solver));
      const auto p = dirichlet_categorical_process(V, C, schedule);
      auto o = options(solver, 40, 1234);
      o.save_times = saves;
      o.save_reveal_times = true;
      const auto r = run_masked(p, given, paths, o);
      CHECK(r.tokens == x);  // revealed tokens and final draws all equal x
      const auto mid = tokens_at(r, 0.5);
      for (size_t i = 0; i < mid.size(); ++i) CHECK((mid[i] == V || mid[i] == x[i]));
      for (size_t s = 0; s < saves.size(); ++s)
        for (int c = 0; c < C; ++c) {
          std::int64_t masked = 0;
          for (Index j = 0; j < paths; ++j) masked += r.reveal_times[j * C + c] > saves[s];
          const double q = p.masked_probability(c, saves[s]);
          const double pv = binomial_test(masked, paths, q).p_value;
          min_p = std::min(min_p, pv);
          CAPTURE(s);
          CAPTURE(c);
          CHECK(pv > kFamilyMinP);
        }
      // masked_fraction is the same count, averaged over positions
      double total = 0;
      for (Index j = 0; j < paths; ++j) total += r.trajectory[2 * paths + j];
      std::int64_t direct = 0;
      for (double tau : r.reveal_times) direct += tau > 0.5;
      CHECK(total * C == doctest::Approx(static_cast<double>(direct)));
      if (name == "semi-ar") {  // the last position has F(1) = ln 2: about half are final draws
        std::int64_t finals = 0;
        for (Index j = 0; j < paths; ++j) finals += std::isinf(r.reveal_times[j * C + C - 1]);
        CHECK(finals > paths / 3);
      }
    }
  MESSAGE("smallest binomial p-value over 240 checks: " << min_p);
}

TEST_CASE("masked samplers, Markov-chain oracle: samples follow the chain") {
  // Exact sampler + exact oracle = exact samples. Event-driven reveals one position at a time from its exact
  // conditional, so its law is the chain's exactly; the fixed grid with 1000 steps draws two positions in one step
  // rarely enough that its bias is far below the noise of 20000 paths. Checks (each p > 1e-3): the whole-sequence law
  // (3^5 = 243 cells, chi-square with pooling), the stationary law at positions 0 and 4, and the transition law
  // x_2 | x_1 for each x_1 (one transition per sequence keeps the counts independent).
  const int C = 5, V = 3;
  const Index paths = 20000;
  const auto m = test_chain();
  const auto oracle = markov_chain_oracle(m, C);
  const auto probs = chain_sequence_probs(m, C);
  const std::vector<double> pi(m.initial.data(), m.initial.data() + V);
  struct Case {
    std::string name;
    PositionSchedulePtr schedule;
    MaskedSolver solver;
    int steps;
  };
  const std::vector<Case> cases = {{"linear", paper_text_linear_schedule(), MaskedSolver::kEventDriven, 0},
                                   {"semi-ar", semi_autoregressive_schedule(C), MaskedSolver::kEventDriven, 0},
                                   {"linear", paper_text_linear_schedule(), MaskedSolver::kFixedGrid, 1000}};
  for (const auto& cs : cases) {
    CAPTURE(cs.name);
    CAPTURE(masked_solver_name(cs.solver));
    const auto p = dirichlet_categorical_process(V, C, cs.schedule);
    const auto r = run_masked(p, *oracle, paths, options(cs.solver, cs.steps, 77));
    CHECK(chi_square_gof(sequence_counts(r, V), probs).p_value > kMinP);
    for (int c : {0, C - 1}) {
      std::vector<std::int64_t> counts(V, 0);
      for (Index j = 0; j < paths; ++j) counts[r.tokens[j * C + c]]++;
      CHECK(chi_square_gof(counts, pi).p_value > kMinP);
    }
    std::vector<std::vector<std::int64_t>> trans(V, std::vector<std::int64_t>(V, 0));
    for (Index j = 0; j < paths; ++j) trans[r.tokens[j * C + 1]][r.tokens[j * C + 2]]++;
    for (int a = 0; a < V; ++a) {
      std::vector<double> row(V);
      for (int b = 0; b < V; ++b) row[b] = m.transition(a, b);
      CHECK(chi_square_gof(trans[a], row).p_value > kMinP);
    }
  }
}

TEST_CASE("masked samplers: event-driven and fixed grid agree in law; one step does not (the test has power)") {
  // Chi-square homogeneity of whole-sequence counts (243 cells), independent seeds, 20000 paths each: p > 1e-3 with
  // 1000 steps. With 1 step every token is drawn at once from its marginal (the stationary law), independently: the
  // law is the product of marginals, and the same test rejects it (p < 1e-6).
  const int C = 5, V = 3;
  const Index paths = 20000;
  const auto oracle = markov_chain_oracle(test_chain(), C);
  const auto p = dirichlet_categorical_process(V, C, paper_text_linear_schedule());
  const auto events = run_masked(p, *oracle, paths, options(MaskedSolver::kEventDriven, 0, 5));
  const auto grid = run_masked(p, *oracle, paths, options(MaskedSolver::kFixedGrid, 1000, 6));
  const auto one = run_masked(p, *oracle, paths, options(MaskedSolver::kFixedGrid, 1, 7));
  CHECK(chi_square_homogeneity(sequence_counts(events, V), sequence_counts(grid, V)).p_value > kMinP);
  CHECK(chi_square_homogeneity(sequence_counts(events, V), sequence_counts(one, V)).p_value < 1e-6);
  // one call for the step, plus one per position left masked (the linear schedule leaves e^-10 of them)
  CHECK(one.nfe_mean == doctest::Approx(1.0 + static_cast<double>(one.leftover) / paths).epsilon(1e-12));
}

TEST_CASE("masked samplers: NFE <= min(steps, C) and equals the number of distinct reveal times") {
  // Grid: a path calls the predictor on a step only if something reveals in it. Events: one call per distinct reveal
  // time. Both: plus one call per position left masked at t = 1 (filled one at a time).
  const int C = 8, V = 3;
  const Index paths = 300;
  const auto oracle = markov_chain_oracle(test_chain(), C);
  for (const auto& schedule : {paper_text_linear_schedule(), semi_autoregressive_schedule(C)}) {
    const auto p = dirichlet_categorical_process(V, C, schedule);
    for (int steps : {1, 2, 5, 20, 200, 0}) {
      const auto solver = steps > 0 ? MaskedSolver::kFixedGrid : MaskedSolver::kEventDriven;
      auto o = options(solver, steps, 3);
      o.save_reveal_times = true;
      const auto r = run_masked(p, *oracle, paths, o);
      CAPTURE(steps);
      std::int64_t mx = 0, left = 0;
      for (Index j = 0; j < paths; ++j) {
        std::set<double> times;
        std::int64_t leftovers = 0;
        for (int c = 0; c < C; ++c) {
          const double tau = r.reveal_times[j * C + c];
          if (std::isinf(tau))
            ++leftovers;
          else
            times.insert(tau);
        }
        CHECK(r.nfe_per_path[j] == static_cast<std::int64_t>(times.size()) + leftovers);
        CHECK(r.nfe_per_path[j] <= (steps > 0 ? std::min(steps, C) : C) + leftovers);
        mx = std::max(mx, r.nfe_per_path[j]);
        left += leftovers;
      }
      CHECK(r.nfe_max == mx);
      CHECK(r.leftover == left);
    }
  }
}

TEST_CASE("masked samplers: results do not depend on threads or chunk size") {
  const int C = 6, V = 3;
  const auto oracle = markov_chain_oracle(test_chain(), C);
  const auto p = dirichlet_categorical_process(V, C, paper_text_staircase_schedule());
  for (auto solver : {MaskedSolver::kFixedGrid, MaskedSolver::kEventDriven}) {
    auto a = options(solver, 30, 11), b = a;
    a.threads = 1;
    a.chunk = 64;
    b.threads = 2;
    b.chunk = 37;
    const auto ra = run_masked(p, *oracle, 500, a), rb = run_masked(p, *oracle, 500, b);
    CHECK(ra.tokens == rb.tokens);
    CHECK(ra.nfe_per_path == rb.nfe_per_path);
    // A block of paths with first_path (an MPI rank's share) is that block of the whole run.
    auto c = a;
    c.first_path = 123;
    const auto rc = run_masked(p, *oracle, 77, c);
    CHECK(std::equal(rc.tokens.begin(), rc.tokens.end(), ra.tokens.begin() + 123 * C));
    CHECK(std::equal(rc.nfe_per_path.begin(), rc.nfe_per_path.end(), ra.nfe_per_path.begin() + 123));
  }
}

namespace {
class BrokenPredictor final : public TokenPredictor {
 public:
  explicit BrokenPredictor(double value) : value_(value) {}
  int vocab() const override { return 3; }
  int length() const override { return 4; }
  void predict_rows(const std::vector<int>&, const std::vector<double>& t, const std::vector<Index>&,
                    std::vector<double>& probs) const override {
    std::fill(probs.begin(), probs.begin() + t.size() * 12, value_);
  }
  std::string describe() const override { return "broken"; }

 private:
  double value_;
};
}  // namespace

TEST_CASE("masked samplers: bad inputs give clear errors") {
  const auto oracle = markov_chain_oracle(test_chain(), 4);
  const auto p = dirichlet_categorical_process(3, 4, paper_text_linear_schedule());
  const auto wrong_vocab = dirichlet_categorical_process(27, 4, paper_text_linear_schedule());
  const auto wrong_length = dirichlet_categorical_process(3, 5, paper_text_linear_schedule());
  const auto o = options(MaskedSolver::kEventDriven, 0, 1);
  CHECK_THROWS_WITH_AS(run_masked(wrong_vocab, *oracle, 10, o),
                       "token predictor: vocabulary mismatch: the predictor (markov-chain oracle (vocabulary 3, "
                       "length 4)) has 3 tokens, the process 27",
                       Error);
  CHECK_THROWS_AS(run_masked(wrong_length, *oracle, 10, o), Error);
  CHECK_THROWS_AS(run_masked(p, *oracle, 0, o), Error);
  auto bad_grid = options(MaskedSolver::kFixedGrid, 10, 1);
  bad_grid.grid[3] = bad_grid.grid[2];
  CHECK_THROWS_AS(run_masked(p, *oracle, 10, bad_grid), Error);
  bad_grid.grid.clear();
  CHECK_THROWS_AS(run_masked(p, *oracle, 10, bad_grid), Error);
  auto bad_save = o;
  bad_save.save_times = {1.5};
  CHECK_THROWS_AS(run_masked(p, *oracle, 10, bad_save), Error);
  CHECK_THROWS_WITH_AS(run_masked(p, BrokenPredictor(std::nan("")), 10, o),
                       "token predictor (broken): probability of token 0 at path 0, position 0 is nan; expected "
                       "finite and >= 0",
                       Error);
  CHECK_THROWS_AS(run_masked(p, BrokenPredictor(0.0), 10, o), Error);
  CHECK_THROWS_AS(parse_masked_solver("heun"), Error);
  CHECK(parse_masked_solver("fixed-grid") == MaskedSolver::kFixedGrid);
  CHECK_THROWS_AS(tokens_at(run_masked(p, *oracle, 3, o), 0.5), Error);  // reveal times not kept
  CHECK_THROWS_AS(GivenTokens({0, 1, 2, 3}, 1, 4, 3), Error);            // id 3 out of range [0, 3)
}

TEST_CASE("masked_grid: uniform points, and uniform-precision steps of the mean F_c") {
  // Bisection in make_grid stops at 1e-15 in t; mean-F increments then agree to 1e-9 relative.
  const int C = 8;
  const auto p = dirichlet_categorical_process(3, C, semi_autoregressive_schedule(C));
  const auto u = masked_grid(parse_grid("uniform"), p, 4);
  CHECK(u == std::vector<double>{0.0, 0.25, 0.5, 0.75, 1.0});
  const auto g = masked_grid(parse_grid("uniform-precision"), p, 10);
  auto meanF = [&](double t) {
    double s = 0;
    for (int c = 0; c < C; ++c) s += p.schedule->F(c, t);
    return s / C;
  };
  for (size_t i = 1; i < g.size(); ++i)
    CHECK(meanF(g[i]) - meanF(g[i - 1]) == doctest::Approx(meanF(1.0) / 10).epsilon(1e-9));
}

TEST_CASE("masked samplers: positions left masked at t = 1 are filled exactly (a forbidden transition never appears)") {
  // Schedules with F_c(1) < infinity leave positions masked at t = 1 (constant c = 1: each with probability e^-1;
  // c = 0.2: 0.82; semi-ar width 0.3: the right half often). Drawing them all from one prediction (the old final draw)
  // is a product of marginals: with a -> c forbidden it made thousands of "ac" bigrams and the sequence-law
  // chi-square gave p ~ 0. Filled one at a time through the oracle, the law is the chain's exactly: zero forbidden
  // bigrams with event-driven (an exact count) and the 243-cell chi-square at p > 1e-3 on 20000 paths. The fixed grid
  // (1000 steps) adds its own error, two positions revealed in one step drawn independently: about 4 c_max^2 / 1000
  // adjacent pairs per path (c_max the largest rate: 1 for constant:c=1, up to 1/(4 w) = 0.83 for semi-ar), of which
  // < 1/4 form a forbidden pair: <= 1e-3 forbidden bigrams per path, so <= 60 of 20000 (the old final draw made
  // thousands); without those paths (cells of probability 0, which would make any chi-square p = 0) its law passes
  // the same chi-square, the grid error being below what 20000 paths resolve.
  const int C = 5, V = 3;
  const Index paths = 20000;
  Eigen::MatrixXd P(3, 3);
  P << 0.50, 0.50, 0.00,  // a -> c forbidden
      0.30, 0.10, 0.60,   //
      0.60, 0.30, 0.10;
  const auto m = markov_chain(P);
  const auto oracle = markov_chain_oracle(m, C);
  const auto probs = chain_sequence_probs(m, C);
  struct Case {
    std::string name;
    PositionSchedulePtr schedule;
  };
  const std::vector<Case> cases = {{"constant:c=1", parse_position_schedule("constant:c=1", C)},
                                   {"constant:c=0.2", parse_position_schedule("constant:c=0.2", C)},
                                   {"semi-ar:width=0.3", parse_position_schedule("semi-ar:width=0.3", C)}};
  for (const auto& cs : cases)
    for (auto solver : {MaskedSolver::kEventDriven, MaskedSolver::kFixedGrid}) {
      CAPTURE(cs.name);
      CAPTURE(masked_solver_name(solver));
      const auto p = dirichlet_categorical_process(V, C, cs.schedule);
      const auto r = run_masked(p, *oracle, paths, options(solver, 1000, 21));
      std::int64_t forbidden = 0;
      for (Index j = 0; j < paths; ++j)
        for (int c = 0; c + 1 < C; ++c) forbidden += r.tokens[j * C + c] == 0 && r.tokens[j * C + c + 1] == 2;
      auto counts = sequence_counts(r, V);
      if (solver == MaskedSolver::kFixedGrid)
        for (size_t k = 0; k < counts.size(); ++k)
          if (probs[k] == 0) counts[k] = 0;
      const double pv = chi_square_gof(counts, probs).p_value;
      MESSAGE(cs.name << " " << masked_solver_name(solver) << ": " << forbidden << " forbidden bigrams, " << r.leftover
                      << " leftovers, chi-square p " << pv);
      CHECK(forbidden <= (solver == MaskedSolver::kEventDriven ? 0 : 60));
      CHECK(pv > kMinP);
      CHECK(r.leftover > paths / 2);  // the case is exercised: at least e^-1 of 5 positions per path on average
      CHECK(r.leftover_paths <= paths);
    }
}
