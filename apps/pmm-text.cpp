// pmm-needs: torch
// pmm-text: character language-model tools for the Dirichlet-Categorical experiments (docs/text.md):
//   bpc        bits per character of a model on a text file: a pmm-train --process categorical network by the
//              paper's eq. 169 (Monte Carlo over masking, validation/metric_bpc), or an autoregressive model exactly;
//   train-ar   the autoregressive baseline of Table 3: a causal transformer of the same width, depth and heads;
//   sample-ar  sequences drawn from an autoregressive model (PMM networks sample through pmm-solve --model).
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <pmm/io/atomic_file.hpp>
#include "apps/common/options.hpp"
#include "apps/common/progress.hpp"
#include "apps/common/report.hpp"
#include "apps/common/text_io.hpp"
#include <pmm/models/torch/load_predictor.hpp>
#include <pmm/models/torch/token_text.hpp>
#include <pmm/core/error.hpp>
#include "validation/metric_bpc.hpp"

using namespace pmm;

namespace {

std::string read_text(const std::string& path, const std::string& option) {
  std::ifstream in(path, std::ios::binary);
  require(static_cast<bool>(in), option, path + ": cannot open for reading");
  std::ostringstream s;
  s << in.rdbuf();
  std::string text = s.str();
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  require(!text.empty(), option, path + ": empty file");
  return text;
}

std::string sorted_symbols(const std::string& text) {
  bool seen[256] = {};
  for (unsigned char ch : text) seen[ch] = true;
  std::string out;
  for (int i = 0; i < 256; ++i)
    if (seen[i]) out.push_back(static_cast<char>(i));
  return out;
}

void check_output(const std::string& path, const std::string& option, const std::string& ext) {
  if (path.empty()) return;
  require(path.size() >= ext.size() && path.compare(path.size() - ext.size(), ext.size(), ext) == 0, option,
          "'" + path + "' must end in " + ext);
  const auto dir = std::filesystem::path(path).parent_path();
  require(dir.empty() || std::filesystem::is_directory(dir), option, "directory '" + dir.string() + "' does not exist");
}

void check_device(const std::string& device) {
  require(device == "cpu" || device.rfind("cuda", 0) == 0, "--device", "expected cpu or cuda[:N], got '" + device + "'");
}

}  // namespace

int main(int argc, char** argv) {
  return run_app(argc, argv, [](int argc, char** argv) {
    CLI::App app{"pmm-text: bits per character of text models (PMM eq. 169 or autoregressive), the autoregressive "
                 "baseline's training and sampling.\nExample: pmm-text bpc --model runs/text/model.pt --data valid.txt"};
    app.require_subcommand(1);
    app.option_defaults()->always_capture_default();
    std::string device = "cpu", report;
    int threads = 0;
    std::uint64_t seed = 0;

    // ---- bpc ----
    auto* bpc = app.add_subcommand("bpc", "bits per character of --model on the characters of --data");
    std::string model, data, alphabet, schedule;
    std::int64_t max_chars = 0, batch = 256;
    int passes = 4;
    bpc->add_option("--model", model, "TorchScript file: pmm-train categorical network or pmm-text train-ar model")->required();
    bpc->add_option("--data", data, "text file (one line of characters of the model's vocabulary)")->required();
    bpc->add_option("--alphabet", alphabet, "text8 | chars:SYMBOLS (default: the model's vocabulary)");
    bpc->add_option("--max-chars", max_chars, "evaluate the first N characters only (0: all)");
    bpc->add_option("--passes", passes, "PMM: masking draws per window (stratified masked fraction)");
    bpc->add_option("--batch", batch, "windows per network call");
    bpc->add_option("--schedule", schedule, "PMM: schedule spec (default: the module's schedule attribute)");
    bpc->add_option("--seed", seed, "seed of the masking draws");
    bpc->add_option("--device", device, "cpu | cuda[:N]");
    bpc->add_option("--threads", threads, "LibTorch intra-op threads (0: LibTorch's default)");
    bpc->add_option("--report", report, "JSON report");

    // ---- train-ar ----
    auto* tr = app.add_subcommand("train-ar", "train the autoregressive baseline (causal transformer)");
    ArConfig cfg;
    ArTrainOptions to;
    std::string out_dir;
    tr->add_option("--data", data, "training text file (vocabulary: the sorted set of its characters)")->required();
    tr->add_option("--seq-len", cfg.length, "window length");
    tr->add_option("--model-dim", cfg.model_dim, "transformer width");
    tr->add_option("--layers", cfg.layers, "transformer blocks");
    tr->add_option("--heads", cfg.heads, "attention heads");
    tr->add_option("--steps", to.steps, "optimizer steps");
    tr->add_option("--batch", to.batch, "windows per step");
    tr->add_option("--lr", to.lr, "Adam learning rate");
    tr->add_option("--clip", to.clip, "gradient-norm clip (0: none)");
    tr->add_option("--ema", to.ema, "EMA decay of the exported weights");
    tr->add_option("--log-every", to.log_every, "steps per row of loss.csv");
    tr->add_option("--seed", to.seed, "seed of the initial weights and the batches");
    tr->add_option("--device", to.device, "cpu | cuda[:N]");
    tr->add_option("--threads", threads, "LibTorch intra-op threads (0: LibTorch's default)");
    tr->add_option("--out", out_dir, "output directory: model.pt, loss.csv, train.json")->required();

    // ---- sample-ar ----
    auto* sa = app.add_subcommand("sample-ar", "draw sequences from an autoregressive model");
    std::int64_t paths = 8;
    std::string out_file;
    sa->add_option("--model", model, "pmm-text train-ar model.pt")->required();
    sa->add_option("--paths", paths, "number of sequences");
    sa->add_option("--seed", seed, "sampling seed");
    sa->add_option("--device", device, "cpu | cuda[:N]");
    sa->add_option("--threads", threads, "LibTorch intra-op threads (0: LibTorch's default)");
    sa->add_option("--out", out_file, "text file, one sequence per line");
    sa->add_option("--report", report, "JSON report");
    parse_args(app, argc, argv);

    require(threads >= 0, "--threads", "must be >= 0");
    if (threads > 0) set_torch_threads(threads);

    if (bpc->parsed()) {
      check_device(device);
      require(max_chars >= 0, "--max-chars", "must be >= 0");
      check_output(report, "--report", ".json");
      const TextModelInfo info = text_model_info(model, "--model");
      std::string symbols;
      if (!alphabet.empty()) {
        symbols = parse_alphabet(alphabet, "--alphabet").symbols();
        require(info.vocabulary.empty() || info.vocabulary == symbols, "--alphabet",
                fmt::format("{} was trained on the vocabulary '{}', not '{}'", model, info.vocabulary, symbols));
        require(static_cast<int>(symbols.size()) == info.vocab, "--alphabet",
                fmt::format("{} has {} tokens, the alphabet {}", model, info.vocab, symbols.size()));
      } else {
        require(!info.vocabulary.empty(), "--alphabet",
                model + ": vocabulary unknown (no 'vocabulary' attribute, no train.json beside it); give --alphabet");
        symbols = info.vocabulary;
      }
      std::string text = read_text(data, "--data");
      if (max_chars > 0 && static_cast<std::int64_t>(text.size()) > max_chars) text.resize(static_cast<size_t>(max_chars));
      const TokenWindows w = text_windows(text, symbols, info.length, 0, "--data " + data);
      BpcOptions bo;
      bo.passes = passes, bo.batch = batch, bo.seed = seed, bo.device = device;
      const bool exact = info.kind == "autoregressive";
      const BpcTerms terms = exact ? autoregressive_bpc_terms(model, w, bo) : pmm_bpc_terms(model, w, bo, schedule);
      const auto [value, se] = bpc_estimate(terms.nll, terms.weight, terms.unit_num, terms.unit_den, exact);
      const std::int64_t chars = w.n * w.length;
      if (!report.empty()) {
        nlohmann::json j = run_metadata(argc, argv);
        j["model"] = {{"file", model}, {"kind", info.kind}, {"length", info.length}, {"vocab", info.vocab},
                      {"vocabulary", symbols}, {"schedule", info.schedule}, {"parameters", info.parameters}};
        j["data"] = {{"file", data}, {"windows", w.n}, {"characters", chars}};
        j["estimator"] = exact ? "exact: mean -log2 p(x_c | x_<c)"
                               : "eq. 169 Monte Carlo: stratified masked fraction, weight (1 - e^{-F(1)}) e^{F(t)}";
        j["passes"] = exact ? 1 : passes;
        j["seed"] = seed;
        j["bpc"] = value;
        j["standard_error"] = se;
        j["scored_characters"] = terms.nll.size();
        j["evaluations"] = terms.evaluations;
        j["seconds"] = terms.seconds;
        j["device"] = device;
        write_json_atomic(report, j);
      }
      fmt::print("bpc {:.4f} +- {:.4f}  ({} model, {} windows of {}, {} characters scored, {} evaluations, {:.1f} s)\n",
                 value, se, info.kind, w.n, w.length, terms.nll.size(), terms.evaluations, terms.seconds);
      return 0;
    }

    if (tr->parsed()) {
      check_device(to.device);
      require(cfg.length >= 2, "--seq-len", fmt::format("must be >= 2, got {}", cfg.length));
      const std::string text = read_text(data, "--data");
      cfg.vocabulary = sorted_symbols(text);
      require(cfg.vocabulary.size() >= 2, "--data", data + ": needs at least 2 distinct characters");
      const TokenWindows w = text_windows(text, cfg.vocabulary, static_cast<int>(cfg.length), 0, "--data " + data);
      to.out = out_dir;
      ProgressBar bar(to.steps, {"pmm-text train-ar"});
      double avg = 0;
      const ArTrainResult r = train_autoregressive(cfg, w, to, [&](std::int64_t step, double loss) {
        avg = step == 1 ? loss : 0.98 * avg + 0.02 * loss;
        bar.set_extra(fmt::format("loss {:.4f} nats/char", avg));
        bar.advance(1);
      });
      bar.finish();
      nlohmann::json j = run_metadata(argc, argv);
      j["data"] = {{"spec", data}, {"n", w.n}, {"event_shape", {cfg.length, static_cast<std::int64_t>(cfg.vocabulary.size())}},
                   {"vocab", cfg.vocabulary}};
      j["net"] = {{"kind", "causal-transformer"}, {"model_dim", cfg.model_dim}, {"layers", cfg.layers},
                  {"heads", cfg.heads}, {"parameters", r.parameters}};
      j["train"] = {{"steps", to.steps}, {"batch", to.batch}, {"lr", to.lr}, {"ema", to.ema}, {"seed", to.seed},
                    {"last_loss_nats_per_char", r.last_loss}, {"seconds", r.seconds},
                    {"samples_per_s", r.samples_per_s}, {"device", to.device}};
      j["files"] = {{"model", r.model_path}, {"loss_log", r.log_path}};
      write_json_atomic((std::filesystem::path(out_dir) / "train.json").string(), j);
      fmt::print("pmm-text train-ar: {} steps in {:.1f} s, {:.0f} samples/s, {} parameters, last loss {:.4f} nats/char "
                 "({:.4f} bits)\nmodel: {}\n",
                 to.steps, r.seconds, r.samples_per_s, r.parameters, r.last_loss, r.last_loss / std::log(2.0),
                 r.model_path);
      warn_slow_blas("pmm-text", to.device);  // after a run that succeeded: errors stay one line
      return 0;
    }

    // sample-ar
    check_device(device);
    require(paths >= 1, "--paths", fmt::format("must be >= 1, got {}", paths));
    check_output(out_file, "--out", ".txt");
    check_output(report, "--report", ".json");
    const TextModelInfo info = text_model_info(model, "--model");
    require(!info.vocabulary.empty(), "--model", model + ": no vocabulary attribute");
    const auto tokens = sample_autoregressive(model, paths, seed, device);
    std::string lines;
    for (std::int64_t j = 0; j < paths; ++j) {
      for (int c = 0; c < info.length; ++c) lines.push_back(info.vocabulary[static_cast<size_t>(tokens[static_cast<size_t>(j * info.length + c)])]);
      lines.push_back('\n');
    }
    if (!out_file.empty()) write_file_atomic(out_file, lines);
    if (!report.empty()) {
      nlohmann::json j = run_metadata(argc, argv);
      j["model"] = model;
      j["paths"] = paths;
      j["seed"] = seed;
      j["outputs"] = {{"samples", out_file}};
      write_json_atomic(report, j);
    }
    std::cout << lines;
    warn_slow_blas("pmm-text", device);
    return 0;
  });
}
