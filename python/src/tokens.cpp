// pmm.solve(process="dirichlet-categorical"): the masked samplers (fixed-grid, event-driven) of pmm-solve's run_text
// (apps/pmm-solve.cpp), with the same targets (markov:FILE chains, sequence sets in .npy or text files) or a
// TorchScript token model, so the same seed gives the same tokens as `pmm-solve --process dirichlet-categorical`.
#include <algorithm>
#include <atomic>

#include <fmt/format.h>

#include <pmm/core/error.hpp>
#include <pmm/processes/dirichlet_categorical.hpp>
#include <pmm/processes/text_schedules.hpp>
#include <pmm/solvers/masked_sampler.hpp>
#include "apps/common/options.hpp"
#include "apps/common/process_options.hpp"
#include "apps/common/text_io.hpp"
#include "common.hpp"
#ifdef PMM_HAVE_TORCH
#include <pmm/models/torch/load_token_predictor.hpp>
#endif

namespace pmm::py_bind {

namespace {

struct Interrupted {};

// One decoded string per row of a [n, length] token array (ids in [0, V)).
py::list decode_rows(const std::vector<int>& tokens, Index n, int length, const Alphabet& alphabet) {
  py::list out(static_cast<size_t>(n));
  for (Index j = 0; j < n; ++j)
    out[static_cast<size_t>(j)] = py::str(decode_tokens(tokens.data() + j * length, length, alphabet));
  return out;
}

}  // namespace

py::dict solve_tokens(const TokenArgs& a) {
  require(a.prior.is_none(), "prior", "the dirichlet-categorical process uses the non-informative prior (no parameters)");
  if (!a.final_mode.is_none())
    require(str_arg(a.final_mode, "final") == "mean", "final",
            "denoise does not apply to tokens (every position is revealed at t = 1); omit final or give 'mean'");
  require(a.weights.is_none(), "weights", "does not apply to dirichlet-categorical targets (sequence sets are uniform)");
  require(a.dim.is_none(), "dim", "does not apply to dirichlet-categorical (the length is `length`)");
  const bool has_model = !a.model.is_none();
  require(!a.target.is_none() || has_model, "target",
          "needs target (markov:TEXTFILE, sequences.npy or a text file of sequences) or model='FILE.pt'");
  require(a.target.is_none() || !has_model, "model", "give target or model, not both");
  require(!a.given_x || !a.target.is_none(), "given_x", "needs a target (x is drawn from the target)");
  const std::string device = str_arg(a.device, "device");
  require(device == "cpu" || has_model, "device", "applies to a TorchScript model here; oracles run on the CPU");
  const std::string target = a.target.is_none() ? "" : str_arg(a.target, "target");
  std::string alphabet_spec = a.alphabet.is_none() ? "text8" : str_arg(a.alphabet, "alphabet");
  int length = 64;
  if (!a.length.is_none()) {
    const long long l = int_arg(a.length, "length");
    require(l >= 1 && l < (1 << 24), "length", fmt::format("must be in [1, 2^24), got {}", l));
    length = static_cast<int>(l);
  }
  std::string schedule = a.schedule.is_none() ? "" : str_arg(a.schedule, "schedule");

  std::shared_ptr<const TokenPredictor> predictor;
  if (has_model) {
    if (!py::isinstance<py::str>(a.model))
      throw py::type_error("model: dirichlet-categorical takes a TorchScript file name (pmm-train --process categorical)");
#ifdef PMM_HAVE_TORCH
    const std::string path = a.model.cast<std::string>();
    TokenModel model;
    {
      py::gil_scoped_release release;
      model = load_torchscript_token_model(path, device, "model");
    }
    // As pmm-solve: length, alphabet and schedule default to the file's; any given must agree with it.
    if (a.length.is_none()) length = model.info.length;
    if (a.alphabet.is_none() && !model.info.vocabulary.empty())
      alphabet_spec = model.info.vocabulary == text8_alphabet().symbols() ? "text8" : "chars:" + model.info.vocabulary;
    check_token_model(model.info, path, length, parse_alphabet(alphabet_spec, "alphabet").symbols(), "length", "alphabet");
    if (!model.info.schedule.empty()) {
      const auto trained = parse_position_schedule(model.info.schedule, length, "model schedule")->describe();
      if (schedule.empty())
        schedule = model.info.schedule;
      else
        require(parse_position_schedule(schedule, length, "schedule")->describe() == trained, "schedule",
                fmt::format("{} was trained with the schedule {}; omit schedule or give that one", path, trained));
    }
    predictor = model.predictor;
#else
    throw std::runtime_error("model: this build of pmm has no LibTorch, so it cannot load TorchScript files "
                             "(install libtorch-dev and rebuild; pmm.has_torch is False)");
#endif
  }
  const Alphabet alphabet = parse_alphabet(alphabet_spec, "alphabet");
  const std::string solver = a.solver.is_none() ? default_solver("dirichlet-categorical") : str_arg(a.solver, "solver");
  MaskedOptions opt;
  opt.solver = parse_masked_solver(solver, "solver");
  if (schedule.empty()) schedule = "linear";
  const DirichletCategoricalProcess process =
      dirichlet_categorical_process(alphabet.size(), length, parse_position_schedule(schedule, length, "schedule"));
  // save_every: None -> pmm-solve --trajectory's 101 saves; 0 -> none; K -> steps / K + 1 (at least 2).
  int saves = 101;
  if (!a.save_every.is_none()) {
    const long long k = int_arg(a.save_every, "save_every");
    require(k >= 0, "save_every", fmt::format("must be >= 0, got {}", k));
    saves = k == 0 ? 0 : std::max(2, static_cast<int>(a.steps / std::min<long long>(k, 1ll << 30)) + 1);
  }
  {
    const double cells = static_cast<double>(a.paths) * static_cast<double>(length);
    require_memory(4.0 * cells * (3.0 + (a.given_x ? 1.0 : 0.0)) + 8.0 * saves * static_cast<double>(a.paths),
                   length > a.paths ? "length" : "paths", fmt::format("{} paths of length {}", a.paths, length));
  }
  TokenOraclePtr oracle;
  if (!predictor) {
    oracle = load_token_target(target, alphabet, length, "target", true);
    predictor = oracle;
  }
  std::vector<int> x;
  if (a.given_x) {
    x = oracle->sample(static_cast<Index>(a.paths), a.seed);
    predictor = std::make_shared<GivenTokens>(x, static_cast<Index>(a.paths), length, alphabet.size());
  }
  if (opt.solver == MaskedSolver::kFixedGrid) opt.grid = masked_grid(parse_grid(a.grid, "grid"), process, a.steps);
  for (int i = 0; i < saves; ++i) opt.save_times.push_back(static_cast<double>(i) / (saves - 1));
  opt.threads = a.threads;
  opt.seed = a.seed;
  std::atomic<bool> cancel{false};
  opt.progress = [&cancel](std::int64_t) {
    if (cancel.load(std::memory_order_relaxed)) throw Interrupted{};
  };
  Solution r;
  run_interruptible([&] { r = run_masked(process, *predictor, static_cast<Index>(a.paths), opt); }, &cancel);

  py::dict out;
  out["text"] = decode_rows(r.tokens, r.paths, length, alphabet);
  out["samples"] = own_ints(std::move(r.tokens), {static_cast<py::ssize_t>(r.paths), static_cast<py::ssize_t>(length)});
  if (saves > 0) {
    out["trajectory"] = own_vector(std::move(r.trajectory),
                                   {static_cast<py::ssize_t>(r.save_times.size()), static_cast<py::ssize_t>(r.paths)});
    out["times"] = own_vector(std::move(r.save_times), {static_cast<py::ssize_t>(saves)});
  } else {
    out["trajectory"] = py::none();
    out["times"] = py::none();
  }
  if (a.given_x) {
    out["x_text"] = decode_rows(x, r.paths, length, alphabet);
    out["x"] = own_ints(std::move(x), {static_cast<py::ssize_t>(r.paths), static_cast<py::ssize_t>(length)});
  }
  out["nfe"] = r.nfe_max;
  out["nfe_mean"] = r.nfe_mean;
  out["leftover_positions"] = r.leftover;
  out["leftover_paths"] = r.leftover_paths;
  out["seconds"] = r.seconds;
  out["solver"] = solver;
  out["predictor"] = predictor->describe();
  out["alphabet"] = alphabet.symbols();
  out["length"] = length;
  out["schedule"] = schedule;
  return out;
}

}  // namespace pmm::py_bind
