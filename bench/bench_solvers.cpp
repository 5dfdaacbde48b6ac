// pmm-bench-solvers: path-steps per second of every solver on the given-x processes (the hot loop:
// noise generation + batch update), on 1..T threads. The Normal SDE case is the one the NumPy loop in
// bench/numpy_sde.py runs (exponential schedule, float64, 3 atoms, Euler-Maruyama); Gamma-Poisson tau-leap and the
// Inverse-Gamma-Gamma exact step are the ones bench/numpy_jump.py runs (same schedule and grid, counts3 / scales3).
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "apps/common/options.hpp"
#include <pmm/models/oracles/builtin.hpp>
#include <pmm/solvers/registry.hpp>

namespace pmm {
namespace {

// --scalar-noise: PhiloxNoise's draws through NoiseSource's per-draw loops (scalar poisson_draw / gamma_draw per
// element, as before the SIMD samplers), to time the samplers alone in the same run.
class ScalarNoise final : public NoiseSource {
 public:
  explicit ScalarNoise(std::uint64_t seed) : inner_(seed) {}
  void normals(const StepInfo& s, Index path0, Batch& out) const override { inner_.normals(s, path0, out); }
  double poisson(const StepInfo& s, Index path, Index coord, double mean) const override {
    return inner_.poisson(s, path, coord, mean);
  }
  std::uint64_t seed() const override { return inner_.seed(); }

 private:
  PhiloxNoise inner_;
};

int run(int argc, char** argv) {
  long long paths = 1 << 17;
  int steps = 1000, max_threads = 2, repeats = 3;
  long long chunk = 512;
  std::string only, only_process;
  bool scalar_noise = false;
  CLI::App app{"pmm-bench-solvers: throughput (path-steps/s) of each solver, given x, per thread count"};
  app.add_option("--paths", paths, "paths")->check(positive_int());
  app.add_option("--steps", steps, "steps")->check(positive_int());
  app.add_option("--threads", max_threads, "largest thread count (runs 1 and this)")->check(positive_int());
  app.add_option("--repeats", repeats, "best of R runs")->check(positive_int());
  app.add_option("--chunk", chunk, "paths per task (default 512; 0: the predictor's preferred batch, as pmm-solve)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--only", only, "run only this solver");
  app.add_option("--process", only_process, "run only this process");
  app.add_flag("--scalar-noise", scalar_noise, "Poisson/Gamma draws one at a time (the scalar samplers), not in SIMD");
  parse_args(app, argc, argv);

  NormalProcess np;
  np.schedule = exponential_schedule();
  GammaPoissonProcess gp;
  gp.schedule = exponential_schedule();
  InverseGammaGammaProcess ip;
  ip.schedule = exponential_schedule();
  const auto no = builtin_oracle(np, "atoms3");
  const auto go = builtin_oracle(gp, "counts3");
  const auto io = builtin_oracle(ip, "scales3");
  GivenX nx(no->sample(paths, 7)), gx(go->sample(paths, 7)), ix(io->sample(paths, 7));
  struct Case { std::string process, solver; };
  const std::vector<Case> cases = {{"normal", "euler-maruyama"}, {"normal", "heun"}, {"normal", "exact"},
                                   {"gamma-poisson", "tau-leap"}, {"gamma-poisson", "tau-leap-midpoint"},
                                   {"gamma-poisson", "exact"}, {"gamma-poisson", "euler-maruyama"},
                                   {"inverse-gamma-gamma", "exact"}};
  std::printf("process,solver,threads,paths,steps,seconds,path_steps_per_s\n");
  std::vector<int> thread_counts = {1};
  if (max_threads > 1) thread_counts.push_back(max_threads);
  for (const auto& c : cases) {
    if (!only.empty() && c.solver != only) continue;
    if (!only_process.empty() && c.process != only_process) continue;
    for (int th : thread_counts) {
      double best = 1e300;
      for (int r = 0; r < repeats; ++r) {
        IntegrateOptions opt;
        opt.grid = make_grid(GridSpec{}, *np.schedule, steps);
        opt.threads = th;
        opt.chunk = static_cast<Index>(chunk);
        PhiloxNoise simd_noise(1);
        ScalarNoise scalar(1);
        const NoiseSource& noise = scalar_noise ? static_cast<const NoiseSource&>(scalar) : simd_noise;
        const AnyProcess p = c.process == "normal"          ? AnyProcess(np)
                             : c.process == "gamma-poisson" ? AnyProcess(gp)
                                                            : AnyProcess(ip);
        const Predictor& pred = c.process == "normal"          ? static_cast<const Predictor&>(nx)
                                : c.process == "gamma-poisson" ? static_cast<const Predictor&>(gx)
                                                               : ix;
        const auto res = solve(p, c.solver, pred, noise, paths, opt);
        best = std::min(best, res.seconds);
      }
      std::printf("%s,%s,%d,%lld,%d,%.4f,%.4g\n", c.process.c_str(), c.solver.c_str(), th, paths, steps, best,
                  static_cast<double>(paths) * steps / best);
      std::fflush(stdout);
    }
  }
  return 0;
}

}  // namespace
}  // namespace pmm

int main(int argc, char** argv) { return pmm::run_app(argc, argv, pmm::run); }
