// pmm-solve: simulate a PMM posterior-mean process from mu(0) to mu(1) with a chosen solver and predictor
// (exact oracle of a target, a TorchScript network, or x itself with --given-x), and write the samples,
// trajectories and a JSON report. Thin front: options are validated here, the work is solvers::solve.
// Under mpirun/srun each rank runs a block of the paths and rank 0 writes the outputs (docs/distributed.md).
// pmm-uses: mpi
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include <pmm/io/atomic_file.hpp>
#include <pmm/io/output_lock.hpp>
#include <pmm/io/matrix_file.hpp>
#include <pmm/io/npy.hpp>
#include "apps/common/options.hpp"
#include "apps/common/process_options.hpp"
#include "apps/common/progress.hpp"
#include "apps/common/report.hpp"
#include "apps/common/targets.hpp"
#include "apps/common/text_io.hpp"
#include "apps/mpi/gather_solution.hpp"
#include "apps/mpi/split.hpp"
#include "apps/mpi/world.hpp"
#include <pmm/processes/dirichlet_categorical.hpp>
#include <pmm/processes/text_schedules.hpp>
#include <pmm/solvers/masked_sampler.hpp>
#include <pmm/models/oracles/builtin.hpp>
#include <pmm/core/error.hpp>
#include <pmm/solvers/probability_flow.hpp>
#include <pmm/device/device.hpp>
#include <pmm/solvers/registry.hpp>
#ifdef PMM_HAVE_TORCH
#include <pmm/models/torch/load_predictor.hpp>
#include <pmm/models/torch/load_token_predictor.hpp>
#endif

namespace pmm {
namespace {

struct SolveArgs {
  std::string process = "normal", solver = "", schedule = "", grid = "uniform", prior;
  std::string target, target_weights, model, device = "cpu", precision = "f64";
  std::string out, trajectory, out_x, report, final_mode = kDefaultFinal;
  std::string alphabet = "text8";
  int length = 64, show = 5;
  int steps = 100, threads = 1, save_every = 0;
  double ode_tol = 1e-5, ode_start = 1e-3;  // probability-flow ODE (normal): dopri5 rtol = atol; F(t_start)
  std::string ode_clock = "time";
  long long paths = 1000, trajectory_paths = 0;
  std::uint64_t seed = 0;
  bool given_x = false, quiet = false;
  std::string model_info;  // describe_model_info of --model's file
  bool alphabet_given = false, length_given = false, final_given = false;  // dirichlet-categorical --model: else taken from the file
};

bool has_ext(const std::string& path, const std::string& ext) {
  return path.size() >= ext.size() && path.compare(path.size() - ext.size(), ext.size(), ext) == 0;
}

void check_output_path(const std::string& path, const std::string& option, std::vector<std::string> exts) {
  if (path.empty()) return;
  bool ok = false;
  for (const auto& e : exts) ok = ok || has_ext(path, e);
  std::string list;
  for (const auto& e : exts) list += (list.empty() ? "" : " or ") + e;
  require(ok, option, "'" + path + "' must end in " + list);
  const auto dir = std::filesystem::path(path).parent_path();
  require(dir.empty() || std::filesystem::is_directory(dir), option,
          "directory '" + dir.string() + "' does not exist");
}

// One run per output: every output is locked (io/output_lock) from the start of the run to its end, so a
// second pmm-solve with the same --out, --out-x, --trajectory or --report is refused before it computes. On ranks,
// rank 0 (the one writer) holds the locks.
std::vector<OutputLock> lock_outputs(const SolveArgs& a) {
  std::vector<OutputLock> locks;
  if (!world().root()) return locks;
  const std::pair<const std::string*, const char*> outputs[] = {
      {&a.out, "--out"}, {&a.out_x, "--out-x"}, {&a.trajectory, "--trajectory"}, {&a.report, "--report"}};
  for (const auto& [path, option] : outputs)
    if (!path->empty()) locks.emplace_back(*path, option);
  return locks;
}

// Either every output of this run is written or none: the files are staged by an OutputTransaction
// (apps/common/atomic_file.hpp) and renamed into place together, so a failure at a later output
// leaves the earlier ones' pre-existing files as they were (removing them would destroy the user's).
struct OutputSet {
  OutputTransaction transaction;
  std::vector<std::string> written;
  void commit() { transaction.commit(); }
};

nlohmann::json process_json(const AnyProcess& process) {
  return std::visit(
      [](const auto& p) {
        nlohmann::json j{{"name", std::decay_t<decltype(p)>::kName}, {"schedule", p.schedule->describe()},
                         {"F1", p.schedule->F(1.0)}};
        if constexpr (std::is_same_v<std::decay_t<decltype(p)>, NormalProcess>) j["prior"] = {{"b", p.b}};
        if constexpr (!std::is_same_v<std::decay_t<decltype(p)>, NormalProcess>)
          j["prior"] = {{"beta1", p.beta1}, {"beta2", p.beta2}};
        return j;
      },
      process);
}

// Report fields shared by the vector and the token runs.
void add_run_fields(nlohmann::json& j, const SolveArgs& a, const std::string& predictor) {
  j["target"] = a.target;
  j["model"] = a.model;
  if (!a.model.empty()) j["model_info"] = a.model_info;
  j["predictor"] = predictor;
  j["given_x"] = a.given_x;
  j["seed"] = a.seed;
  j["paths"] = a.paths;
  j["threads"] = a.threads;  // per rank
  j["world_size"] = world().size;
}

// Dirichlet-Categorical: tokens instead of real vectors, its own samplers (fixed-grid, event-driven).
// With --model, the length, alphabet and schedule default to the file's (event_shape, vocabulary, schedule) and
// any given explicitly must agree with it.
int run_text(SolveArgs a, int argc, char** argv) {
  require(a.target.rfind("builtin:", 0) != 0, "--target",
          "'" + a.target + "' is a target of the normal, gamma-poisson and inverse-gamma-gamma processes; "
          "dirichlet-categorical takes markov:TEXTFILE, sequences.npy or a text file of sequences");
  require(a.prior.empty(), "--prior", "the dirichlet-categorical process uses the non-informative prior (no parameters)");
  require(!a.final_given || a.final_mode == "mean", "--final", "denoise does not apply to tokens (every position is revealed at t = 1)");
  require(!a.target.empty() || !a.model.empty(), "--target",
          "needs --target (markov:TEXTFILE, sequences.npy or a text file of sequences) or --model FILE.pt");
  require(a.target.empty() || a.model.empty(), "--model", "give --target or --model, not both");
  require(!a.given_x || !a.target.empty(), "--given-x", "needs --target (x is drawn from the target)");
  require(a.device == "cpu" || !a.model.empty(), "--device", "cuda applies to --model here; oracles run on the CPU");
  std::shared_ptr<const TokenPredictor> predictor;
  if (!a.model.empty()) {
#ifdef PMM_HAVE_TORCH
    const TokenModel model = load_torchscript_token_model(a.model, a.device, "--model");
    if (!a.length_given) a.length = model.info.length;
    if (!a.alphabet_given && !model.info.vocabulary.empty())
      a.alphabet = model.info.vocabulary == text8_alphabet().symbols() ? "text8" : "chars:" + model.info.vocabulary;
    check_token_model(model.info, a.model, a.length, parse_alphabet(a.alphabet, "--alphabet").symbols());
    if (!model.info.schedule.empty()) {
      const auto trained = parse_position_schedule(model.info.schedule, a.length, "--model schedule")->describe();
      if (a.schedule.empty())
        a.schedule = model.info.schedule;
      else
        require(parse_position_schedule(a.schedule, a.length, "--schedule")->describe() == trained, "--schedule",
                fmt::format("{} was trained with the schedule {}; omit --schedule or give that one", a.model, trained));
    }
    predictor = model.predictor;
#else
    throw Error("--model: this build has no LibTorch (install libtorch-dev and rebuild)");
#endif
  }
  const Alphabet alphabet = parse_alphabet(a.alphabet, "--alphabet");
  require(a.length >= 1 && a.length < (1 << 24), "--length", fmt::format("must be in [1, 2^24), got {}", a.length));
  require(a.out_x.empty() || a.given_x, "--out-x", "only applies with --given-x");
  check_output_path(a.out, "--out", {".npy", ".txt"});
  check_output_path(a.out_x, "--out-x", {".npy", ".txt"});
  check_output_path(a.trajectory, "--trajectory", {".npy"});
  check_output_path(a.report, "--report", {".json"});
  const auto locks = lock_outputs(a);
  const std::string solver = a.solver.empty() ? default_solver("dirichlet-categorical") : a.solver;
  MaskedOptions opt;
  opt.solver = parse_masked_solver(solver, "--solver");
  const std::string schedule = a.schedule.empty() ? "linear" : a.schedule;
  const DirichletCategoricalProcess process = dirichlet_categorical_process(
      alphabet.size(), a.length, parse_position_schedule(schedule, a.length, "--schedule"));
  {
    // Tokens of the samples and of x (int), the sampler's state (about 2 more), the masked fractions.
    const double cells = static_cast<double>(a.paths) * static_cast<double>(a.length);
    const double saves = a.trajectory.empty() ? 0.0 : std::max(2, a.save_every > 0 ? a.steps / a.save_every + 1 : 101);
    const std::string what = fmt::format("{} paths of length {}", a.paths, a.length);
    require_memory(4.0 * cells * (3.0 + (a.given_x ? 1.0 : 0.0)) + 8.0 * saves * static_cast<double>(a.paths),
                   a.length > a.paths ? "--length" : "--paths", what);
  }
  TokenOraclePtr oracle;
  if (!predictor) {
    oracle = load_token_target(a.target, alphabet, a.length, "--target", true);
    predictor = oracle;
  }
  std::vector<int> x;
  if (a.given_x) {
    x = oracle->sample(static_cast<Index>(a.paths), a.seed);
    predictor = std::make_shared<GivenTokens>(x, static_cast<Index>(a.paths), a.length, alphabet.size());
  }
  if (opt.solver == MaskedSolver::kFixedGrid) opt.grid = masked_grid(parse_grid(a.grid, "--grid"), process, a.steps);
  if (!a.trajectory.empty()) {
    const int saves = std::max(2, a.save_every > 0 ? a.steps / a.save_every + 1 : 101);
    for (int i = 0; i < saves; ++i) opt.save_times.push_back(static_cast<double>(i) / (saves - 1));
  }
  opt.threads = a.threads;
  opt.seed = a.seed;
  // This rank's block of paths (all of them on one process); rank 0 gathers the blocks and writes.
  const Block mine = paths_of_rank(a.paths, 1, world().rank, world().size);
  opt.first_path = static_cast<Index>(mine.first);
  ProgressBar bar(mine.count, ProgressOptions{"pmm-solve"});
  if (bar.enabled()) opt.progress = bar.callback();
  Solution local;
  if (mine.count > 0) local = run_masked(process, *predictor, static_cast<Index>(mine.count), opt);
  bar.finish();
  const Solution r = world().size == 1 ? std::move(local) : gather_solution(local, mine.count, a.paths, 0);
  if (!world().root()) return 0;

  OutputSet outputs;
  if (!a.out.empty()) {
    write_token_sequences(a.out, r.tokens, r.paths, a.length, alphabet, "--out");
    outputs.written.push_back(a.out);
  }
  if (!a.out_x.empty()) {
    write_token_sequences(a.out_x, x, r.paths, a.length, alphabet, "--out-x");
    outputs.written.push_back(a.out_x);
  }
  if (!a.trajectory.empty()) {
    write_npy(a.trajectory, r.trajectory.data(),
              {static_cast<std::int64_t>(r.save_times.size()), static_cast<std::int64_t>(r.paths)});
    outputs.written.push_back(a.trajectory);
  }
  if (!a.report.empty()) {
    nlohmann::json j = run_metadata(argc, argv);
    j["process"] = {{"name", "dirichlet-categorical"}, {"vocab", alphabet.size()}, {"length", a.length},
                    {"schedule", schedule}};
    j["solver"] = {{"name", solver}};
    add_run_fields(j, a, predictor->describe());
    j["alphabet"] = alphabet.symbols();
    j["steps"] = a.steps;
    j["nfe_mean"] = r.nfe_mean;
    j["nfe_max"] = r.nfe_max;
    j["nfe"] = r.nfe_max;
    // Positions the schedule left masked at t = 1, each filled through the predictor (1 NFE, included above).
    j["leftover_positions"] = r.leftover;
    j["leftover_paths"] = r.leftover_paths;
    j["wall_seconds"] = r.seconds;
    j["save_times"] = r.save_times;
    j["trajectory_content"] = "masked fraction per path [saves, paths]";
    j["outputs"] = {{"samples", a.out}, {"trajectory", a.trajectory}, {"x", a.out_x}};
    write_json_atomic(a.report, j);
    outputs.written.push_back(a.report);
  }
  outputs.commit();
#ifdef PMM_HAVE_TORCH
  if (!a.model.empty()) warn_slow_blas("pmm-solve", a.device);  // after a run that succeeded: errors stay one line
#endif
  if (!a.quiet) {
    fmt::print("process dirichlet-categorical  solver {}  length {}  vocab {}  NFE mean {:.1f} max {}  paths {}  wall {:.3f} s\n",
               solver, a.length, alphabet.size(), r.nfe_mean, r.nfe_max, a.paths, r.seconds);
    if (r.leftover > 0)
      fmt::print("left masked at t = 1: {} positions ({:.2f}% of {}) in {} paths, filled one at a time through the "
                 "predictor ({} NFE, counted above)\n",
                 r.leftover, 100.0 * static_cast<double>(r.leftover) / (static_cast<double>(r.paths) * a.length),
                 static_cast<std::int64_t>(r.paths) * a.length, r.leftover_paths, r.leftover);
    fmt::print("predictor: {}\n", predictor->describe());
    const Index shown = std::min<Index>(a.show, r.paths);
    if (shown > 0) {
      std::vector<int> head(r.tokens.begin(), r.tokens.begin() + shown * a.length);
      fmt::print("{}", format_token_sequences(head, shown, a.length, alphabet));
    }
    for (const auto& p : outputs.written) fmt::print("wrote {}\n", p);
  }
  return 0;
}

int run(int argc, char** argv) {
  SolveArgs a;
  CLI::App app{"pmm-solve: simulate a Posterior Mean Matching process from mu(0) to mu(1) and write samples.\n"
               "Example: pmm-solve --process normal --target builtin:gmm2d --solver heun --steps 200 "
               "--paths 10000 --out samples.npy"};
  app.option_defaults()->always_capture_default();
  app.add_option("--process", a.process, "normal | gamma-poisson | inverse-gamma-gamma | dirichlet-categorical");
  app.add_option("--solver", a.solver,
                 "exact | euler-maruyama | heun | ode | ode-rk4 | ode-heun (normal) | tau-leap | tau-leap-midpoint "
                 "(gamma-poisson); default: heun (normal), tau-leap (gamma-poisson), exact (inverse-gamma-gamma). "
                 "ode: the probability-flow ODE by adaptive dopri5 (--ode-tol); ode-rk4, ode-heun: --steps fixed steps. "
                 "euler-maruyama on gamma-poisson and inverse-gamma-gamma steps their diffusion approximations, which "
                 "do NOT converge to the jump processes' laws (the report says so)");
  app.add_option("--steps", a.steps, "number of grid steps (>= 1)");
  app.add_option("--ode-tol", a.ode_tol, "ode (dopri5): relative and absolute tolerance per step");
  app.add_option("--ode-clock", a.ode_clock, "ode*: integration variable, time | log-precision");
  app.add_option("--ode-start", a.ode_start, "ode*: F(t_start) reached by the exact stochastic first step");
  app.add_option("--schedule", a.schedule,
                 "exponential[:a=..,k=..] (default) | linear:a=..,b=.. | constant:c=.. | staircase:a=..,b=..,c=.. | table:FILE; "
                 "dirichlet-categorical also semi-ar[:width=W] (its default: linear = 0.01 (1 + 2000 t))");
  app.add_option("--grid", a.grid, "uniform | uniform-precision | power:rho=R");
  app.add_option("--prior", a.prior, "prior parameters: b=2 (normal); beta1=0.1,beta2=2 (gamma-poisson); beta1=2,beta2=1 (inverse-gamma-gamma)");
  app.add_option("--target", a.target, "builtin:NAME | points.npy or .csv ([n, dim]; repeated rows are merged into "
                 "weighted points, the same law) | mixture.json");
  app.add_option("--target-weights", a.target_weights, "weights .npy or .csv ([n]) for a point set");
  app.add_option("--model", a.model, "TorchScript predictor file: forward(mu [B, dim], t [B]) -> [B, dim]; "
                 "dirichlet-categorical: forward(mu [B, L, V], t [B]) -> probabilities [B, L, V] (pmm-train "
                 "--process categorical --net transformer); length, alphabet and schedule default to the file's");
  app.add_option("--precision", a.precision,
                 "f64 | f32: the device kernels' number type; f32 (float32 state and normals) for the normal process's "
                 "SDE solvers on a device only, equal to f64 to float rounding");
  app.add_option("--device", a.device,
                 "cpu | cuda | cuda:N | thrust-cpp | thrust-omp: where the paths run (an oracle target: the device "
                 "path kernels, SDE solvers and ode-rk4, ode-heun; thrust-cpp/-omp run the same kernels on the CPU) or "
                 "where --model's network runs");
  app.add_option("--paths", a.paths, "number of sample paths");
  app.add_option("--seed", a.seed, "random seed: results depend on it alone");
  app.add_option("--threads", a.threads, "CPU threads, 0: all cores (results do not depend on it)");
  app.add_option("--out", a.out, "final samples, .npy (float64 [paths, dim]) or .csv");
  app.add_option("--trajectory", a.trajectory, "mu(t) at save points, .npy float64 [saves, paths, dim]");
  app.add_option("--save-every", a.save_every, "save mu every K steps (with --trajectory; default: steps/100)");
  app.add_option("--trajectory-paths", a.trajectory_paths, "keep only the first K paths in --trajectory (0: all)");
  app.add_option("--final", a.final_mode, "denoise: output g(mu(1), 1) (+1 NFE) | mean: output mu(1) "
                 "(dirichlet-categorical: ignored, every position is revealed at t = 1)");
  app.add_flag("--given-x", a.given_x, "simulate the process conditional on x drawn from the target");
  app.add_option("--out-x", a.out_x, "with --given-x: the x of each path, .npy or .csv");
  app.add_option("--report", a.report, "JSON report: settings, seed, NFE, wall time, versions");
  app.add_flag("--quiet", a.quiet, "print nothing on stdout");
  app.add_option("--length", a.length, "dirichlet-categorical: sequence length C (with --model: the file's)");
  app.add_option("--alphabet", a.alphabet, "dirichlet-categorical: text8 | chars:SYMBOLS");
  app.add_option("--show", a.show, "dirichlet-categorical: sequences printed on stdout");
  bool list_targets = false, list_solvers = false;
  app.add_flag("--list-targets", list_targets, "print the built-in targets and the target file formats, and exit");
  app.add_flag("--list-solvers", list_solvers, "print every solver with its process, order and NFE per step, and exit");
  app.footer("\nSolvers: dirichlet-categorical takes event-driven (default) or fixed-grid. NFE is the number of "
             "predictor evaluations per path (steps x evaluations per step, +1 for --final denoise). "
             "--list-solvers shows them all.\n\n" + target_help());
  parse_args(app, argc, argv);
  if (list_targets || list_solvers) {
    fmt::print("{}", list_targets ? target_help() : solver_help());
    if (list_targets && list_solvers) fmt::print("\n{}", solver_help());
    return 0;
  }
  a.alphabet_given = app.count("--alphabet") > 0;
  a.length_given = app.count("--length") > 0;
  a.final_given = app.count("--final") > 0;
  if (!a.model.empty()) {
#ifdef PMM_HAVE_TORCH
    // The file's process, schedule and prior are the run's unless given; one given that differs is refused.
    const ModelInfo info = read_model_info(a.model, "--model");
    ProcessChoice choice{a.process, a.schedule, a.prior, app.count("--process") > 0, app.count("--schedule") > 0,
                         app.count("--prior") > 0};
    apply_model_info(info, a.model, choice);
    a.process = choice.process;
    a.schedule = choice.schedule;
    a.prior = choice.prior;
    a.model_info = describe_model_info(info);
#else
    throw Error("--model: this build has no LibTorch (install libtorch-dev and rebuild)");
#endif
  }

  // ---- validate everything before any work ----
  require(a.steps >= 1 && a.steps <= 10000000, "--steps", fmt::format("must be in [1, 1e7], got {}", a.steps));
  require(a.paths >= 1 && a.paths < (1ll << 32), "--paths", fmt::format("must be in [1, 2^32), got {}", a.paths));
  a.threads = resolve_threads(a.threads);
  require(a.save_every >= 0, "--save-every", "must be >= 0");
  require(a.trajectory_paths >= 0, "--trajectory-paths", "must be >= 0");
  require(a.final_mode == "mean" || a.final_mode == "denoise", "--final",
          "expected mean or denoise, got '" + a.final_mode + "'");
  parse_device(a.device, "--device");  // cpu, cuda, cuda:N or thrust-cpp
  const Precision precision = parse_precision(a.precision, "--precision");
  require(precision == Precision::kF64 || (a.device != "cpu" && a.model.empty()), "--precision",
          "f32 applies to the device path kernels: give --device thrust-cpp, thrust-omp or cuda with an oracle target");
  if (a.process == "dirichlet-categorical") return run_text(a, argc, argv);
  const AnyProcess process = make_process(a.process, a.schedule, a.prior);
  const std::string pname = process_name(process);
  if (a.solver.empty()) a.solver = default_solver(pname);
  // The probability-flow ODE: "ode" (dopri5), "ode-rk4", "ode-heun", as in pmm-sweep.
  const bool ode = is_ode_solver(a.solver);
  require(a.solver != "ode" || app.count("--steps") == 0, "--steps",
          "the adaptive solver 'ode' picks its own steps (set its accuracy with --ode-tol); for a fixed number of "
          "steps use ode-rk4 (4 NFE a step) or ode-heun (2)");
  if (ode) {
    require(pname == "normal", "--solver",
            "'" + a.solver + "' (the probability-flow ODE) is for the normal process; use one of: " +
                fmt::format("{}", fmt::join(solvers_for(pname), ", ")));
    require(a.trajectory.empty(), "--trajectory", "not available with the probability-flow ODE solvers (use an SDE solver)");
    require(!a.given_x, "--given-x", "the probability-flow ODE samples the marginal law; simulate given x with an SDE solver");
    require(std::isfinite(a.ode_tol) && a.ode_tol > 0 && a.ode_tol < 1, "--ode-tol",
            fmt::format("must be in (0, 1), got {}", a.ode_tol));
  } else {
    const auto fits = solvers_for(pname);
    require(std::find(fits.begin(), fits.end(), a.solver) != fits.end(), "--solver",
            fmt::format("'{}' does not fit the {} process; use one of: {}{}", a.solver, pname, fmt::join(fits, ", "),
                        pname == "normal" ? ", ode, ode-rk4, ode-heun" : ""));
    check_solver(pname, a.solver);
  }
  require(!a.target.empty() || !a.model.empty(), "--target", "needs --target or --model (try --target builtin:" +
                                                                 builtin_default(pname) + ")");
  require(a.target.empty() || a.model.empty(), "--model", "give --target or --model, not both");
  require(!a.given_x || !a.target.empty(), "--given-x", "needs --target (x is drawn from the target)");
  require(a.out_x.empty() || a.given_x, "--out-x", "only applies with --given-x");
  require(a.trajectory.empty() || has_ext(a.trajectory, ".npy"), "--trajectory", "must be a .npy file");
  check_output_path(a.out, "--out", {".npy", ".csv"});
  check_output_path(a.trajectory, "--trajectory", {".npy"});
  check_output_path(a.out_x, "--out-x", {".npy", ".csv"});
  check_output_path(a.report, "--report", {".json"});
  const auto locks = lock_outputs(a);
  if (!a.trajectory.empty() && a.save_every == 0) a.save_every = std::max(1, a.steps / 100);
  const GridSpec grid_spec = parse_grid(a.grid, "--grid");
  std::vector<double> grid = make_grid(grid_spec, *std::visit([](const auto& p) { return p.schedule; }, process),
                                       a.steps);
  {
    const std::string warn =
        first_step_warning(*std::visit([](const auto& p) { return p.schedule; }, process), grid, a.grid);
    if (!warn.empty() && a.solver != "ode") fmt::print(stderr, "pmm-solve: {}\n", warn);
  }
  if (pname == "inverse-gamma-gamma" && !a.given_x) fmt::print(stderr, "pmm-solve: {}\n", igg_bias_warning());

  // ---- predictor ----
  PredictorPtr predictor;
  OraclePtr oracle;
  TargetInfo target_info;
  Batch x;
  // Samples, solver state (about 4 batches), x with --given-x and the trajectory, before any is allocated.
  auto check_memory = [&](Index dim) {
    const double saves = a.trajectory.empty() ? 0.0 : static_cast<double>(a.steps / std::max(1, a.save_every) + 1);
    const double batches = 4.0 + (a.given_x ? 1.0 : 0.0) + 2.0 * saves;
    require_memory(8.0 * static_cast<double>(a.paths) * static_cast<double>(dim) * batches, "--paths",
                   fmt::format("{} paths of dimension {}{}", a.paths, dim,
                               saves > 0 ? fmt::format(" with {} trajectory saves", saves) : ""));
  };
  if (!a.target.empty()) {
    oracle = load_target(process, a.target, a.target_weights, &target_info);
    predictor = oracle;
    check_memory(oracle->dim());
    if (a.given_x) {
      x = oracle->sample(static_cast<Index>(a.paths), a.seed);
      predictor = std::make_shared<GivenX>(x);
    }
  } else {
#ifdef PMM_HAVE_TORCH
    set_torch_threads(a.threads);  // the network's intra-op threads (ATen and BLAS): --threads, as on a target
    predictor = load_torchscript_predictor(a.model, a.device, 0);
#else
    throw Error("--model: this build has no LibTorch (install libtorch-dev and rebuild)");
#endif
  }
  // Oracle runs off the CPU go through the device path kernels (Thrust: CUDA, or the CPP system for checks).
  const bool on_device = a.model.empty() && a.device != "cpu";
  DeviceSpec device_spec;
  DevicePredictor device_pred;
  if (on_device) {
    device_spec = parse_device(a.device, "--device");
    require(world().size == 1, "--device",
            fmt::format("runs on one process only ({} MPI ranks here): the device kernels take no path offset yet; "
                        "use --device cpu on ranks", world().size));
    device_spec.precision = precision;
    require(precision == Precision::kF64 || (pname == "normal" && !ode), "--precision",
            "f32 kernels exist for the normal process's SDE solvers (exact, euler-maruyama, heun) only");
    require(a.solver != "ode", "--device",
            "the adaptive probability-flow ODE 'ode' (dopri5) runs on the CPU only; on " + a.device +
                " use ode-rk4 or ode-heun (fixed steps) or an SDE solver");
    require_device(device_spec, "--device");
    if (a.given_x) {
      device_pred.kind = DevicePredictor::Kind::kGivenX;
      device_pred.x = x;
    } else {
      device_pred.kind = DevicePredictor::Kind::kFiniteSet;
      require(oracle->atoms(&device_pred.points, &device_pred.weights), "--device",
              "on the device the target must be a finite point set (or use --given-x)");
    }
  }
  if (a.target.empty()) check_memory(predictor->dim());

  // ---- run ----
  PhiloxNoise noise(a.seed);
  IntegrateOptions opt;
  opt.grid = grid;
  opt.threads = a.threads;
  opt.save_every = a.trajectory.empty() ? 0 : a.save_every;
  opt.denoise = a.final_mode == "denoise";
  ProbabilityFlowOptions flow;
  if (ode) {
    flow.ode.rtol = flow.ode.atol = a.ode_tol;
    flow.clock = parse_ode_clock(a.ode_clock, "--ode-clock");
    flow.start_precision = a.ode_start;
  }
  // This rank's block of paths (all of them on one process). The adaptive ODE shares its steps within a chunk, so
  // its blocks are whole chunks of the one-process plan (min(chunk, paths) paths; the last may be shorter).
  const std::int64_t unit = ode ? std::min<std::int64_t>(flow.chunk, a.paths) : 1;
  const Block mine = paths_of_rank(a.paths, unit, world().rank, world().size);
  opt.first_path = static_cast<Index>(mine.first);
  ProgressBar bar(mine.count * a.steps, ProgressOptions{"pmm-solve"});
  if (bar.enabled()) opt.progress = bar.callback();
  Solution local;
  if (mine.count > 0)
    local = on_device ? device_solve(process, a.solver, device_pred, a.seed, static_cast<Index>(mine.count), opt,
                                     device_spec, flow)
                      : solve(process, a.solver, *predictor, noise, static_cast<Index>(mine.count), opt, flow);
  bar.finish();
  const Solution res =
      world().size == 1 ? std::move(local) : gather_solution(local, mine.count, a.paths, predictor->dim());
  if (!world().root()) return 0;
  require_finite(res.final, "pmm-solve: final samples");

  // ---- outputs: all or none ----
  OutputSet outputs;
  if (!a.out.empty()) {
    write_matrix(a.out, res.final, "--out");
    outputs.written.push_back(a.out);
  }
  const Index dim = res.final.rows();
  std::int64_t kept = a.trajectory_paths > 0 ? std::min<long long>(a.trajectory_paths, a.paths) : a.paths;
  if (!a.trajectory.empty()) {
    const std::int64_t saves = static_cast<std::int64_t>(res.save_times.size());
    std::vector<double> traj(static_cast<size_t>(saves * kept * dim));
    for (std::int64_t s = 0; s < saves; ++s)
      std::copy_n(res.trajectory.data() + s * a.paths * dim, kept * dim, traj.data() + s * kept * dim);
    write_npy(a.trajectory, traj.data(), {saves, kept, static_cast<std::int64_t>(dim)});
    outputs.written.push_back(a.trajectory);
  }
  if (!a.out_x.empty()) {
    write_matrix(a.out_x, x, "--out-x");
    outputs.written.push_back(a.out_x);
  }
  nlohmann::json summary = {{"mean", std::vector<double>()}, {"std", std::vector<double>()}};
  for (Index d = 0; d < dim; ++d) {
    const double m = res.final.row(d).mean();
    const double sd = std::sqrt((res.final.row(d) - m).square().sum() / std::max<Index>(1, res.final.cols() - 1));
    summary["mean"].push_back(m);
    summary["std"].push_back(sd);
  }
  if (!a.report.empty()) {
    nlohmann::json j = run_metadata(argc, argv);
    j["process"] = process_json(process);
    if (ode)
      j["solver"] = {{"name", a.solver}, {"kind", "probability-flow ODE"}, {"ode_tol", a.ode_tol},
                     {"ode_clock", a.ode_clock}, {"ode_start_precision", a.ode_start},
                     {"method_order", ode_method_order(ode_method_of(a.solver))}};
    else {
      const SolverOrders orders = solver_orders(pname, a.solver);
      j["solver"] = {{"name", a.solver},
                     {"strong_order", orders.strong},
                     {"weak_order", orders.weak},
                     {"converges_to_process_law", orders.converges}};
      if (*orders.note) j["solver"]["note"] = orders.note;
    }
    j["device"] = a.device;
    j["precision"] = a.precision;
    j["grid"] = {{"spec", a.grid}, {"steps", a.steps}};
    add_run_fields(j, a, predictor->describe());
    if (target_info.rows > 0) j["target_points"] = {{"rows", target_info.rows}, {"distinct", target_info.points},
                                                    {"note", target_info.note()}};
    j["final"] = a.final_mode;
    j["nfe"] = res.nfe_max;  // per path (the ODE: the largest chunk's; adaptive steps are shared within a chunk)
    j["nfe_mean"] = res.nfe_mean;
    j["wall_seconds"] = res.seconds;
    j["path_steps_per_second"] = static_cast<double>(a.paths) * a.steps / std::max(res.seconds, 1e-12);
    j["dim"] = dim;
    j["save_times"] = res.save_times;
    j["trajectory_paths"] = kept;
    j["outputs"] = {{"samples", a.out}, {"trajectory", a.trajectory}, {"x", a.out_x}};
    j["summary"] = summary;
    write_json_atomic(a.report, j);
    outputs.written.push_back(a.report);
  }
  outputs.commit();
#ifdef PMM_HAVE_TORCH
  if (!a.model.empty()) warn_slow_blas("pmm-solve", a.device);  // after a run that succeeded: errors stay one line
#endif

  if (!a.quiet) {
    fmt::print("process {}  solver {}  steps {}  NFE {}  paths {}  dim {}  wall {:.3f} s\n", pname, a.solver,
               a.solver == "ode" ? std::string("adaptive") : std::to_string(a.steps), res.nfe_max, a.paths, dim,
               res.seconds);
    fmt::print("predictor: {}\n", predictor->describe());
    if (!a.model_info.empty()) fmt::print("model: {}\n", a.model_info);
    if (target_info.merged()) fmt::print("target: {}\n", target_info.note());
    for (Index d = 0; d < std::min<Index>(dim, 8); ++d)
      fmt::print("  x{}: mean {:+.4f}  std {:.4f}\n", d, summary["mean"][d].get<double>(),
                 summary["std"][d].get<double>());
    for (const auto& p : outputs.written) fmt::print("wrote {}\n", p);
  }
  return 0;
}

}  // namespace
}  // namespace pmm

int main(int argc, char** argv) { return pmm::run_ranks(argc, argv, pmm::run); }
