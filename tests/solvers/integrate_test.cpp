// The integrate driver and the solver registry: bitwise determinism across thread counts and chunk sizes,
// NFE counts (checked against the predictor calls actually made), trajectory layout and save times,
// denoise, progress, initial states, boundary errors, error propagation from workers, and the registry's
// refusal of unfitting process/solver pairs.
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <pmm/models/oracles/builtin.hpp>
#include <pmm/models/oracles/oracle.hpp>
#include <pmm/core/error.hpp>
#include <pmm/processes/schedule.hpp>
#include <pmm/solvers/euler_maruyama.hpp>
#include <pmm/solvers/exact_step.hpp>
#include <pmm/solvers/heun.hpp>
#include <pmm/solvers/registry.hpp>
#include <pmm/solvers/tau_leap.hpp>

#include "test_helpers.hpp"

namespace {

using pmm::Batch;
using pmm::Index;

using pmm_test::uniform_grid;

pmm::NormalProcess normal_process() {
  pmm::NormalProcess p;
  p.schedule = pmm::exponential_schedule();
  return p;
}

pmm::GammaPoissonProcess gp_process() {
  pmm::GammaPoissonProcess p;
  p.schedule = pmm::exponential_schedule();
  return p;
}

pmm::InverseGammaGammaProcess igg_process() {
  pmm::InverseGammaGammaProcess p;
  p.schedule = pmm::exponential_schedule();
  return p;
}

// Wraps a predictor, counting evaluated columns and the threads that called it.
class Counting final : public pmm::Predictor {
 public:
  Counting(const pmm::Predictor& inner, bool concurrent = true) : inner_(inner), concurrent_(concurrent) {}
  Index dim() const override { return inner_.dim(); }
  void predict(const Batch& mu, double t, Index path0, Batch& out) const override {
    columns_ += mu.cols();
    {
      std::lock_guard<std::mutex> lock(mutex_);
      threads_.insert(std::this_thread::get_id());
    }
    inner_.predict(mu, t, path0, out);
  }
  bool concurrent() const override { return concurrent_; }
  Index preferred_batch() const override { return inner_.preferred_batch(); }
  std::string describe() const override { return "counting " + inner_.describe(); }
  std::int64_t columns() const { return columns_; }
  size_t thread_count() const { return threads_.size(); }

 private:
  const pmm::Predictor& inner_;
  bool concurrent_;
  mutable std::atomic<std::int64_t> columns_{0};
  mutable std::mutex mutex_;
  mutable std::set<std::thread::id> threads_;
};

class Throwing final : public pmm::Predictor {
 public:
  Index dim() const override { return 1; }
  void predict(const Batch& mu, double t, Index path0, Batch& out) const override {
    if (path0 >= 40) throw pmm::Error("throwing predictor: path " + std::to_string(path0));
    out.setZero(1, mu.cols());
  }
  Index preferred_batch() const override { return 10; }
  std::string describe() const override { return "throwing"; }
};

using pmm_test::error_of;

struct Case {
  pmm::AnyProcess process;
  pmm::OraclePtr oracle;
};

std::vector<Case> all_cases() {
  const auto p = normal_process();
  const auto q = gp_process();
  const auto g = igg_process();
  Batch scales = Batch::Random(2, 30).array().abs() + 0.1;  // Gamma scales > 0, dim 2
  return {{p, pmm::builtin_oracle(p, "gmm2d")},
          {p, pmm::builtin_oracle(p, "ring8")},
          {p, pmm::finite_set_oracle(p, Batch::Random(5, 40))},  // dim 5: GEMM depth > 2
          {q, pmm::builtin_oracle(q, "gamma-mix")},
          {q, pmm::builtin_oracle(q, "counts3")},
          // Gamma draws: a chunk of 1 or 7 paths takes gathered trials of a few lanes, the whole batch full ones
          {g, pmm::builtin_oracle(g, "scales3")},
          {g, pmm::finite_set_oracle(g, scales)}};
}

}  // namespace

TEST_CASE("integrate: bitwise identical results for threads 1, 2, 3 and chunks 1, 7, 64, all") {
  // Noise is keyed on (seed, global path, step, coordinate) and every oracle treats columns independently,
  // so the split of paths into chunks and threads must not change a single bit.
  const Index paths = 150;
  for (const auto& c : all_cases()) {
    for (const auto& solver : pmm::solvers_for(pmm::process_name(c.process))) {
      pmm::IntegrateOptions opt;
      opt.grid = uniform_grid(12);
      opt.save_every = 5;
      opt.denoise = true;
      const pmm::PhiloxNoise noise(99);
      const auto base = pmm::solve(c.process, solver, *c.oracle, noise, paths, opt);
      REQUIRE(base.final.allFinite());
      for (int threads : {1, 2, 3})
        for (Index chunk : {Index(1), Index(7), Index(64), paths}) {
          opt.threads = threads;
          opt.chunk = chunk;
          const auto r = pmm::solve(c.process, solver, *c.oracle, noise, paths, opt);
          INFO(c.oracle->describe() << " " << solver << " threads " << threads << " chunk " << chunk);
          CHECK((r.final == base.final).all());
          CHECK(r.trajectory == base.trajectory);
          CHECK(r.nfe_max == base.nfe_max);
        }
    }
  }
}

// A schedule that counts its evaluations (F and f), for the driver's once-per-grid coefficients.
class CountingSchedule final : public pmm::Schedule {
 public:
  explicit CountingSchedule(pmm::SchedulePtr s) : s_(std::move(s)) {}
  double f(double t) const override { return ++calls, s_->f(t); }
  double F(double t) const override { return ++calls, s_->F(t); }
  std::string describe() const override { return s_->describe(); }
  mutable std::atomic<long> calls{0};

 private:
  pmm::SchedulePtr s_;
};

TEST_CASE("integrate: the schedule is evaluated once per grid, not per chunk; the steps get step_coefficients' bits") {
  const auto grid = uniform_grid(12);
  const auto exp_schedule = pmm::exponential_schedule();
  const auto coef = pmm::grid_coefficients(*exp_schedule, grid);
  REQUIRE(coef.size() == 12);
  for (size_t s = 0; s < coef.size(); ++s) {
    const pmm::StepCoefficients c = pmm::step_coefficients(*exp_schedule, grid[s], grid[s + 1]);
    CHECK(std::memcmp(&c, &coef[s], sizeof c) == 0);
  }
  CHECK(pmm::grid_coefficients(*exp_schedule, {0.0}).empty());
  // Every SDE solver of the Gamma-Poisson process given x (a predictor that reads no schedule) over 40 paths in chunks
  // of 1 (40 chunks) and in one chunk: the same schedule calls (5 a step: F at t0, t1, the midpoint, f at t0, t1; 60
  // per chunk before) and the same bits.
  const auto counting = std::make_shared<CountingSchedule>(exp_schedule);
  pmm::GammaPoissonProcess q;
  q.schedule = counting;
  Batch x(1, 40);
  for (Index j = 0; j < 40; ++j) x(0, j) = j % 3 == 0 ? 0.0 : 0.5 * static_cast<double>(j);
  const auto oracle = std::make_unique<pmm::GivenX>(x);
  for (const auto& solver : pmm::sde_solvers_for("gamma-poisson")) {
    pmm::IntegrateOptions opt;
    opt.grid = grid;
    opt.chunk = 1;
    const pmm::PhiloxNoise noise(3);
    counting->calls = 0;
    const auto a = pmm::solve(q, solver, *oracle, noise, 40, opt);
    const long per_chunk = counting->calls;
    opt.chunk = 40;
    counting->calls = 0;
    const auto b = pmm::solve(q, solver, *oracle, noise, 40, opt);
    INFO(solver << ": " << per_chunk << " schedule calls in 40 chunks, " << counting->calls << " in one");
    CHECK(per_chunk == counting->calls);
    CHECK(per_chunk == 5 * 12);
    CHECK((a.final == b.final).all());
  }
}

TEST_CASE("integrate: blocks of paths run with first_path reproduce the whole run bit for bit") {
  // What an MPI rank does (apps/mpi): paths [first, first + count) of the job with first_path = first. Splits at odd
  // paths too (the normal generator pairs paths 2k, 2k + 1). Every SDE solver of every process; the ODE solvers
  // split at their chunk (the adaptive one shares its steps within a chunk).
  const Index paths = 150;
  for (const auto& c : all_cases()) {
    auto solvers = pmm::solvers_for(pmm::process_name(c.process));
    if (pmm::process_name(c.process) == "normal") solvers.insert(solvers.end(), {"ode", "ode-rk4"});
    for (const auto& solver : solvers) {
      const bool ode = pmm::is_ode_solver(solver);
      pmm::IntegrateOptions opt;
      opt.grid = uniform_grid(12);
      opt.save_every = ode ? 0 : 5;
      opt.chunk = ode ? 50 : 0;
      const pmm::PhiloxNoise noise(99);
      const auto whole = pmm::solve(c.process, solver, *c.oracle, noise, paths, opt);
      const std::vector<std::pair<Index, Index>> blocks =
          ode ? std::vector<std::pair<Index, Index>>{{0, 50}, {50, 100}}
              : std::vector<std::pair<Index, Index>>{{0, 37}, {37, 1}, {38, 75}, {113, 37}};
      for (const auto& [first, count] : blocks) {
        opt.first_path = first;
        const auto part = pmm::solve(c.process, solver, *c.oracle, noise, count, opt);
        INFO(c.oracle->describe() << " " << solver << " block " << first << " + " << count);
        CHECK((part.final == whole.final.middleCols(first, count)).all());
        const Index dim = whole.final.rows();
        for (size_t s = 0; s < part.save_times.size(); ++s)
          CHECK(std::equal(part.trajectory.begin() + s * count * dim, part.trajectory.begin() + (s + 1) * count * dim,
                           whole.trajectory.begin() + s * paths * dim + first * dim));
      }
      opt.first_path = (Index(1) << 32) - 10;
      CHECK_THROWS_AS(pmm::solve(c.process, solver, *c.oracle, noise, 11, opt), pmm::Error);
    }
  }
}

TEST_CASE("integrate: NFE is 1 per step (2 for heun and tau-leap-midpoint), +1 with denoise, as evaluated") {
  const Index paths = 37;
  for (const auto& c : all_cases()) {
    for (const auto& solver : pmm::solvers_for(pmm::process_name(c.process))) {
      const int per_step = solver == "heun" || solver == "tau-leap-midpoint" ? 2 : 1;
      CHECK(pmm::solver_nfe_per_step(solver) == per_step);
      for (bool denoise : {false, true}) {
        const Counting counting(*c.oracle);
        pmm::IntegrateOptions opt;
        opt.grid = uniform_grid(9);
        opt.denoise = denoise;
        opt.chunk = 10;
        opt.threads = 2;
        const auto r = pmm::solve(c.process, solver, counting, pmm::PhiloxNoise(5), paths, opt);
        const std::int64_t expected = 9 * per_step + (denoise ? 1 : 0);
        INFO(solver << " denoise " << denoise);
        CHECK(r.nfe_max == expected);
        CHECK(counting.columns() == expected * paths);  // every path evaluated exactly nfe times
      }
    }
  }
}

TEST_CASE("integrate: trajectory layout [saves, paths, dim] and save times") {
  const auto p = normal_process();
  const auto oracle = pmm::builtin_oracle(p, "gmm2d");
  const Index paths = 23, dim = 2;
  const int n = 10;
  const pmm::PhiloxNoise noise(3);
  pmm::IntegrateOptions opt;
  opt.grid = pmm::make_grid(pmm::parse_grid("power:rho=2"), *p.schedule, n);
  opt.chunk = 7;
  opt.save_every = 1;
  const auto all = pmm::integrate(pmm::Heun{}, p, *oracle, noise, paths, opt);
  REQUIRE(all.save_times.size() == static_cast<size_t>(n + 1));
  REQUIRE(all.trajectory.size() == static_cast<size_t>((n + 1) * paths * dim));
  CHECK(all.save_times == opt.grid);
  // Save 0 is the prior mean; the last save is the final state (no denoise), same memory order.
  bool start = true;
  for (size_t k = 0; k < static_cast<size_t>(paths * dim); ++k) start = start && all.trajectory[k] == 0.0;
  CHECK(start);
  const size_t block = static_cast<size_t>(paths * dim);
  CHECK(std::equal(all.final.data(), all.final.data() + block, all.trajectory.begin() + n * block));
  // Element (save s, path j, coordinate d) sits at (s * paths + j) * dim + d.
  CHECK(all.trajectory[(n * paths + 5) * dim + 1] == all.final(1, 5));

  SUBCASE("save_every = 3 with 10 steps saves steps 0, 3, 6, 9 and the last step 10") {
    opt.save_every = 3;
    const auto r = pmm::integrate(pmm::Heun{}, p, *oracle, noise, paths, opt);
    const std::vector<int> steps = {0, 3, 6, 9, 10};
    REQUIRE(r.save_times.size() == steps.size());
    REQUIRE(r.trajectory.size() == steps.size() * block);
    for (size_t s = 0; s < steps.size(); ++s) {
      CHECK(r.save_times[s] == opt.grid[steps[s]]);
      CHECK(std::equal(r.trajectory.begin() + s * block, r.trajectory.begin() + (s + 1) * block,
                       all.trajectory.begin() + steps[s] * block));
    }
    CHECK(pmm::save_steps(10, 3) == steps);
  }
  SUBCASE("save_every = 0 saves nothing; save_every >= steps saves the start and the end") {
    opt.save_every = 0;
    auto r = pmm::integrate(pmm::Heun{}, p, *oracle, noise, paths, opt);
    CHECK(r.save_times.empty());
    CHECK(r.trajectory.empty());
    CHECK((r.final == all.final).all());
    for (int every : {10, 25}) {
      opt.save_every = every;
      r = pmm::integrate(pmm::Heun{}, p, *oracle, noise, paths, opt);
      CHECK(r.save_times == std::vector<double>{0.0, 1.0});
      CHECK(r.trajectory.size() == 2 * block);
    }
  }
  SUBCASE("denoise replaces the final state by g(mu(1), 1); the trajectory keeps mu(1)") {
    opt.denoise = true;
    const auto r = pmm::integrate(pmm::Heun{}, p, *oracle, noise, paths, opt);
    CHECK(r.trajectory == all.trajectory);
    Batch g(dim, paths);
    oracle->predict(all.final, 1.0, 0, g);
    CHECK((r.final - g).abs().maxCoeff() <= 1e-14);  // same columns, another batch split: round-off only
    CHECK(r.nfe_max == all.nfe_max + 1);
  }
}

TEST_CASE("integrate: progress, initial state, non-concurrent predictors and boundary errors") {
  const auto p = normal_process();
  const auto oracle = pmm::builtin_oracle(p, "atoms3");
  const pmm::PhiloxNoise noise(8);
  const Index paths = 50;
  pmm::IntegrateOptions opt;
  opt.grid = uniform_grid(6);
  opt.chunk = 9;
  opt.threads = 3;

  SUBCASE("progress reports paths x steps in total") {
    std::atomic<std::int64_t> done{0};
    opt.progress = [&](std::int64_t k) { done += k; };
    pmm::integrate(pmm::EulerMaruyama{}, p, *oracle, noise, paths, opt);
    CHECK(done == paths * 6);
  }
  SUBCASE("initial states are used, and must be dim x paths") {
    const Batch init = Batch::Constant(1, paths, 0.25);
    opt.initial = &init;
    opt.save_every = 6;
    const auto r = pmm::integrate(pmm::EulerMaruyama{}, p, *oracle, noise, paths, opt);
    CHECK(r.trajectory[0] == 0.25);
    CHECK(r.trajectory[paths - 1] == 0.25);
    const Batch wrong = Batch::Zero(1, paths - 1);
    opt.initial = &wrong;
    CHECK(error_of([&] { pmm::integrate(pmm::EulerMaruyama{}, p, *oracle, noise, paths, opt); }).rfind("initial:", 0) == 0);
  }
  SUBCASE("a predictor that is not concurrent is called from one thread only") {
    const Counting serial(*oracle, false), parallel(*oracle, true);
    pmm::integrate(pmm::EulerMaruyama{}, p, serial, noise, paths, opt);
    pmm::integrate(pmm::EulerMaruyama{}, p, parallel, noise, paths, opt);
    CHECK(serial.thread_count() == 1);
    CHECK(parallel.thread_count() >= 1);
  }
  SUBCASE("errors thrown by the predictor in a worker thread reach the caller") {
    const Throwing bad;
    for (int threads : {1, 3}) {
      opt.threads = threads;
      const std::string msg = error_of([&] { pmm::integrate(pmm::EulerMaruyama{}, p, bad, noise, paths, opt); });
      CHECK(msg.find("throwing predictor") != std::string::npos);
    }
  }
  SUBCASE("boundary checks name the argument") {
    CHECK(error_of([&] { pmm::integrate(pmm::EulerMaruyama{}, p, *oracle, noise, 0, opt); }).rfind("paths:", 0) == 0);
    for (const std::vector<double>& grid : {std::vector<double>{0.0}, std::vector<double>{0.1, 1.0},
                                            std::vector<double>{0.0, 0.9}, std::vector<double>{}}) {
      opt.grid = grid;
      CHECK(error_of([&] { pmm::integrate(pmm::EulerMaruyama{}, p, *oracle, noise, paths, opt); }).rfind("grid:", 0) == 0);
    }
    opt.grid = uniform_grid(3);
    opt.threads = 0;
    CHECK(error_of([&] { pmm::integrate(pmm::EulerMaruyama{}, p, *oracle, noise, paths, opt); }).rfind("threads:", 0) == 0);
  }
}

TEST_CASE("registry: unfitting pairs are refused with the fitting solvers listed; orders match the steppers") {
  CHECK(pmm::solvers_for("normal") == std::vector<std::string>{"exact", "euler-maruyama", "heun"});
  CHECK(pmm::solvers_for("gamma-poisson") ==
        std::vector<std::string>{"exact", "tau-leap", "tau-leap-midpoint", "euler-maruyama"});
  {
    const std::string msg = error_of([] { pmm::check_solver("gamma-poisson", "heun"); });
    INFO(msg);
    CHECK(msg.rfind("solver:", 0) == 0);
    CHECK(msg.find("heun") != std::string::npos);
    for (const auto& s : pmm::solvers_for("gamma-poisson")) CHECK(msg.find(s) != std::string::npos);
  }
  for (const std::string solver : {"tau-leap", "tau-leap-midpoint"}) {
    const std::string msg = error_of([&] { pmm::check_solver("normal", solver); });
    INFO(msg);
    CHECK(msg.find("use one of: exact, euler-maruyama, heun") != std::string::npos);
  }
  {
    const std::string msg = error_of([] { pmm::check_solver("normal", "rk4"); });
    CHECK(msg.rfind("solver:", 0) == 0);
    for (const auto& s : pmm::all_solvers()) CHECK(msg.find(s) != std::string::npos);
  }
  CHECK(error_of([] { pmm::check_solver("dirichlet", "exact"); }).rfind("process:", 0) == 0);
  for (const auto& process : {"normal", "gamma-poisson"})
    for (const auto& s : pmm::solvers_for(process)) CHECK_NOTHROW(pmm::check_solver(process, s));
  // Orders follow from the process's noise (additive: strong 1; jumps: 1/2), not from the stepper alone.
  CHECK(pmm::solver_orders("normal", "exact").strong == 1.0);
  CHECK(pmm::solver_orders("gamma-poisson", "exact").strong == 0.5);
  CHECK(pmm::solver_orders("normal", "euler-maruyama").strong == 1.0);
  CHECK(pmm::solver_orders("normal", "heun").weak == 2.0);
  CHECK(pmm::solver_orders("gamma-poisson", "tau-leap").strong == 0.5);
  CHECK(pmm::solver_orders("gamma-poisson", "tau-leap-midpoint").weak == 1.0);
  // Multiplicative noise: strong order 1/2; diffusion approximations of jump processes do not converge to them.
  CHECK(pmm::solver_orders("inverse-gamma-gamma", "euler-maruyama").strong == 0.5);
  CHECK_FALSE(pmm::solver_orders("gamma-poisson", "euler-maruyama").converges);
  CHECK_FALSE(pmm::solver_orders("inverse-gamma-gamma", "euler-maruyama").converges);
  CHECK(pmm::solver_orders("normal", "euler-maruyama").converges);
  CHECK_THROWS_AS(pmm::solver_orders("normal", "rk4"), pmm::Error);

  // solve() refuses too, and otherwise equals the stepper called directly, bit for bit.
  const auto p = gp_process();
  const auto oracle = pmm::builtin_oracle(p, "counts3");
  pmm::IntegrateOptions opt;
  opt.grid = uniform_grid(5);
  const pmm::PhiloxNoise noise(4);
  CHECK(error_of([&] { pmm::solve(p, "heun", *oracle, noise, 10, opt); }).find("tau-leap") != std::string::npos);
  CHECK((pmm::solve(p, "tau-leap", *oracle, noise, 10, opt).final ==
         pmm::integrate(pmm::TauLeap{}, p, *oracle, noise, 10, opt).final).all());
  CHECK(pmm::process_name(p) == "gamma-poisson");
  CHECK(pmm::process_name(normal_process()) == "normal");
}

TEST_CASE("tau-leap and exact step: the Gamma-Poisson FixedDivisor loops give the generic loops' bits") {
  // solvers/tau_leap.cpp's count rebuild and midpoint states and solvers/exact_step.cpp's count fold divide by a
  // FixedDivisor (FMA clones); the header's generic template loops (one division an element) are the reference.
  // Lengths that leave remainders of the 64-element blocks; states on and off the count lattice; counts 0, 1 and huge;
  // a prior shape so small that the numerators leave the FMA quotient's range; NaN and infinite states; a divisor out
  // of range.
  for (const double beta1 : {0.1, 3.0, 1e-300}) {
    for (const double F1 : {0.25, 442.0, 1e130}) {
      pmm::GammaPoissonLaw law;
      law.beta1 = beta1;
      law.beta2 = 2.0;
      const double F0 = 0.2;
      for (const pmm::Index n : {1, 7, 63, 64, 65, 1001}) {
        std::vector<double> mu(static_cast<size_t>(n)), k(mu.size());
        for (size_t i = 0; i < mu.size(); ++i) {
          const double N = static_cast<double>(i % 23);
          mu[i] = law.posterior_mean(N, F0) * (i % 5 == 0 ? 1.0 + 1e-3 * static_cast<double>(i % 7) : 1.0);
          k[i] = i % 3 == 0 ? 0.0 : (i % 29 == 0 ? 1e15 : static_cast<double>(i % 9));
        }
        if (n > 10) {
          mu[3] = std::nan("");
          mu[4] = HUGE_VAL;
          mu[5] = 0.0;
        }
        std::vector<double> a = mu, b = mu;
        pmm::detail::leap_rebuild(law, F0, F1, a.data(), k.data(), n);  // the clones
        pmm::detail::leap_rebuild<pmm::GammaPoissonLaw>(law, F0, F1, b.data(), k.data(), n);
        long differ = 0;
        for (size_t i = 0; i < a.size(); ++i) differ += std::memcmp(&a[i], &b[i], sizeof(double)) != 0;
        CHECK(differ == 0);
        a = mu;
        b = mu;
        pmm::detail::exact_observe_counts(law, F0, F1 - F0, a.data(), k.data(), n);
        pmm::detail::exact_observe_counts<pmm::GammaPoissonLaw>(law, F0, F1 - F0, b.data(), k.data(), n);
        differ = 0;
        for (size_t i = 0; i < a.size(); ++i) differ += std::memcmp(&a[i], &b[i], sizeof(double)) != 0;
        CHECK(differ == 0);
        pmm::detail::midpoint_states(law, F0, F1, mu.data(), k.data(), a.data(), n);  // F1 as the midpoint's F_h
        pmm::detail::midpoint_states<pmm::GammaPoissonLaw>(law, F0, F1, mu.data(), k.data(), b.data(), n);
        differ = 0;
        for (size_t i = 0; i < a.size(); ++i) differ += std::memcmp(&a[i], &b[i], sizeof(double)) != 0;
        CHECK(differ == 0);
      }
    }
  }
}

TEST_CASE("exact step: the cloned Inverse-Gamma-Gamma fold gives the generic loop's bits") {
  // solvers/exact_step.cpp runs the header's loop compiled for AVX-512/AVX2/baseline; the generic template instance
  // here is the reference. Lengths that leave remainders, g <= 0 (observation 0), zero and huge draws.
  pmm::InverseGammaGammaLaw law;
  law.beta1 = 2.5;
  law.beta2 = 0.7;
  for (const pmm::Index n : {1, 7, 8, 63, 64, 1001}) {
    std::vector<double> mu(static_cast<size_t>(n)), g(mu.size()), G(mu.size());
    for (size_t i = 0; i < mu.size(); ++i) {
      mu[i] = 0.1 + 0.37 * static_cast<double>(i % 11);
      g[i] = static_cast<double>(static_cast<int>(i % 5) - 1) * 1.3;  // -1.3, 0, 1.3, 2.6, 3.9
      G[i] = i % 13 == 0 ? 0.0 : (i % 17 == 0 ? 1e300 : 1e-3 * static_cast<double>(i * i % 97));
    }
    std::vector<double> a = mu, b = mu;
    pmm::detail::exact_observe(law, 0.03, 0.011, a.data(), g.data(), G.data(), n);             // the clones
    pmm::detail::exact_observe<pmm::InverseGammaGammaLaw>(law, 0.03, 0.011, b.data(), g.data(), G.data(), n);
    long differ = 0;
    for (size_t i = 0; i < a.size(); ++i) differ += std::memcmp(&a[i], &b[i], sizeof(double)) != 0;
    CHECK(differ == 0);
    // and the law's own update, element by element
    for (size_t i = 0; i < a.size(); ++i) CHECK(a[i] == law.update(mu[i], law.observation(g[i], G[i]), 0.03, 0.011));
  }
}
