// pmm-bench-ceiling: the CPU's own ceiling for the Normal SDE and where the time goes. Euler-Maruyama given x,
//   mu <- mu + f (x - mu)/(b + F) dt + sqrt(f dt)/(b + F) xi,  xi ~ N(0, 1) from Philox4x32-10 + Box-Muller,
// needs one standard normal per coordinate-step, so the normal generator alone (fill_normals, the very function the
// solvers call) bounds it: EM coordinate-steps/s <= normals/s. Rows (CSV):
//   clock    the core's clock (cycles/s by a chain of dependent multiplies), first and last: cycles = ns x GHz
//   philox   Philox4x32-10 blocks/s alone (philox_uniform_pairs: the rounds and the 53-bit uniforms, no Box-Muller)
//   normals  standard normals/s (fill_normals into a dim x paths batch: Philox + Box-Muller + the strided store)
//   em       Euler-Maruyama coordinate-steps/s through solve() (given x, exponential schedule), and its fraction
//            of the normals/s of the same run
//   paths / steps / dim   EM's cost per coordinate-step as paths (10^3..10^7), steps (10..10^4) or dimension
//            (1..3072) grow, the others fixed: where fixed costs (per chunk, per step) and cache misses show.
//   poisson / gamma   the jump processes' samplers alone (poisson_lanes, gamma_lanes: what the solvers call for a
//            row of a chunk) per draw, at fixed levels (column parameter): Poisson means spread over [m/2, 3m/2]
//            within each block of 64 lanes, as a solver's paths differ; one Gamma shape for the row, as in a solver
//            step. Where the time goes as the schedule moves a step's means or shapes across the samplers' branches.
//   tau-leap-draws   the Poisson draws of pmm-bench-solvers' tau-leap row, its steps grouped by band (parameter: the
//            band's first dF; none: all 1000 steps; column steps: the steps in the band): what each band costs a draw.
// Every figure is the best of --repeats runs on --threads threads; the SIMD variant (PMM_SIMD; on AVX-512 with the
// Philox kernel's high-word choice, PMM_PHILOX_HIGH) is printed with them.
// Rates are given by wall time and by process CPU time (user + sys of all threads): on a machine shared with other
// jobs the CPU-time rate of a 1-thread row is what the code costs, the wall-time rate what it took.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "apps/common/options.hpp"
#include <pmm/random/noise.hpp>
#include <pmm/solvers/registry.hpp>

namespace pmm {
namespace {

using Clock = std::chrono::steady_clock;

double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

struct Seconds {
  double wall = 1e300, cpu = 1e300;  // best of the repeats, each
};

template <class F>
Seconds best_seconds(int repeats, F&& f) {
  Seconds best;
  for (int r = 0; r < repeats; ++r) {
    const auto t0 = Clock::now();
    const double c0 = cpu_seconds();
    f();
    best.cpu = std::min(best.cpu, cpu_seconds() - c0);
    best.wall = std::min(best.wall, std::chrono::duration<double>(Clock::now() - t0).count());
  }
  return best;
}

struct Rate {
  double wall = 0, cpu = 0;  // units per second
};
Rate rate(double units, Seconds s) { return {units / s.wall, units / s.cpu}; }

// The clock the core runs at now, in Hz (cycles of a row = its ns x this): a chain of `multiplies` dependent 64-bit
// integer multiplies, 3 cycles each on x86-64 cores (Intel since Nehalem, AMD Zen), timed `repeats` times, the
// fastest kept (a preempted run is only slower). In a VM /proc/cpuinfo gives the nominal clock, not this one. NaN
// where there is no such chain (not x86-64).
double core_clock_hz(long multiplies, int repeats) {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
  const long loops = std::max(1L, multiplies / 10);
  const Seconds s = best_seconds(repeats, [&] {
    std::uint64_t v = 3;
    asm volatile("mov %1, %%rcx\n1:\n.rept 10\nimul %0, %0\n.endr\ndec %%rcx\njnz 1b\n"
                 : "+r"(v)
                 : "r"(loops)
                 : "rcx", "cc");
  });
  return 3.0 * 10.0 * static_cast<double>(loops) / s.wall;
#else
  (void)multiplies;
  (void)repeats;
  return std::nan("");
#endif
}

// Philox blocks alone: n counters per call, `calls` calls (one per step), into a buffer the size of a solver chunk.
Rate philox_blocks_per_s(Index chunk, int calls, int repeats) {
  std::vector<double> u1(static_cast<size_t>(chunk)), u2(static_cast<size_t>(chunk));
  double sink = 0;
  const Seconds s = best_seconds(repeats, [&] {
    for (int c = 0; c < calls; ++c) {
      philox_uniform_pairs(1, 0, static_cast<std::uint32_t>(c), 0, 1u << 24, chunk, u1.data(), u2.data());
      sink += u1[0];
    }
  });
  if (sink == 0.5) std::printf("#\n");  // keeps the calls
  return rate(static_cast<double>(chunk) * calls, s);
}

// Draws of a sampler of random/batch_samplers.cpp (poisson_lanes, gamma_lanes) for a row of parameters (means or
// shapes), one call per step.
Rate lane_draws_per_s(LanesFn lanes, const std::vector<double>& row, int calls, int repeats) {
  std::vector<double> out(row.size());
  const Index chunk = static_cast<Index>(row.size());
  double sink = 0;
  const Seconds s = best_seconds(repeats, [&] {
    for (int c = 0; c < calls; ++c) {
      lanes(1, 0, static_cast<std::uint32_t>(c), 0, chunk, row.data(), 1, out.data());
      sink += out[0];
    }
  });
  if (sink == -1) std::printf("#\n");  // keeps the calls
  return rate(static_cast<double>(chunk) * calls, s);
}

// Poisson counts of a row of `chunk` means (mean (1/2 + (j mod 64)/63) in lane j).
Rate poisson_draws_per_s(double mean, Index chunk, int calls, int repeats) {
  std::vector<double> means(static_cast<size_t>(chunk));
  for (Index j = 0; j < chunk; ++j) means[static_cast<size_t>(j)] = mean * (0.5 + static_cast<double>(j % 64) / 63.0);
  return lane_draws_per_s(poisson_lanes, means, calls, repeats);
}

// Poisson draws of the tau-leap row of pmm-bench-solvers (and bench/numpy_jump.py), steps grouped by the samplers'
// branches: lane j's mean is x_j dF_i, x_j in {1, 4, 10} in proportions 3:4:3 (a fixed pattern mixing them within
// every block), dF_i = F(t_{i+1}) - F(t_i) of F(t) = (e^{13 t} - 1)/250 on `steps` equal steps. Bands by dF: the
// largest mean below 4 (dF < 0.4), below 12 (inversion only, dF < 1.2), PTRS and inversion lanes together
// (1.2 <= dF < 12), PTRS only (dF >= 12). band(i, steps_in_band, rate) for each band, then for all steps (i = 4).
template <class Row>
void poisson_schedule_rows(Index chunk, int steps, int chunks_per_step, int repeats, Row band) {
  std::vector<double> x(static_cast<size_t>(chunk)), means(x.size()), out(x.size());
  for (size_t j = 0; j < x.size(); ++j) {
    const std::size_t r = (j * 7919) % 10;
    x[j] = r < 3 ? 1.0 : r < 7 ? 4.0 : 10.0;
  }
  double seconds[5] = {0, 0, 0, 0, 0}, draws[5] = {0, 0, 0, 0, 0};
  int count[5] = {0, 0, 0, 0, 0};
  double sink = 0;
  for (int i = 0; i < steps; ++i) {
    const double dF = (std::expm1(13.0 * (i + 1) / steps) - std::expm1(13.0 * i / steps)) / 250.0;
    for (size_t j = 0; j < x.size(); ++j) means[j] = x[j] * dF;
    const int b = dF < 0.4 ? 0 : dF < 1.2 ? 1 : dF < 12.0 ? 2 : 3;
    const Seconds s = best_seconds(repeats, [&] {
      for (int c = 0; c < chunks_per_step; ++c) {
        poisson_lanes(1, static_cast<std::uint32_t>(c * chunk), static_cast<std::uint32_t>(i), 0, chunk, means.data(),
                      1, out.data());
        sink += out[0];
      }
    });
    for (int k : {b, 4}) {
      seconds[k] += s.cpu;
      draws[k] += static_cast<double>(chunk) * chunks_per_step;
      count[k] += 1;
    }
  }
  if (sink == -1) std::printf("#\n");
  for (int k = 0; k < 5; ++k)
    if (count[k] > 0) band(k, count[k], Rate{draws[k] / seconds[k], draws[k] / seconds[k]});
}

// Gamma(shape) draws of a row of `chunk` lanes of one shape.
Rate gamma_draws_per_s(double shape, Index chunk, int calls, int repeats) {
  return lane_draws_per_s(gamma_lanes, std::vector<double>(static_cast<size_t>(chunk), shape), calls, repeats);
}

// Normals as the solvers draw them: a dim x chunk batch per step.
Rate normals_per_s(Index dim, Index chunk, int calls, int repeats) {
  Batch z(dim, chunk);
  double sink = 0;
  const Seconds s = best_seconds(repeats, [&] {
    for (int c = 0; c < calls; ++c) {
      fill_normals(1, Stream::kNormal, static_cast<std::uint32_t>(c), 0, z);
      sink += z(0, 0);
    }
  });
  if (sink == 0.5) std::printf("#\n");
  return rate(static_cast<double>(dim) * chunk * calls, s);
}

// Euler-Maruyama given x (x = a fixed standard-normal matrix): coordinate-steps per second.
Rate em_per_s(Index dim, Index paths, int steps, int threads, Index chunk, int repeats) {
  NormalProcess np;
  np.schedule = exponential_schedule();
  Batch x(dim, paths);
  fill_normals(99, Stream::kUser, 0, 0, x);
  GivenX given(std::move(x));
  IntegrateOptions opt;
  opt.grid = make_grid(GridSpec{}, *np.schedule, steps);
  opt.threads = threads;
  opt.chunk = chunk;
  PhiloxNoise noise(1);
  const Seconds s = best_seconds(repeats, [&] { solve(AnyProcess(np), "euler-maruyama", given, noise, paths, opt); });
  return rate(static_cast<double>(dim) * paths * steps, s);
}

int run(int argc, char** argv) {
  int threads = 1, repeats = 3;
  long long chunk = 0;
  bool quick = false;
  std::string only;
  CLI::App app{"pmm-bench-ceiling: Philox normals/s alone, Euler-Maruyama as a fraction of it, and EM's cost as paths,\n"
               "steps and dimension grow (CSV). The SIMD variant is the CPU's best or PMM_SIMD=avx512|avx2|baseline."};
  app.add_option("--threads", threads, "worker threads for the em and scaling rows")->check(positive_int());
  app.add_option("--repeats", repeats, "best of R runs")->check(positive_int());
  app.add_option("--chunk", chunk, "paths per task; 0: the solvers' default (the normals rows then use 512)")
      ->check(CLI::NonNegativeNumber);
  app.add_flag("--quick", quick, "smaller sizes (~10 s): checks that every row runs");
  long long work_option = 0;
  app.add_option("--work", work_option, "coordinate-steps per timed run (default 4e8, --quick 2e7; e.g. 2e6 under callgrind)")
      ->check(CLI::PositiveNumber);
  app.add_option("--only", only,
                 "one section: ceiling (philox, normals, em), scaling (paths, steps, dim) or samplers (poisson, gamma)")
      ->check(CLI::IsMember({"ceiling", "scaling", "samplers"}));
  parse_args(app, argc, argv);
  // avx512-shift or avx512-shuffle on AVX-512 (philox_high(): the two kernels' bits are the same, not their speed)
  const std::string variant_name = simd_variant() == SimdVariant::kAvx512
                                       ? std::string("avx512-") + philox_high_name(philox_high())
                                       : std::string(simd_variant_name(simd_variant()));
  const char* variant = variant_name.c_str();
  const long long work = work_option > 0 ? work_option : (quick ? 20'000'000LL : 400'000'000LL);

  std::printf(
      "section,simd,threads,paths,steps,dim,unit,per_s_wall,per_s_cpu,cpu_ns_per_unit,cpu_fraction_of_normals,"
      "parameter\n");
  const auto row = [&](const char* section, int th, long long paths, long long steps, long long dim, Rate r,
                       const char* unit, double fraction, double parameter = -1) {
    std::printf("%s,%s,%d,%lld,%lld,%lld,%s,%.5g,%.5g,%.4f,%s,%s\n", section, variant, th, paths, steps, dim, unit,
                r.wall, r.cpu, 1e9 / r.cpu, fraction > 0 ? std::to_string(fraction).substr(0, 5).c_str() : "",
                parameter >= 0 ? fmt::format("{}", parameter).c_str() : "");
    std::fflush(stdout);
  };

  // The core's clock before the rows and after them (a row's cycles = its cpu_ns_per_unit x the clock in GHz).
  const long clock_multiplies = quick ? 2'000'000 : 20'000'000;
  const auto clock_row = [&] {
    const double hz = core_clock_hz(clock_multiplies, 5);
    if (std::isfinite(hz)) row("clock", 1, 1, clock_multiplies, 1, Rate{hz, hz}, "cycle", 0);
  };
  clock_row();
  if (only.empty() || only == "ceiling") {
    const Index buffer = chunk > 0 ? chunk : 512;
    const int calls = static_cast<int>(std::max<long long>(1, work / buffer));
    const Rate blocks = philox_blocks_per_s(buffer, calls, repeats);
    row("philox", 1, buffer, calls, 1, blocks, "block", 0);
    const Rate normals = normals_per_s(1, buffer, calls, repeats);
    row("normals", 1, buffer, calls, 1, normals, "normal", 1.0);
    const long long paths = quick ? 1 << 14 : 1 << 17;
    const int steps = static_cast<int>(std::max(1LL, work / paths));
    const Rate em1 = em_per_s(1, paths, steps, 1, chunk, repeats);
    row("em", 1, paths, steps, 1, em1, "coordinate-step", em1.cpu / normals.cpu);
    if (threads > 1) {
      const Rate em = em_per_s(1, paths, steps, threads, chunk, repeats);  // CPU time of all threads: per core
      row("em", threads, paths, steps, 1, em, "coordinate-step", em.cpu / normals.cpu);
    }
  }
  if (only.empty() || only == "scaling") {
    const long long sweep_work = work / 2;
    for (long long paths : {1'000LL, 10'000LL, 100'000LL, 1'000'000LL, 10'000'000LL}) {
      if (quick && paths > 1'000'000) continue;
      const long long steps = std::max(1LL, sweep_work / paths);
      row("paths", threads, paths, steps, 1, em_per_s(1, paths, static_cast<int>(steps), threads, chunk, repeats),
          "coordinate-step", 0);
    }
    for (long long steps : {10LL, 100LL, 1'000LL, 10'000LL}) {
      const long long paths = std::max(1LL, sweep_work / steps);
      row("steps", threads, paths, steps, 1, em_per_s(1, paths, static_cast<int>(steps), threads, chunk, repeats),
          "coordinate-step", 0);
    }
    for (long long dim : {1LL, 2LL, 16LL, 64LL, 256LL, 784LL, 3072LL}) {
      const long long steps = 100, paths = std::max(1LL, sweep_work / (steps * dim));
      row("dim", threads, paths, steps, dim, em_per_s(dim, paths, static_cast<int>(steps), threads, chunk, repeats),
          "coordinate-step", 0);
    }
  }
  if (only.empty() || only == "samplers") {  // 1/20 of the work a row: ~0.2 s at 10 ns a draw
    const Index buffer = chunk > 0 ? chunk : 512;
    const int calls = static_cast<int>(std::max<long long>(1, work / 20 / buffer));
    for (double mean : {0.01, 0.1, 1.0, 3.0, 6.0, 11.0, 13.0, 30.0, 200.0})
      row("poisson", 1, buffer, calls, 1, poisson_draws_per_s(mean, buffer, calls, repeats), "draw", 0, mean);
    for (double shape : {0.0005, 0.002, 0.01, 0.3, 0.9, 1.5, 5.0, 25.0})
      row("gamma", 1, buffer, calls, 1, gamma_draws_per_s(shape, buffer, calls, repeats), "draw", 0, shape);
    // The tau-leap row's steps by band (parameter: the band's first dF; -1: all steps); CPU time of each band's calls.
    const int steps = 1000, per_step = static_cast<int>(std::max<long long>(1, work / 40 / steps / buffer));
    const double first_dF[4] = {0.0, 0.4, 1.2, 12.0};
    poisson_schedule_rows(buffer, steps, per_step, repeats, [&](int band, int n_steps, Rate r) {
      row("tau-leap-draws", 1, buffer * per_step, n_steps, 1, r, "draw", 0, band < 4 ? first_dF[band] : -1);
    });
  }
  clock_row();
  return 0;
}

}  // namespace
}  // namespace pmm

int main(int argc, char** argv) { return pmm::run_app(argc, argv, pmm::run); }
