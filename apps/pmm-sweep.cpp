// pmm-sweep: sample quality against NFE for several solvers, seeds and metrics, one CSV row per
// (solver, NFE budget, seed, metric) plus a mean +- standard-error row over seeds, and the noise floor
// (the metric between two independent target samples). Resumable: rows already in --out are skipped.
// Budgets: SDE steps = (NFE - denoise)/NFE-per-step; ode-rk4/ode-heun steps = (NFE - 1 - denoise)/(4 or 2);
// ode (dopri5) tolerance bisected on budget-capped pilots (256 paths; 64 for a network) so that its NFE stays at or
// below the budget. Under mpirun/srun the cells (floor, and solver x NFE x seed runs) go out to ranks by cost and rank 0
// writes the table in the one-process row order (docs/distributed.md).
// pmm-uses: mpi
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <map>
#include <memory>
#include <numeric>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <pmm/io/csv.hpp>
#include <pmm/io/matrix_file.hpp>
#include <pmm/io/npy.hpp>
#include <pmm/io/output_lock.hpp>
#include "apps/common/options.hpp"
#include "apps/common/process_options.hpp"
#include "apps/common/progress.hpp"
#include "apps/common/targets.hpp"
#include "apps/mpi/run_tasks.hpp"
#include "apps/mpi/split.hpp"
#include "apps/mpi/world.hpp"
#include <pmm/models/oracles/builtin.hpp>
#include <pmm/core/error.hpp>
#include <pmm/solvers/probability_flow.hpp>
#include <pmm/device/device.hpp>
#include <pmm/solvers/registry.hpp>
#include <pmm/solvers/shared_noise.hpp>
#include "validation/fid.hpp"
#include "validation/metrics.hpp"
#ifdef PMM_HAVE_TORCH
#include <pmm/models/torch/feature_extractor.hpp>
#include <pmm/models/torch/load_predictor.hpp>
#endif

namespace pmm {
namespace {

struct SweepArgs {
  std::string process = "normal", schedule = "exponential", grid = "uniform", prior;
  std::string target, target_weights, model, data, device = "cpu";
  std::string solvers, nfe = "10,20,50,100,200,500,1000", metric = "fd";
  std::string out, plot, atoms, noise = "tree", final_mode = kDefaultFinal, ode_clock = "time";
  std::string fid_features, fid_ref, fid_ref_out, fid_layout = "mu-sigma", image_shape, pixel_range = "-1,1";
  long long paths = 10000, ref_paths = 0;
  int seeds = 3, threads = 1, kid_subsets = 100, kid_subset_size = 1000, sw_projections = 128;
  std::uint64_t seed = 0;
  double ode_start = 1e-3, poisson_layer = 4.0;
  bool quiet = false;
};

const std::vector<std::string> kColumns = {"process", "target",  "metric", "solver", "nfe_requested", "seed",
                                           "steps",   "nfe",     "value",  "se",     "n_seeds",       "paths",
                                           "ref_paths", "wall_s", "setting"};

// A solver of the sweep: an SDE stepper of the registry or the probability-flow ODE with one method.
struct SolverSpec {
  std::string name;
  bool ode = false;
  OdeMethod method = OdeMethod::kDopri5;
};

SolverSpec parse_solver(const std::string& name, const std::string& process) {
  if (name == "ode" || name == "ode-dopri5") return {name, true, OdeMethod::kDopri5};
  if (name == "ode-rk4") return {name, true, OdeMethod::kRk4};
  if (name == "ode-heun") return {name, true, OdeMethod::kHeun};
  const auto fits = solvers_for(process);
  std::string list;
  for (const auto& s : fits) list += s + ", ";
  require(std::find(fits.begin(), fits.end(), name) != fits.end(), "--solvers",
          "'" + name + "' does not fit the " + process + " process; use " + list +
              (process == "normal" ? "ode, ode-rk4 or ode-heun" : "(the ODE is for the normal process)"));
  return {name, false, OdeMethod::kDopri5};
}

bool has_ext(const std::string& path, const std::string& ext) {
  return path.size() >= ext.size() && path.compare(path.size() - ext.size(), ext.size(), ext) == 0;
}

void check_output(const std::string& path, const std::string& option, const std::vector<std::string>& exts) {
  bool ok = false;
  std::string list;
  for (const auto& e : exts) {
    ok = ok || has_ext(path, e);
    list += (list.empty() ? "" : " or ") + e;
  }
  require(ok, option, "'" + path + "' must end in " + list);
  const auto dir = std::filesystem::path(path).parent_path();
  require(dir.empty() || std::filesystem::is_directory(dir), option, "directory '" + dir.string() + "' does not exist");
}

// Seeds of run s: the solver's noise, the reference sample and the floor's second target sample never share one.
std::uint64_t noise_seed(std::uint64_t base, int s) { return base + static_cast<std::uint64_t>(s); }
std::uint64_t reference_seed(std::uint64_t base, int s) { return (base + static_cast<std::uint64_t>(s)) ^ 0x5EED0000A11CEull; }
std::uint64_t floor_seed(std::uint64_t base, int s) { return (base + static_cast<std::uint64_t>(s)) ^ 0xF1005EED0000B0Bull; }

// ---- metrics ----

struct MetricContext {
  Batch atoms;  // tv: centres (dim x K); empty: the distinct points of the reference
  int kid_subsets = 100, kid_subset_size = 1000, sw_projections = 128;
  std::uint64_t seed = 0;
  // fid
  std::shared_ptr<const FidStatistics> fid_reference;
  std::function<FidStatistics(const Batch&)> fid_features;
};

Batch distinct_columns(const Batch& x, Index limit) {
  std::set<std::vector<double>> seen;
  std::vector<std::vector<double>> cols;
  for (Index j = 0; j < x.cols(); ++j) {
    std::vector<double> c(x.col(j).data(), x.col(j).data() + x.rows());
    if (seen.insert(c).second) {
      cols.push_back(c);
      require(static_cast<Index>(cols.size()) <= limit, "--metric",
              fmt::format("tv needs a finite target (at most {} distinct reference points) or --atoms FILE", limit));
    }
  }
  Batch out(x.rows(), static_cast<Index>(cols.size()));
  for (size_t k = 0; k < cols.size(); ++k)
    for (Index i = 0; i < x.rows(); ++i) out(i, static_cast<Index>(k)) = cols[k][static_cast<size_t>(i)];
  return out;
}

double metric_value(const std::string& metric, const Batch& samples, const Batch& reference, const MetricContext& ctx) {
  if (metric == "fd") return frechet_distance(samples, reference);
  if (metric == "kid")
    return kernel_inception_distance(samples, reference, ctx.kid_subsets, ctx.kid_subset_size, ctx.seed).mean;
  if (metric == "sw") return sliced_wasserstein2(samples, reference, ctx.sw_projections, ctx.seed).squared;
  if (metric == "energy") return energy_distance(samples, reference);
  if (metric == "tv") {
    const Batch atoms = ctx.atoms.size() ? ctx.atoms : distinct_columns(reference, 1000);
    // Reference weights: the reference's own nearest-atom frequencies (the exact weights are not known here).
    Eigen::VectorXd uniform = Eigen::VectorXd::Constant(atoms.cols(), 1.0 / static_cast<double>(atoms.cols()));
    const auto ref = assign_to_atoms(reference, atoms, uniform);
    return assign_to_atoms(samples, atoms, ref.weights).total_variation;
  }
  if (metric == "fid") {
    const FidStatistics gen = ctx.fid_features(samples);
    return frechet_inception_distance(gen, *ctx.fid_reference).fid;
  }
  throw Error("--metric: unknown metric '" + metric + "'");
}

// ---- runs ----

struct RunOutcome {
  Batch samples;
  double nfe = 0;
  std::int64_t steps = 0;
  double seconds = 0;
  std::string setting;
};

// Steps so that steps x per_step + extra <= budget (at least 1).
std::int64_t steps_for(std::int64_t budget, int per_step, int extra) {
  return std::max<std::int64_t>(1, (budget - extra) / per_step);
}

std::vector<double> grid_for(const AnyProcess& process, const GridSpec& spec, std::int64_t steps) {
  return make_grid(spec, *std::visit([](const auto& p) { return p.schedule; }, process), static_cast<int>(steps));
}

// dopri5's tolerance for a budget: bisect log10(rtol = atol) in [-12, 0] on a pilot for the largest NFE not above
// the budget. Each pilot is capped by the budget (max_steps: an aborted pilot used more than the budget, i.e. the
// tolerance is too tight), so a pilot costs at most about one budget per path, whatever the tolerance.
struct PilotPlan {
  Index paths = 256;   // pilot paths (one chunk)
  int iterations = 14;  // bisection steps after the two end points
};

double dopri5_log_tolerance(const NormalProcess& p, const Predictor& pred, const NoiseSource& noise,
                            const ProbabilityFlowOptions& opt, std::int64_t budget, int extra, const PilotPlan& plan) {
  const double b = static_cast<double>(budget);
  // NFE = extra + 1 (FSAL start) + 6 per step, accepted or rejected: more steps than this cannot fit the budget.
  const std::int64_t cap = std::max<std::int64_t>(1, (budget - extra - 1) / 6 + 1);
  auto nfe_at = [&](double log_tol) {
    auto o = opt;
    o.ode.rtol = o.ode.atol = std::pow(10.0, log_tol);
    o.ode.max_steps = cap;
    try {
      return probability_flow(p, pred, noise, plan.paths, o).nfe_mean;
    } catch (const Error& e) {
      if (e.kind != ErrorKind::kDidNotConverge) throw;
      return std::numeric_limits<double>::infinity();  // aborted: over the budget
    }
  };
  double lo = -12, hi = 0;
  const double nfe_hi = nfe_at(hi);
  if (nfe_hi >= b) return hi;  // even rtol = 1 does not fit: the loosest tolerance (as few steps as dopri5 takes)
  if (nfe_at(lo) <= b) return lo;
  for (int it = 0; it < plan.iterations; ++it) {
    const double mid = 0.5 * (lo + hi);
    (nfe_at(mid) > b ? lo : hi) = mid;
  }
  return hi;
}

// The device to run the cells on with an oracle target (--device other than cpu): the Thrust path kernels.
struct DeviceRun {
  DeviceSpec spec;
  DevicePredictor pred;
};

RunOutcome run_ode(const NormalProcess& p, const Predictor& pred, const NoiseSource& noise, const SolverSpec& s,
                   std::int64_t budget, Index paths, const SweepArgs& a, bool model, const DeviceRun* device = nullptr) {
  ProbabilityFlowOptions opt;
  opt.ode.method = s.method;
  opt.clock = parse_ode_clock(a.ode_clock, "--ode-clock");
  opt.start_precision = a.ode_start;
  opt.threads = a.threads;
  opt.denoise = a.final_mode == "denoise";
  const int extra = 1 + (opt.denoise ? 1 : 0);  // the exact first step (+ the denoising evaluation)
  RunOutcome r;
  const auto start = std::chrono::steady_clock::now();
  Solution res;
  if (s.method == OdeMethod::kDopri5) {
    // Oracles: 256 pilot paths, 14 bisection steps (the tolerances of docs/sweep.md). A network is expensive:
    // 64 pilot paths and 8 bisection steps (log10 tolerance to 0.05).
    PilotPlan plan;
    plan.paths = std::min<Index>(paths, model ? std::min<Index>(64, opt.chunk) : opt.chunk);
    plan.iterations = model ? 8 : 14;
    double log_tol = dopri5_log_tolerance(p, pred, noise, opt, budget, extra, plan);
    // The full run's chunks may take a few more steps than the pilot: loosen until the budget holds (bounded).
    for (int retry = 0;; ++retry) {
      opt.ode.rtol = opt.ode.atol = std::pow(10.0, log_tol);
      res = probability_flow(p, pred, noise, paths, opt);
      if (res.nfe_mean <= static_cast<double>(budget) || log_tol >= 0 || retry == 4) break;
      log_tol = std::min(0.0, log_tol + 0.05 * std::pow(2.0, retry));
    }
    r.setting = fmt::format("dopri5 rtol=atol={:.3g} clock={} start_F={}", opt.ode.rtol, a.ode_clock, a.ode_start);
  } else {
    const int per = s.method == OdeMethod::kRk4 ? 4 : 2;
    opt.ode.steps = static_cast<int>(steps_for(budget, per, extra));
    r.steps = opt.ode.steps;
    r.setting = fmt::format("{} steps={} clock={} start_F={}", ode_method_name(s.method), opt.ode.steps, a.ode_clock,
                            a.ode_start);
    if (device) {
      IntegrateOptions grid;  // the fixed-step flow takes the grid's step count only
      grid.grid = make_grid(GridSpec{}, *p.schedule, opt.ode.steps);
      grid.denoise = opt.denoise;
      res = device_solve(AnyProcess{p}, s.name, device->pred, noise.seed(), paths, grid, device->spec, opt);
    } else {
      res = probability_flow(p, pred, noise, paths, opt);
    }
  }
  r.samples = res.final;
  r.nfe = res.nfe_mean;
  if (s.method == OdeMethod::kDopri5) r.steps = static_cast<std::int64_t>(std::llround((res.nfe_mean - extra - 1) / 6));
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return r;
}

RunOutcome run_sde(const AnyProcess& process, const Predictor& pred, const NoiseSource& noise, const SolverSpec& s,
                   std::int64_t budget, Index paths, const SweepArgs& a, const GridSpec& grid,
                   const DeviceRun* device = nullptr) {
  const bool denoise = a.final_mode == "denoise";
  const int per = solver_nfe_per_step(s.name);
  RunOutcome r;
  r.steps = steps_for(budget, per, denoise ? 1 : 0);
  IntegrateOptions opt;
  opt.grid = grid_for(process, grid, r.steps);
  opt.threads = a.threads;
  opt.denoise = denoise;
  const auto res = device ? device_solve(process, s.name, device->pred, noise.seed(), paths, opt, device->spec)
                          : solve(process, s.name, pred, noise, paths, opt);
  r.samples = res.final;
  r.nfe = res.nfe_mean;
  r.seconds = res.seconds;
  r.setting = "grid=" + a.grid;
  return r;
}

std::string cell_number(double v) { return CsvCell(v).text; }

int run(int argc, char** argv) {
  SweepArgs a;
  CLI::App app{
      "pmm-sweep: sample quality against NFE for several solvers and seeds, with the noise floor of the metric.\n"
      "Example: pmm-sweep --process normal --target builtin:gmm2d --solvers exact,euler-maruyama,heun,ode "
      "--nfe 10,20,50,100,200,500,1000 --metric fd --paths 10000 --seeds 5 --out sweep.csv --plot sweep.png"};
  app.option_defaults()->always_capture_default();
  app.add_option("--process", a.process, "normal | gamma-poisson | inverse-gamma-gamma");
  app.add_option("--solvers", a.solvers,
                 "comma list: exact, euler-maruyama, heun (normal), tau-leap, tau-leap-midpoint (gamma-poisson), "
                 "ode (adaptive dopri5), ode-rk4, ode-heun (normal); default: the solvers that converge to the process's law "
                 "(normal: exact, euler-maruyama, heun, ode; gamma-poisson: exact, tau-leap, tau-leap-midpoint; "
                 "inverse-gamma-gamma: exact)");
  app.add_option("--nfe", a.nfe, "comma list of NFE budgets (predictor evaluations per path, >= 1)");
  app.add_option("--metric", a.metric,
                 "comma list of fd (Frechet), kid, sw (sliced W2^2), energy, tv (nearest-atom weights), fid "
                 "(needs LibTorch, --fid-features, --fid-ref); bpc is for text and not driven by pmm-sweep");
  app.add_option("--target", a.target, "builtin:NAME | points.npy | mixture.json (an exact oracle)");
  app.add_option("--target-weights", a.target_weights, "weights.npy for a .npy point set");
  app.add_option("--model", a.model, "TorchScript predictor (needs LibTorch); the reference is then --data");
  app.add_option("--data", a.data, "reference samples for --model, .npy or .csv [n, dim]");
  app.add_option("--device", a.device,
                 "cpu | cuda | cuda:N | thrust-cpp | thrust-omp: the cells of an oracle target run on the device path "
                 "kernels (SDE solvers, ode-rk4, ode-heun; not the adaptive ode; --noise philox only); with --model "
                 "and --fid-features: where the networks run");
  app.add_option("--schedule", a.schedule, "as pmm-solve");
  app.add_option("--grid", a.grid, "SDE grid: uniform | uniform-precision | power:rho=R");
  app.add_option("--prior", a.prior, "prior parameters, as pmm-solve");
  app.add_option("--paths", a.paths, "samples per run");
  app.add_option("--ref-paths", a.ref_paths, "reference samples per seed (0: as --paths)");
  app.add_option("--seeds", a.seeds, "independent repetitions (noise and reference seeds differ per repetition)");
  app.add_option("--seed", a.seed, "base seed");
  app.add_option("--noise", a.noise, "tree: Brownian/Poisson trees shared across step counts | philox: independent");
  app.add_option("--poisson-layer", a.poisson_layer, "Poisson tree layer height (rate units)");
  app.add_option("--final", a.final_mode, "denoise: output g(mu(1), 1) (+1 NFE) | mean: output mu(1) (as pmm-solve)");
  app.add_option("--ode-clock", a.ode_clock, "time | log-precision (the ODE's integration variable)");
  app.add_option("--ode-start", a.ode_start, "F(t_start) of the ODE's exact first step");
  app.add_option("--atoms", a.atoms, "tv: centres .npy/.csv [K, dim] (default: the reference's distinct points)");
  app.add_option("--kid-subsets", a.kid_subsets, "kid: subsets");
  app.add_option("--kid-subset-size", a.kid_subset_size, "kid: subset size");
  app.add_option("--sw-projections", a.sw_projections, "sw: random directions");
  app.add_option("--fid-features", a.fid_features, "fid: TorchScript Inception file (inception-2015-12-05.pt)");
  app.add_option("--fid-ref", a.fid_ref, "fid: reference statistics .npz (mu/sigma or n/sum/cov_sum)");
  app.add_option("--fid-ref-out", a.fid_ref_out,
                 "fid: instead of --fid-ref, compute the statistics of the reference sample (--data, or the target's "
                 "seed-0 reference) and write them here (.npz)");
  app.add_option("--fid-layout", a.fid_layout, "fid: layout of --fid-ref-out: mu-sigma (edm) | sums (BSI)");
  app.add_option("--image-shape", a.image_shape, "fid: CxHxW of a sample, e.g. 3x32x32");
  app.add_option("--pixel-range", a.pixel_range, "fid: sample values mapped to 0..255, e.g. -1,1");
  app.add_option("--threads", a.threads, "CPU threads, 0: all cores (results do not depend on it)");
  app.add_option("--out", a.out, "result table, .csv (appended to; existing rows are skipped)")->required();
  app.add_option("--plot", a.plot, "also render the table with pmm-plot sweep (.png or .svg)");
  app.add_flag("--quiet", a.quiet, "print nothing on stdout");
  app.footer("\nSolvers and their NFE per step: pmm-solve --list-solvers.\n\n" + target_help());
  parse_args(app, argc, argv);
  if (!a.model.empty()) {
    require(!a.data.empty(), "--data", "--model needs --data (the reference samples)");
#ifdef PMM_HAVE_TORCH
    // The file's process, schedule and prior are the sweep's unless given; one given that differs is refused.
    const ModelInfo info = read_model_info(a.model, "--model");
    ProcessChoice choice{a.process, a.schedule, a.prior, app.count("--process") > 0, app.count("--schedule") > 0,
                         app.count("--prior") > 0};
    apply_model_info(info, a.model, choice);
    require(choice.process != "dirichlet-categorical", "--model",
            a.model + " is a token model (categorical); pmm-sweep drives the normal, gamma-poisson and "
            "inverse-gamma-gamma processes (score text models with pmm-text bpc)");
    a.process = choice.process;
    a.schedule = choice.schedule;
    a.prior = choice.prior;
    if (!a.quiet) fmt::print("pmm-sweep: model: {}\n", describe_model_info(info));
#else
    throw Error("--model: this build has no LibTorch (install libtorch-dev and rebuild)");
#endif
  }

  // ---- validate everything before any work ----
  require(a.paths >= 2 && a.paths < (1ll << 32), "--paths", fmt::format("must be in [2, 2^32), got {}", a.paths));
  require(a.ref_paths >= 0 && a.ref_paths < (1ll << 32), "--ref-paths", "must be in [0, 2^32)");
  const bool ref_paths_given = a.ref_paths != 0;
  if (a.ref_paths == 0) a.ref_paths = a.paths;
  require(a.seeds >= 1 && a.seeds <= 1000, "--seeds", fmt::format("must be in [1, 1000], got {}", a.seeds));
  a.threads = resolve_threads(a.threads);
  require(a.noise == "tree" || a.noise == "philox", "--noise", "expected tree or philox, got '" + a.noise + "'");
  require(a.final_mode == "denoise" || a.final_mode == "mean", "--final", "expected denoise or mean");
  require(std::isfinite(a.ode_start) && a.ode_start > 0, "--ode-start", "must be > 0");
  require(std::isfinite(a.poisson_layer) && a.poisson_layer > 0, "--poisson-layer", "must be > 0");
  parse_ode_clock(a.ode_clock, "--ode-clock");
  check_output(a.out, "--out", {".csv"});
  if (!a.plot.empty()) check_output(a.plot, "--plot", {".png", ".svg"});
  // One sweep per table: a second one appending to the same CSV would duplicate every row it computes.
  // On ranks, rank 0 is the one writer and holds the lock.
  const OutputLock out_lock = world().root() ? OutputLock(a.out, "--out") : OutputLock();
  const AnyProcess process = make_process(a.process, a.schedule, a.prior);
  const std::string pname = process_name(process);
  if (pname == "inverse-gamma-gamma") fmt::print(stderr, "pmm-sweep: {}\n", igg_bias_warning());
  // --device with an oracle target: every cell runs on the device path kernels (checked here, before any work).
  std::unique_ptr<DeviceRun> device_run;
  const bool solvers_given = !a.solvers.empty();
  if (a.solvers.empty()) a.solvers = default_sweep_solvers(pname);
  if (a.model.empty() && a.device != "cpu") {
    device_run = std::make_unique<DeviceRun>();
    device_run->spec = parse_device(a.device, "--device");
    require_device(device_run->spec, "--device");
    require(a.noise != "tree", "--device", "the device draws Philox noise; use --noise philox");
    if (!solvers_given && pname == "normal") {
      a.solvers.replace(a.solvers.rfind(",ode"), 4, ",ode-rk4");
      fmt::print(stderr, "pmm-sweep: note: --device {}: the default solvers with ode-rk4 in place of the adaptive "
                         "ode (CPU only)\n", a.device);
    }
  }
  std::vector<SolverSpec> solvers;
  for (const auto& name : parse_string_list(a.solvers, "--solvers")) {
    solvers.push_back(parse_solver(name, pname));
    require(!solvers.back().ode || pname == "normal", "--solvers", "the ODE solvers are for the normal process");
    require(!device_run || device_supports(pname, name), "--solvers",
            fmt::format("'{}' has no device kernel (--device {}): the adaptive ODE runs on the CPU only; on the "
                        "device use ode-rk4, ode-heun or an SDE solver",
                        name, a.device));
  }
  std::vector<std::int64_t> budgets = parse_int_list(a.nfe, "--nfe");
  for (auto b : budgets) require(b >= 1 && b <= 10000000, "--nfe", fmt::format("budgets must be in [1, 1e7], got {}", b));
  const auto metrics = parse_string_list(a.metric, "--metric");
  for (const auto& m : metrics) {
    require(m != "bpc", "--metric",
            "bpc (bits per character, eq. 169) scores text models of the dirichlet-categorical process, which "
            "pmm-sweep does not drive; use the text tools");
    require(m == "fd" || m == "kid" || m == "sw" || m == "energy" || m == "tv" || m == "fid", "--metric",
            "unknown metric '" + m + "' (expected fd, kid, sw, energy, tv or fid)");
  }
  require(!a.target.empty() || !a.model.empty(), "--target",
          "needs --target (an oracle) or --model with --data (try --target builtin:" + builtin_default(pname) + ")");
  require(a.target.empty() || a.model.empty(), "--model", "give --target or --model, not both");
  require(a.model.empty() || !a.data.empty(), "--data", "--model needs --data (the reference samples)");
  require(a.data.empty() || !a.model.empty(), "--data", "only applies with --model (an oracle draws its own reference)");
  const GridSpec grid_spec = parse_grid(a.grid, "--grid");

  // ---- predictor and reference ----
  PredictorPtr predictor;
  OraclePtr oracle;
  Batch data;
  if (!a.target.empty()) {
    TargetInfo info;
    oracle = load_target(process, a.target, a.target_weights, &info);
    predictor = oracle;
    if (info.merged() && !a.quiet) fmt::print("pmm-sweep: target: {}\n", info.note());
    if (device_run) {
      device_run->pred.kind = DevicePredictor::Kind::kFiniteSet;
      require(oracle->atoms(&device_run->pred.points, &device_run->pred.weights), "--device",
              "on the device the target must be a finite point set");
    }
  } else {
#ifdef PMM_HAVE_TORCH
    set_torch_threads(a.threads);
    predictor = load_torchscript_predictor(a.model, a.device, 0);
    data = read_matrix(a.data, "--data");
    require(data.rows() == predictor->dim(), "--data",
            fmt::format("has dimension {}, the model {}", data.rows(), predictor->dim()));
#else
    throw Error("--model: this build has no LibTorch (install libtorch-dev and rebuild)");
#endif
  }
  const Index dim = predictor->dim();
  {
    // One run's samples and solver state (about 4 batches of --paths) and its reference, before any is allocated;
    // KID keeps one estimate per subset.
    const double runs = 8.0 * static_cast<double>(dim) * (4.0 * static_cast<double>(a.paths) + static_cast<double>(a.ref_paths));
    const double kid = 8.0 * static_cast<double>(a.kid_subsets) * 4.0;
    if (kid > runs) require_memory(runs + kid, "--kid-subsets", fmt::format("{} KID subsets", a.kid_subsets));
    require_memory(runs + kid, "--paths", fmt::format("{} paths and {} reference paths of dimension {}", a.paths, a.ref_paths, dim));
  }
  // A model run has one data set. Its rows are split once (seeded by --seed) into disjoint parts: `held` sets of
  // --paths rows for the noise floor and the reference of every run (the rest, or --ref-paths of it), so the floor
  // compares as many real samples as a run generates with the same reference, and never a row with itself.
  Batch reference_data;
  std::vector<Batch> held_out;
  if (!oracle) {
    const Index n = data.cols(), P = static_cast<Index>(a.paths);
    require(n >= P + 2, "--data",
            fmt::format("has {} rows; the noise floor compares --paths ({}) held-out rows with the other rows as the "
                        "reference, so it needs at least {} rows: lower --paths or give more data",
                        n, P, P + 2));
    // As many held-out sets as seeds while the reference keeps at least half of the rows; at least one.
    const Index held = std::max<Index>(1, std::min<Index>(a.seeds, (n / 2) / P));
    const Index rest = n - held * P;
    Index ref_n = rest;
    if (ref_paths_given) {
      require(a.ref_paths <= rest, "--ref-paths",
              fmt::format("{} exceeds the {} rows of --data left for the reference ({} rows minus {} held-out set(s) "
                          "of --paths {} for the noise floor)",
                          a.ref_paths, rest, n, held, P));
      ref_n = static_cast<Index>(a.ref_paths);
    }
    std::mt19937_64 rng(a.seed ^ 0xDA7A5B117ull);
    std::vector<Index> idx(static_cast<size_t>(n));
    std::iota(idx.begin(), idx.end(), Index{0});
    std::shuffle(idx.begin(), idx.end(), rng);
    auto take = [&](Index first, Index count) {
      Batch out(dim, count);
      for (Index j = 0; j < count; ++j) out.col(j) = data.col(idx[static_cast<size_t>(first + j)]);
      return out;
    };
    for (Index h = 0; h < held; ++h) held_out.push_back(take(h * P, P));
    reference_data = take(held * P, ref_n);
    data = Batch();
    a.ref_paths = ref_n;  // the table records the reference actually used
    if (held < a.seeds)
      fmt::print(stderr,
                 "pmm-sweep: note: --data has {} rows: the noise floor's {} seeds reuse {} held-out set(s) of {} rows "
                 "(its se understates the sampling noise; give at least {} rows for one set per seed)\n",
                 n, a.seeds, held, P, 2 * a.seeds * P);
    if (ref_n < P)
      fmt::print(stderr, "pmm-sweep: note: the reference ({} rows of --data) is smaller than --paths ({})\n", ref_n, P);
  }
  MetricContext ctx;
  ctx.kid_subsets = a.kid_subsets;
  ctx.kid_subset_size = a.kid_subset_size;
  ctx.sw_projections = a.sw_projections;
  ctx.seed = a.seed;
  if (!a.atoms.empty()) {
    ctx.atoms = read_matrix(a.atoms, "--atoms");
    require(ctx.atoms.rows() == dim, "--atoms", fmt::format("has dimension {}, the target {}", ctx.atoms.rows(), dim));
  }
  std::string feature_setting;
  if (std::find(metrics.begin(), metrics.end(), "fid") != metrics.end()) {
#ifdef PMM_HAVE_TORCH
    require(!a.fid_features.empty() && !a.image_shape.empty() && (a.fid_ref.empty() != a.fid_ref_out.empty()),
            "--metric", "fid needs --fid-features, --image-shape and one of --fid-ref and --fid-ref-out");
    require(a.fid_layout == "mu-sigma" || a.fid_layout == "sums", "--fid-layout", "expected mu-sigma or sums");
    if (!a.fid_ref_out.empty()) check_output(a.fid_ref_out, "--fid-ref-out", {".npz"});
    const auto shape = parse_image_shape(a.image_shape, "--image-shape");
    require(shape.channels * shape.height * shape.width == dim, "--image-shape",
            fmt::format("{} has {} values, a sample {}", a.image_shape, shape.channels * shape.height * shape.width, dim));
    const auto range = parse_double_list(a.pixel_range, "--pixel-range");
    require(range.size() == 2 && range[1] > range[0], "--pixel-range", "expected lo,hi with lo < hi");
    auto extractor = std::make_shared<FeatureExtractor>(a.fid_features, a.device);
    if (!a.fid_ref.empty()) {
      ctx.fid_reference = std::make_shared<FidStatistics>(read_fid_statistics(a.fid_ref));
      require_same_features(*ctx.fid_reference, extractor->model_id(), "--fid-ref");
    }
    feature_setting = extractor->model_id();
    ctx.fid_features = [extractor, shape, range](const Batch& x) {
      return fid_statistics(extractor->features(to_pixels(x, range[0], range[1]), shape), extractor->model_id());
    };
#else
    throw Error("--metric: fid needs LibTorch (TorchScript Inception features); this build has none");
#endif
  }

  // ---- the table: rank 0 reads and appends it; the other ranks compute the cells it hands out ----
  const bool root = world().root();
  std::unique_ptr<CsvTableWriter> table;
  const CsvTable none;
  check_ranks();  // every rank has its inputs: only now may rank 0 create the table
  if (root) table = std::make_unique<CsvTableWriter>(a.out, kColumns);
  const CsvTable& old = root ? table->existing() : none;
  const std::string target_name = a.target.empty() ? a.model : a.target;
  for (size_t r = 0; r < old.rows.size(); ++r) {
    require(old.cell(r, "process") == pname && old.cell(r, "target") == target_name &&
                old.cell(r, "paths") == CsvCell(static_cast<std::int64_t>(a.paths)).text &&
                old.cell(r, "ref_paths") == CsvCell(static_cast<std::int64_t>(a.ref_paths)).text,
            "--out",
            fmt::format("{} holds rows of another sweep (row {}: process {}, target {}, paths {}, ref_paths {}); "
                        "results of different sample counts are not comparable: choose another --out",
                        a.out, r + 2, old.cell(r, "process"), old.cell(r, "target"), old.cell(r, "paths"),
                        old.cell(r, "ref_paths")));
  }
  auto has_row = [&](const std::string& solver, std::int64_t budget, const std::string& seed, const std::string& m) {
    return old.contains({"solver", "nfe_requested", "seed", "metric"}, {solver, budget, seed, m});
  };
  // New rows of this run, for the summaries: (solver, budget, metric) -> per-seed values, nfe, wall.
  struct Acc {
    std::vector<double> value, nfe, wall;
    std::set<std::string> seeds;
    std::int64_t steps = 0;
    std::string setting;
  };
  std::map<std::tuple<std::string, std::int64_t, std::string>, Acc> acc;
  for (size_t r = 0; r < old.rows.size(); ++r) {
    if (old.cell(r, "seed") == "mean") continue;
    auto& x = acc[{old.cell(r, "solver"), static_cast<std::int64_t>(old.number(r, "nfe_requested")), old.cell(r, "metric")}];
    x.value.push_back(old.number(r, "value"));
    x.nfe.push_back(old.number(r, "nfe"));
    x.wall.push_back(old.number(r, "wall_s"));
    x.seeds.insert(old.cell(r, "seed"));
    x.steps = static_cast<std::int64_t>(old.number(r, "steps"));
    x.setting = old.cell(r, "setting");
  }
  auto append = [&](const std::string& solver, std::int64_t budget, const std::string& seed, std::int64_t steps,
                    double nfe, const std::string& m, double value, const std::string& se, int n_seeds, double wall,
                    const std::string& setting) {
    table->append({pname, target_name, m, solver, budget, seed, steps, nfe, value, se, n_seeds,
                  static_cast<std::int64_t>(a.paths), static_cast<std::int64_t>(a.ref_paths), wall, setting});
  };

  const auto schedule = std::visit([](const auto& p) { return p.schedule; }, process);
  const Index paths = static_cast<Index>(a.paths), ref_paths = static_cast<Index>(a.ref_paths);
  auto reference_for = [&](int s) -> Batch {
    if (oracle) return oracle->sample(ref_paths, reference_seed(a.seed, s));
    return reference_data;
  };
  if (!a.fid_ref_out.empty()) {
    const Batch ref = oracle ? oracle->sample(ref_paths, reference_seed(a.seed, 0)) : reference_data;
    auto stats = std::make_shared<FidStatistics>(ctx.fid_features(ref));
    if (root) write_fid_statistics(a.fid_ref_out, *stats, a.fid_layout == "sums" ? FidLayout::kSums : FidLayout::kMuSigma);
    ctx.fid_reference = stats;
  }
  std::int64_t total_runs = static_cast<std::int64_t>(solvers.size() * budgets.size()) * a.seeds;
  ProgressBar bar(total_runs, ProgressOptions{"pmm-sweep", a.quiet ? ProgressMode::never : ProgressMode::automatic});
  const auto sweep_start = std::chrono::steady_clock::now();

  // ---- noise floor: the metric between two independent samples of the target, of the runs' sizes ----
  // Oracle: a further --paths draws of the target against the run's reference. Model: a held-out set of --paths rows
  // of --data against the reference rows (disjoint from it).
  auto floor_setting = [&](int s) {
    if (oracle)
      return fmt::format("floor: {} target draws vs the reference ({}) of the runs", a.paths, a.ref_paths);
    return fmt::format("floor: held-out --data set {} of {} ({} rows) vs the reference ({} other rows) of the runs",
                       s % static_cast<int>(held_out.size()) + 1, held_out.size(), a.paths, a.ref_paths);
  };
  // ---- cells, in the table's row order: the noise floor of each seed, then the runs (seed, solver, budget) ----
  // Rank 0 lists the cells still missing from the table and hands them to every rank (one process: to itself).
  struct Cell {
    int seed = 0, solver = -1;  // solver -1: the noise floor
    std::int64_t budget = 0;
    std::vector<std::string> missing;  // metrics not yet in the table
  };
  std::vector<Cell> cells;
  nlohmann::json listed = nlohmann::json::array();
  if (root) {
    auto missing_of = [&](const std::string& solver, std::int64_t budget, int s) {
      std::vector<std::string> out;
      for (const auto& m : metrics)
        if (!has_row(solver, budget, std::to_string(s), m)) out.push_back(m);
      return out;
    };
    for (int s = 0; s < a.seeds; ++s) {
      auto missing = missing_of("reference", 0, s);
      if (!missing.empty()) listed.push_back({s, -1, 0, missing});
    }
    for (int s = 0; s < a.seeds; ++s)
      for (size_t k = 0; k < solvers.size(); ++k)
        for (auto budget : budgets) {
          auto missing = missing_of(solvers[k].name, budget, s);
          if (missing.empty())
            bar.advance();
          else
            listed.push_back({s, static_cast<int>(k), budget, missing});
        }
  }
  for (const auto& c : nlohmann::json::parse(broadcast_from_root(listed.dump())))
    cells.push_back({c[0].get<int>(), c[1].get<int>(), c[2].get<std::int64_t>(), c[3].get<std::vector<std::string>>()});

  // One row of a cell's result, sent to rank 0 as JSON (doubles as their bits: NaN survives, nothing is rounded).
  auto bits = [](double v) {
    std::uint64_t u;
    std::memcpy(&u, &v, sizeof u);
    return u;
  };
  auto from_bits = [](std::uint64_t u) {
    double v;
    std::memcpy(&v, &u, sizeof v);
    return v;
  };
  Batch ref;
  int ref_seed = -1;
  std::unique_ptr<NoiseSource> noise;
  int noise_of = -1;
  auto compute = [&](size_t k) -> std::string {
    const Cell& c = cells[k];
    const std::string seed_text = std::to_string(c.seed);
    if (ref_seed != c.seed) {
      ref = reference_for(c.seed);
      ref_seed = c.seed;
    }
    nlohmann::json rows = nlohmann::json::array();
    if (c.solver < 0) {
      const Batch other = oracle ? oracle->sample(paths, floor_seed(a.seed, c.seed))
                                 : held_out[static_cast<size_t>(c.seed) % held_out.size()];
      for (const auto& m : c.missing) {
        const double v = metric_value(m, other, ref, ctx);
        const std::string setting = floor_setting(c.seed) + (m == "fid" ? " features=" + feature_setting : "");
        rows.push_back({"reference", 0, seed_text, 0, bits(0.0), m, bits(v), bits(0.0), setting});
      }
      return rows.dump();
    }
    if (noise_of != c.seed) {
      if (a.noise == "tree") {
        TreeNoiseOptions tn;
        tn.poisson_layer = a.poisson_layer;
        noise = std::make_unique<TreeNoise>(noise_seed(a.seed, c.seed), schedule, tn);
      } else {
        noise = std::make_unique<PhiloxNoise>(noise_seed(a.seed, c.seed));
      }
      noise_of = c.seed;
    }
    const SolverSpec& sv = solvers[static_cast<size_t>(c.solver)];
    const RunOutcome r = sv.ode ? run_ode(std::get<NormalProcess>(process), *predictor, *noise, sv, c.budget, paths, a, !oracle,
                                        device_run.get())
                                : run_sde(process, *predictor, *noise, sv, c.budget, paths, a, grid_spec, device_run.get());
    require_finite(r.samples, "pmm-sweep: samples of " + sv.name);
    for (const auto& m : c.missing) {
      const double v = metric_value(m, r.samples, ref, ctx);
      const std::string setting = m == "fid" ? r.setting + " features=" + feature_setting : r.setting;
      rows.push_back({sv.name, c.budget, seed_text, r.steps, bits(r.nfe), m, bits(v), bits(r.seconds), setting});
    }
    return rows.dump();
  };
  auto record = [&](size_t k, const std::string& result) {
    for (const auto& row : nlohmann::json::parse(result)) {
      const auto solver = row[0].get<std::string>(), seed_text = row[2].get<std::string>(), m = row[5].get<std::string>();
      const auto budget = row[1].get<std::int64_t>(), steps = row[3].get<std::int64_t>();
      const double nfe = from_bits(row[4].get<std::uint64_t>()), v = from_bits(row[6].get<std::uint64_t>()),
                   wall = from_bits(row[7].get<std::uint64_t>());
      const auto setting = row[8].get<std::string>();
      append(solver, budget, seed_text, steps, nfe, m, v, "", 1, wall, setting);
      auto& x = acc[{solver, budget, m}];
      x.value.push_back(v);
      x.nfe.push_back(nfe);
      x.wall.push_back(wall);
      x.seeds.insert(seed_text);
      if (cells[k].solver >= 0) x.steps = steps;
      x.setting = setting;
    }
    if (cells[k].solver >= 0) bar.advance();
  };
  // Cost of a cell: NFE x paths (a floor cell draws and scores paths samples: cost paths).
  std::vector<double> costs;
  for (const auto& c : cells)
    costs.push_back(static_cast<double>(std::max<std::int64_t>(1, c.budget)) * static_cast<double>(a.paths));
  if (world().size > 1) notify_root_of_failures();
  run_tasks(assign_by_cost(costs, world().size), compute, record);
  bar.finish();
  if (!root) return 0;

  // ---- summaries: mean and standard error over seeds, once every seed is in ----
  auto mean_of = [](const std::vector<double>& v) { return std::accumulate(v.begin(), v.end(), 0.0) / v.size(); };
  std::vector<std::string> lines;
  for (const auto& [key, x] : acc) {
    const auto& [solver, budget, m] = key;
    bool all = true;
    for (int s = 0; s < a.seeds; ++s) all = all && x.seeds.count(std::to_string(s));
    if (!all) continue;
    const double mean = mean_of(x.value);
    double se = 0;
    if (x.value.size() >= 2) {
      double ss = 0;
      for (double v : x.value) ss += (v - mean) * (v - mean);
      se = std::sqrt(ss / static_cast<double>(x.value.size() - 1) / static_cast<double>(x.value.size()));
    }
    if (!has_row(solver, budget, "mean", m))
      append(solver, budget, "mean", x.steps, mean_of(x.nfe), m, mean, x.value.size() >= 2 ? cell_number(se) : "",
             static_cast<int>(x.value.size()), mean_of(x.wall), x.setting);
    lines.push_back(fmt::format("  {:<16} {:>7} {:>9.1f} {:>6}  {:>12.4e} +- {:<10.2e} {:>8.2f} s", solver, budget,
                                mean_of(x.nfe), m, mean, se, mean_of(x.wall)));
  }
  const double total = std::chrono::duration<double>(std::chrono::steady_clock::now() - sweep_start).count();
  if (!a.quiet) {
    fmt::print("pmm-sweep: {} {}  paths {}  ref_paths {}  seeds {}  noise {}  final {}\n", pname, target_name, a.paths,
               a.ref_paths, a.seeds, a.noise, a.final_mode);
    fmt::print("  {:<16} {:>7} {:>9} {:>6}  {:>12}    {:<10} {:>10}\n", "solver", "budget", "nfe", "metric",
               "mean", "se", "wall/run");
    for (const auto& l : lines) fmt::print("{}\n", l);
    fmt::print("noise floor (solver 'reference'): {}\n", floor_setting(0));
    fmt::print("wall time {:.1f} s; wrote {}\n", total, a.out);
  }

  if (!a.plot.empty()) {
    // pmm-plot lives next to this executable.
    const auto self = std::filesystem::read_symlink("/proc/self/exe");
    const auto plotter = self.parent_path() / "pmm-plot";
    require(std::filesystem::exists(plotter), "--plot", "pmm-plot not found next to pmm-sweep (" + plotter.string() + ")");
    auto quote = [](const std::string& s) {
      std::string q = "'";
      for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
      return q + "'";
    };
    const std::string cmd = quote(plotter.string()) + " sweep " + quote(a.out) + " --out " + quote(a.plot);
    std::fflush(stdout);
    const int status = std::system(cmd.c_str());
    require(status == 0, "--plot", "pmm-plot failed (" + cmd + ")");
  }
#ifdef PMM_HAVE_TORCH
  if (!a.model.empty()) warn_slow_blas("pmm-sweep", a.device);  // after a run that succeeded: errors stay one line
#endif
  return 0;
}

}  // namespace
}  // namespace pmm

int main(int argc, char** argv) { return pmm::run_ranks(argc, argv, pmm::run); }
