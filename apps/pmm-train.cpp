// pmm-needs: torch
// pmm-train: fits a network g(mu, t) ~ E[x | mu(t)] by the PMM loss int w(t) E loss(g(mu_t, t), x) dt with mu_t
// drawn from its exact law given x (models/torch/exact_law.hpp), and writes a TorchScript predictor (model.pt,
// EMA weights) that `pmm-solve --model` samples. Checkpoints allow --resume to continue bit for bit on CPU.
// Launched as several ranks (torchrun's variables or --dist-url), it trains data-parallel (distributed.hpp).
#include <cstdlib>
#include <optional>
#include <filesystem>
#include <fstream>
#include <iostream>

#include <fmt/format.h>

#include <pmm/io/matrix_file.hpp>
#include <pmm/io/npy.hpp>
#include <pmm/io/output_lock.hpp>
#include "apps/common/options.hpp"
#include "apps/common/progress.hpp"
#include "apps/common/report.hpp"
#include <pmm/models/torch/distributed.hpp>
#include <pmm/models/torch/load_predictor.hpp>
#include <pmm/models/torch/train_data.hpp>
#include <pmm/models/torch/trainer.hpp>
#include <pmm/core/error.hpp>
#include <pmm/solvers/registry.hpp>

using namespace pmm;
namespace fs = std::filesystem;

namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

TrainData load_data(const std::string& spec, const LawParams& law, std::int64_t seq_len, std::string* vocab) {
  if (spec.rfind("builtin:", 0) == 0) return builtin_dataset(spec.substr(8), law, seq_len, vocab);
  const bool tokens = law.process == TrainProcess::kCategorical;
  if (ends_with(spec, ".txt")) {
    require(tokens, "--data", spec + ": text needs --process categorical");
    return load_text(spec, seq_len, vocab);
  }
  require(!tokens, "--data", "--process categorical reads text files (.txt) or builtin:text");
  if (ends_with(spec, ".npy")) {
    const NpyArray a = read_npy(spec);
    require(a.shape.size() >= 1 && a.shape[0] >= 1, "--data", spec + ": expected an array [n, ...] with n >= 1");
    TrainData d;
    d.name = spec;
    std::int64_t dim = 1;
    for (size_t i = 1; i < a.shape.size(); ++i) d.event_shape.push_back(a.shape[i]), dim *= a.shape[i];
    if (d.event_shape.empty()) d.event_shape = {1};
    d.x = Eigen::Map<const Batch>(a.data.data(), dim, a.shape[0]);
    require_finite(d.x, "--data " + spec);
    // A uint8 array [n, C, H, W] holds pixel values 0..255 (scripts/prepare_data.py writes image sets so): it is
    // mapped for the process like IDX and CIFAR files. Any other array is taken in the process's own scale.
    if (a.dtype == "|u1" && d.event_shape.size() == 3) map_pixels(d, law.process);
    return d;
  }
  if (ends_with(spec, ".csv")) {  // a table [n, dim] with a header line, as pmm-solve --out writes it
    TrainData d;
    d.name = spec;
    d.x = read_matrix(spec, "--data");
    d.event_shape = {static_cast<std::int64_t>(d.x.rows())};
    return d;
  }
  if (ends_with(spec, "-ubyte") || ends_with(spec, ".idx")) {
    auto d = load_idx_images(spec);
    map_pixels(d, law.process);
    return d;
  }
  if (ends_with(spec, ".bin")) {
    auto d = load_cifar_batches({spec});
    map_pixels(d, law.process);
    return d;
  }
  throw Error("--data: " + spec + ": unknown format (expected builtin:NAME, .npy, .csv, MNIST IDX *-ubyte, CIFAR-10 .bin, "
              "or .txt)");
}

// Samples through the core solvers with the exported EMA predictor: samples.npy, and grid.pgm/.ppm for images.
void preview(const TrainOptions& o, const TrainData& data, const std::string& model, std::int64_t n, int steps,
             nlohmann::json& report) {
  if (o.law.process != TrainProcess::kNormal && o.law.process != TrainProcess::kGammaPoisson) {
    report["preview"] = "skipped: the core solvers sample the normal and gamma-poisson processes only";
    return;
  }
  const auto pred = load_torchscript_predictor(model, o.device, data.x.rows());
  AnyProcess process = o.law.process == TrainProcess::kNormal
                           ? AnyProcess(NormalProcess{o.law.b, o.law.schedule})
                           : AnyProcess(GammaPoissonProcess{o.law.beta1, o.law.beta2, o.law.schedule});
  IntegrateOptions io;
  io.grid = make_grid(GridSpec{}, *o.law.schedule, steps);
  io.denoise = true;
  PhiloxNoise noise(o.seed + 1);
  const auto res = solve(process, "exact", *pred, noise, n, io);
  const auto dir = fs::path(o.out);
  write_npy_matrix((dir / "samples.npy").string(), res.final);
  report["preview"] = {{"samples", n}, {"solver", "exact"}, {"steps", steps}, {"seconds", res.seconds},
                       {"file", (dir / "samples.npy").string()}};
  if (data.event_shape.size() == 3) {
    const auto grid = (dir / (data.event_shape[0] == 1 ? "grid.pgm" : "grid.ppm")).string();
    write_image_grid(grid, res.final, data.event_shape, o.law.process, 8);
    report["preview"]["grid"] = grid;
  }
}

// A folder that already holds a run (model.pt or checkpoint.pt) is continued with --resume or replaced with
// --force; anything else is refused before any work, so a short run cannot silently replace a long one.
void check_out_folder(const std::string& out, bool resume, bool force) {
  const fs::path dir(out);
  std::error_code ec;
  if (!fs::exists(dir, ec)) return;
  require(fs::is_directory(dir, ec), "--out", out + " exists and is not a directory");
  if (resume || force) return;
  const bool model = fs::exists(dir / "model.pt", ec), checkpoint = fs::exists(dir / "checkpoint.pt", ec);
  if (!model && !checkpoint) return;
  std::string what = model ? "a trained model (model.pt" : "a checkpoint (checkpoint.pt";
  try {
    std::ifstream in(dir / "train.json");
    what += fmt::format(", {} steps", nlohmann::json::parse(in).at("train").at("steps").get<std::int64_t>());
  } catch (const std::exception&) {  // no report or an older one: the file names are enough
  }
  throw Error(fmt::format("--out: {} already holds {}); give --resume to continue it, --force to replace it, or "
                          "another --out", out, what));
}

// Removes an --out folder this run created when the run ends by an exception before its first checkpoint (bad input
// found late, such as --device cuda without a GPU), so a failed run leaves nothing behind.
class CreatedFolderGuard {
 public:
  explicit CreatedFolderGuard(std::string dir) : dir_(std::move(dir)) {
    std::error_code ec;
    created_ = !fs::exists(dir_, ec);
  }
  ~CreatedFolderGuard() {
    if (!created_ || done_) return;
    std::error_code ec;
    if (!fs::exists(fs::path(dir_) / "checkpoint.pt", ec)) fs::remove_all(dir_, ec);
  }
  void done() { done_ = true; }

 private:
  std::string dir_;
  bool created_ = false, done_ = false;
};

// Refuses a run whose batch cannot fit before LibTorch allocates it (a 2^24 batch through a width-4096 MLP would
// otherwise page for hours): float32 activations kept for the backward pass and their gradients (x 3) per
// hidden layer, the step's draws in float64 (x, mu, t, weight and their float32 copies, about 6 batches), and
// the weights with their gradient, two Adam moments and the EMA (x 5). Coarse on purpose: only a request far
// beyond the machine is refused. The bound is physical memory, also with --device cuda.
void check_train_memory(const TrainOptions& o, const TrainData& data) {
  const double B = static_cast<double>(o.batch), dim = static_cast<double>(data.x.rows());
  double per_sample = 0, weights = 0;  // float32 values
  std::string net;
  const auto& n = o.net;
  if (n.kind == "unet") {
    double pixels = 1;
    for (size_t i = 1; i < data.event_shape.size(); ++i) pixels *= static_cast<double>(data.event_shape[i]);
    per_sample = 10.0 * static_cast<double>(n.channels) * pixels;  // about ten full-resolution feature maps
    weights = 100.0 * static_cast<double>(n.channels * n.channels) * 9.0;
    net = fmt::format("a unet of {} channels", n.channels);
  } else if (n.kind == "transformer") {
    const double L = dim, d = static_cast<double>(n.model_dim), layers = static_cast<double>(n.layers);
    per_sample = layers * (10.0 * L * d + static_cast<double>(n.heads) * L * L);
    weights = layers * 12.0 * d * d;
    net = fmt::format("a transformer of width {} and {} layers", n.model_dim, n.layers);
  } else {
    const double w = static_cast<double>(n.width), depth = static_cast<double>(n.depth);
    per_sample = 2.0 * w * depth + 2.0 * dim;  // pre-activation and activation per hidden layer
    weights = w * w * depth + 2.0 * w * dim;
    net = fmt::format("an mlp of width {} and depth {}", n.width, n.depth);
  }
  const double bytes = 3.0 * 4.0 * B * per_sample + 6.0 * 8.0 * B * dim + 5.0 * 4.0 * weights;
  const bool weights_dominate = 5.0 * 4.0 * weights > bytes / 2;
  require_memory(bytes, weights_dominate ? (n.kind == "mlp" ? "--width" : n.kind == "unet" ? "--channels" : "--model-dim")
                                         : "--batch",
                 fmt::format("batches of {} samples of dimension {} through {}", o.batch, data.x.rows(), net));
}

}  // namespace

int main(int argc, char** argv) {
  return run_app(argc, argv, [](int argc, char** argv) {
    CLI::App app{"pmm-train: train a PMM posterior-mean network and export it as a TorchScript predictor"};
    std::string process = "normal", data_spec, schedule = "exponential", param = "x", weight = "f",
                sampling = "uniform";
    TrainOptions o;
    std::int64_t seq_len = 32, preview_n = 0;
    int preview_steps = 200, threads = 0;
    bool force = false;
    std::string dist_url;
    int world_size = 0, dist_rank = -1;
    double dist_timeout = 60;
    app.add_option("--process", process, "normal | gamma-poisson | inverse-gamma-gamma | categorical")->capture_default_str();
    app.add_option("--data", data_spec, "builtin:NAME | FILE.npy (uint8 [n, C, H, W]: pixels) | FILE.csv ([n, dim], header x0,...) | MNIST *-ubyte | CIFAR-10 .bin | FILE.txt")->required();
    app.add_option("--net", o.net.kind, "mlp | unet | transformer")->capture_default_str();
    app.add_option("--width", o.net.width, "mlp hidden width")->capture_default_str();
    app.add_option("--depth", o.net.depth, "mlp hidden layers")->capture_default_str();
    app.add_option("--channels", o.net.channels, "unet base channels (multiple of 8)")->capture_default_str();
    app.add_option("--model-dim", o.net.model_dim, "transformer width")->capture_default_str();
    app.add_option("--layers", o.net.layers, "transformer blocks")->capture_default_str();
    app.add_option("--heads", o.net.heads, "transformer heads")->capture_default_str();
    app.add_option("--seq-len", seq_len, "text sequence length")->capture_default_str();
    app.add_option("--param", param, "normal: x | eps | edm (others: x)")->capture_default_str();
    app.add_option("--loss-weight", weight, "f: continuous-time loss; F: reweighted loss")->capture_default_str();
    app.add_option("--time-sampling", sampling, "uniform | log-precision (importance sampling)")->capture_default_str();
    app.add_option("--schedule", schedule, "precision schedule (see pmm-solve --help)")->capture_default_str();
    app.add_option("--b", o.law.b, "normal prior precision")->capture_default_str();
    app.add_option("--beta1", o.law.beta1, "gamma-poisson prior shape / inverse-gamma-gamma prior shape")->capture_default_str();
    app.add_option("--beta2", o.law.beta2, "gamma-poisson prior rate / inverse-gamma-gamma prior scale")->capture_default_str();
    app.add_option("--steps", o.steps, "optimizer steps")->capture_default_str();
    app.add_option("--batch", o.batch, "global batch size (split over the ranks)")->capture_default_str();
    app.add_option("--lr", o.lr, "Adam learning rate")->capture_default_str();
    app.add_option("--clip", o.clip, "gradient-norm clip (0: none)")->capture_default_str();
    app.add_option("--ema", o.ema, "EMA decay (warm-up min(ema, (1+k)/(10+k)))")->capture_default_str();
    app.add_option("--seed", o.seed, "seed of every draw and of the initial weights")->capture_default_str();
    app.add_option("--device", o.device, "cpu | cuda[:N]")->capture_default_str();
    app.add_option("--threads", threads, "LibTorch intra-op threads (0: LibTorch's default)")->capture_default_str();
    app.add_option("--checkpoint-every", o.checkpoint_every, "steps between checkpoints (0: at the end)")->capture_default_str();
    app.add_option("--log-every", o.log_every, "steps per row of loss.csv")->capture_default_str();
    app.add_option("--out", o.out, "output directory")->required();
    app.add_flag("--resume", o.resume, "continue from OUT/checkpoint.pt");
    app.add_flag("--force", force, "replace the run already in OUT (without it, an OUT holding model.pt or "
                 "checkpoint.pt is refused)");
    app.add_option("--preview", preview_n, "after training, sample N points with the exact solver (samples.npy, image grid)")->capture_default_str();
    app.add_option("--preview-steps", preview_steps, "solver steps for --preview")->capture_default_str();
    app.add_option("--dist-url", dist_url, "tcp://HOST:PORT of rank 0's rendezvous, with --world-size and --rank "
                   "(default: torchrun's MASTER_ADDR, MASTER_PORT, WORLD_SIZE, RANK, LOCAL_RANK)");
    app.add_option("--world-size", world_size, "number of ranks, with --dist-url");
    app.add_option("--rank", dist_rank, "this process's rank in [0, --world-size), with --dist-url");
    app.add_option("--dist-timeout", dist_timeout, "seconds to wait for the rendezvous and for each collective")
        ->capture_default_str();
    parse_args(app, argc, argv);
    require(!(o.resume && force), "--force", "replaces the run in --out and --resume continues it: give one");
    const DistConfig dist = resolve_dist_config(dist_url, world_size, dist_rank, dist_timeout);
    if (dist.active() && o.device == "cuda") o.device = fmt::format("cuda:{}", dist.local_rank);
    const Communicator comm = join_group(dist, o.device);
    try {
      const bool writer = comm.writer();
      // Rank 0 alone owns --out: the checks, the lock and every file; the other ranks only read --resume's checkpoint.
      std::optional<CreatedFolderGuard> out_guard;
      if (writer) {
        check_out_folder(o.out, o.resume, force);
        out_guard.emplace(o.out);
      }

      o.law.process = parse_train_process(process);
      o.law.schedule = parse_schedule(schedule);
      o.parametrisation = param;
      o.loss_weight = parse_loss_weight(weight);
      o.time_sampling = parse_time_sampling(sampling);
      require(threads >= 0, "--threads", "must be >= 0");
      require(preview_n >= 0 && preview_steps >= 1, "--preview", "N must be >= 0 and --preview-steps >= 1");
      if (threads > 0) set_torch_threads(threads);
      std::string vocab;
      if (o.law.process == TrainProcess::kCategorical) {
        // The vocabulary is only known after reading the text.
        LawParams probe = o.law;
        probe.vocab = 2;
        TrainData d = load_data(data_spec, probe, seq_len, &vocab);
        o.law.vocab = static_cast<std::int64_t>(vocab.size());
      }
      const TrainData data = load_data(data_spec, o.law, seq_len, &vocab);
      o.validate();
      check_train_memory(o, data);
      // One run per folder, from here to train.json and the preview: a second pmm-train on it is refused, naming it.
      std::optional<OutputLock> run_lock;
      if (writer) {
        std::error_code ec;
        fs::create_directories(o.out, ec);
        require(fs::is_directory(o.out), "--out", o.out + ": cannot create the directory");
        run_lock.emplace(o.out, "--out");
      }
      if (o.net.kind == "mlp" && data.event_shape.size() > 1 && o.law.process != TrainProcess::kCategorical) {
        // An MLP sees a flat vector; it still accepts and returns [B, ...].
      }
      ProgressOptions bar_options{"pmm-train"};
      if (!writer) bar_options.mode = ProgressMode::never;
      ProgressBar bar(o.steps, bar_options);
      double loss_avg = 0;
      const auto res = train(o, data, [&](const TrainProgress& p) {
        loss_avg = p.step == 1 ? p.loss : 0.98 * loss_avg + 0.02 * p.loss;
        bar.set_extra(fmt::format("loss {:.4g}  {:.0f} samples/s", loss_avg, p.samples_per_s));
        bar.advance(1);
      }, comm);
      bar.finish();
      if (!writer) {
        barrier(comm, "the end of the run");  // rank 0 writes train.json and the preview meanwhile
        return 0;
      }
      nlohmann::json report = run_metadata(argc, argv);
      report["data"] = {{"spec", data_spec}, {"n", data.x.cols()}, {"event_shape", data.event_shape}};
      if (!vocab.empty()) report["data"]["vocab"] = vocab;
      report["train"] = {{"start_step", res.start_step}, {"steps", res.steps}, {"last_loss", res.last_loss},
                         {"seconds", res.seconds}, {"samples_per_s", res.samples_per_s}, {"device", o.device},
                         {"world_size", comm.size}, {"backend", comm.backend}};
      report["files"] = {{"model", res.model_path}, {"raw_model", res.raw_model_path},
                         {"checkpoint", res.checkpoint_path}, {"loss_log", res.log_path}};
      if (preview_n > 0) preview(o, data, res.model_path, preview_n, preview_steps, report);
      write_json_atomic((fs::path(o.out) / "train.json").string(), report);
      std::cout << fmt::format("pmm-train: {} steps ({} new) in {:.1f} s, {:.0f} samples/s, last loss {:.6g}\n",
                               res.steps, res.steps - res.start_step, res.seconds, res.samples_per_s, res.last_loss)
                << "model: " << res.model_path << "\n";
      barrier(comm, "the end of the run");
      out_guard->done();
      warn_slow_blas("pmm-train", o.device);  // rank 0, after a run that succeeded: errors stay one line
      return 0;
    } catch (const std::exception& e) {
      report_failure(comm, e);  // the other ranks name this one and its reason
      throw;
    }
  });
}
