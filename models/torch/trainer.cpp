// Training loop, checkpoints and export (see trainer.hpp). The module being trained is the TorchScript
// predictor itself; export writes a copy holding the EMA weights (model.pt) and the raw weights (model_raw.pt).
#include <pmm/models/torch/trainer.hpp>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>

#include <fmt/format.h>
#include <torch/csrc/jit/python/update_graph_executor_opt.h>
#include <torch/types.h>
#include <torch/cuda.h>
#include <torch/nn/utils/clip_grad.h>
#include <torch/optim/adam.h>
#include <torch/serialize.h>

#include <pmm/models/torch/losses.hpp>
#include <pmm/models/torch/networks.hpp>
#include <pmm/models/torch/torch_common.hpp>
#include <pmm/core/error.hpp>
#include <pmm/io/append_whole.hpp>
#include <pmm/io/atomic_file.hpp>

namespace pmm {
namespace {

namespace fs = std::filesystem;

std::string config_text(const TrainOptions& o, const TrainData& d, double mean, double sd) {
  std::ostringstream s;
  s << "process=" << train_process_name(o.law.process) << "\nb=" << o.law.b << "\nbeta1=" << o.law.beta1
    << "\nbeta2=" << o.law.beta2 << "\nschedule=" << o.law.schedule->describe() << "\nparam=" << o.parametrisation
    << "\nloss_weight=" << (o.loss_weight == LossWeight::kRate ? "f" : "F")
    << "\ntime_sampling=" << (o.time_sampling == TimeSampling::kUniform ? "uniform" : "log-precision")
    << "\nnet=" << o.net.kind << (o.net.kind == "transformer" ? "\npositions=rotary" : "") << "\nwidth=" << o.net.width << "\ndepth=" << o.net.depth
    << "\nchannels=" << o.net.channels << "\nmodel_dim=" << o.net.model_dim << "\nlayers=" << o.net.layers
    << "\nheads=" << o.net.heads << "\nbatch=" << o.batch << "\nlr=" << o.lr << "\nclip=" << o.clip
    << "\nema=" << o.ema << "\nseed=" << o.seed << "\ndata=" << d.name << "\ndata_n=" << d.x.cols()
    << "\ndata_dim=" << d.x.rows() << "\ndata_mean=" << fmt::format("{:.17g}", mean)
    << "\ndata_sd=" << fmt::format("{:.17g}", sd) << "\nlog_every=" << o.log_every << "\n";
  return s.str();
}

// First line where two config texts differ, as "key: checkpoint has A, this run has B".
std::string config_difference(const std::string& a, const std::string& b) {
  std::istringstream sa(a), sb(b);
  std::string la, lb;
  while (true) {
    const bool ga = static_cast<bool>(std::getline(sa, la)), gb = static_cast<bool>(std::getline(sb, lb));
    if (!ga && !gb) return "";
    if (la != lb || ga != gb) return fmt::format("checkpoint has '{}', this run has '{}'", la, lb);
  }
}

// LibTorch's zip writer throws from its destructor when a write fails (a full disk), and std::terminate
// follows; so archives and modules are serialised to memory and written by AtomicFile, whose failure is one
// pmm::Error "<path>: write failed (No space left on device)" with the temporary removed.
void save_file(const std::string& path, const std::function<void(std::ostream&)>& save) {
  std::ostringstream bytes;
  try {
    save(bytes);
  } catch (const std::exception& e) {
    throw Error(fmt::format("{}: cannot serialise ({})", path, e.what()));
  }
  write_file_atomic(path, bytes.str());
}

torch::jit::Module with_weights(const torch::jit::Module& m, const std::vector<torch::Tensor>& weights) {
  torch::NoGradGuard no_grad;
  auto copy = m.clone();
  size_t i = 0;
  for (auto p : copy.parameters()) p.copy_(weights[i++]);
  copy.eval();
  return copy;
}

// Rewrites loss.csv keeping the header and the rows with step <= last_step (a resumed run redoes the rest);
// a last line without its '\n' is the trace of a killed write and is dropped.
void truncate_log(const std::string& path, std::int64_t last_step) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return;
  std::ostringstream all;
  all << in.rdbuf();
  std::string text = all.str();
  text.resize(text.find_last_of('\n') == std::string::npos ? 0 : text.find_last_of('\n') + 1);
  std::istringstream lines(text);
  std::string line, kept;
  bool header = true;
  while (std::getline(lines, line)) {
    if (header) {
      kept += line + "\n";
      header = false;
      continue;
    }
    const auto comma = line.find(',');
    if (comma == std::string::npos) continue;
    try {
      if (std::stoll(line.substr(0, comma)) <= last_step) kept += line + "\n";
    } catch (...) {
    }
  }
  write_file_atomic(path, kept);
}

// loss.csv rows, each one write() (a kill leaves whole rows); a failed write (disk full) is cut back to the
// last whole row and thrown as "<path>: cannot append a row (...)".
class LossLog {
 public:
  LossLog(const std::string& path, bool fresh) : path_(path) {
    if (fresh) write_file_atomic(path_, "step,loss,samples_per_s,seconds\n");
    fd_ = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
    if (fd_ < 0) {
      const int e = errno;
      throw Error(fmt::format("{}: cannot open for appending ({})", path_, std::strerror(e)));
    }
  }
  ~LossLog() { ::close(fd_); }
  LossLog(const LossLog&) = delete;
  LossLog& operator=(const LossLog&) = delete;
  void append(const std::string& row) { append_whole(fd_, row, path_); }

 private:
  std::string path_;
  int fd_ = -1;
};

}  // namespace

void TrainOptions::validate() const {
  law.validate();
  net.validate();
  require(steps >= 1, "--steps", fmt::format("must be >= 1, got {}", steps));
  require(batch >= 1 && batch <= (1 << 24), "--batch", fmt::format("must be in [1, 2^24], got {}", batch));
  require(std::isfinite(lr) && lr > 0, "--lr", fmt::format("must be > 0, got {}", lr));
  require(std::isfinite(clip) && clip >= 0, "--clip", fmt::format("must be >= 0 (0: no clipping), got {}", clip));
  require(ema >= 0 && ema < 1, "--ema", fmt::format("must be in [0, 1), got {}", ema));
  require(checkpoint_every >= 0, "--checkpoint-every", fmt::format("must be >= 0, got {}", checkpoint_every));
  require(log_every >= 1, "--log-every", fmt::format("must be >= 1, got {}", log_every));
  require(!out.empty(), "--out", "an output directory is required");
  require(steps < (std::int64_t(1) << 32), "--steps", "must be < 2^32");
}

void data_statistics(const TrainData& data, double& mean, double& sd) {
  require(data.x.size() > 0, "--data", data.name + ": no samples");
  mean = data.x.mean();
  sd = std::sqrt((data.x - mean).square().mean());
  if (!(sd > 0)) sd = 1.0;
}

TrainResult train(const TrainOptions& o, const TrainData& data,
                  const std::function<void(const TrainProgress&)>& on_step, const Communicator& comm) {
  o.validate();
  require(o.batch >= comm.size, "--batch",
          fmt::format("the global batch {} is smaller than the {} ranks", o.batch, comm.size));
  const bool writer = comm.writer();
  const bool tokens = o.law.process == TrainProcess::kCategorical;
  {
    std::int64_t d = 1;
    for (auto v : data.event_shape) d *= v;
    require(d == (tokens ? data.x.rows() * o.law.vocab : data.x.rows()), "--data",
            data.name + ": event shape does not match the data dimension");
  }
  double mean = 0, sd = 1;
  data_statistics(data, mean, sd);
  if (tokens) mean = 0, sd = 1;
  HeadConfig head;
  head.law = o.law;
  head.parametrisation = o.parametrisation;
  head.data_mean = mean;
  head.data_std = sd;
  head.data_min = tokens ? 0.0 : data.x.minCoeff();
  head.data_max = tokens ? 1.0 : data.x.maxCoeff();
  head.event_shape = data.event_shape;

  std::error_code ec;
  if (writer) {
    fs::create_directories(o.out, ec);
    require(fs::is_directory(o.out), "--out", o.out + ": cannot create the directory");
  }
  TrainResult res;
  res.checkpoint_path = (fs::path(o.out) / "checkpoint.pt").string();
  res.model_path = (fs::path(o.out) / "model.pt").string();
  res.raw_model_path = (fs::path(o.out) / "model_raw.pt").string();
  res.log_path = (fs::path(o.out) / "loss.csv").string();
  const std::string config = config_text(o, data, mean, sd);

  const torch::Device device(o.device);
  require(device.is_cpu() || torch::cuda::is_available(), "--device",
          "cuda requested but LibTorch sees no CUDA device (CPU-only build or no GPU)");
  // The optimising graph executor swaps in differently rounded kernels after its profiling runs, so a resumed
  // run (profiling again from its first step) would drift from an uninterrupted one in the last bits.
  torch::jit::setGraphExecutorOptimize(false);
  // Freed activations and gradients stay in the heap instead of being unmapped and faulted in again every step
  // (perf: page faults were most of the kernel's 20-30% of a U-Net step; docs/benchmarks.md). Weights unchanged.
  if (device.is_cpu()) keep_freed_tensor_memory();
  auto module = build_predictor(o.net, head, o.seed);
  module.to(device);
  module.train();
  auto params = module_parameters(module);
  for (auto& p : params) p.requires_grad_(true);
  std::vector<torch::Tensor> ema;
  for (const auto& p : params) ema.push_back(p.detach().clone());
  torch::optim::Adam opt(params, torch::optim::AdamOptions(o.lr));

  std::int64_t start = 0;
  // The log window open at a checkpoint (sum and count of the losses since the last loss.csv row) is saved
  // with it, so that the first row after --resume averages the same steps as an uninterrupted run.
  double window_loss = 0;
  std::int64_t window_n = 0;
  if (o.resume) {
    require(fs::exists(res.checkpoint_path), "--resume", res.checkpoint_path + ": no checkpoint to resume from");
    torch::serialize::InputArchive ar;
    try {
      ar.load_from(res.checkpoint_path, device);
    } catch (const std::exception& e) {
      throw Error("--resume: " + res.checkpoint_path + ": unreadable checkpoint (" + e.what() + ")");
    }
    c10::IValue cfg, step;
    ar.read("config", cfg);
    const auto diff = config_difference(cfg.toStringRef(), config);
    require(diff.empty(), "--resume", res.checkpoint_path + " was written by a different configuration: " + diff);
    ar.read("step", step);
    start = step.toInt();
    require(start <= o.steps, "--steps", fmt::format("checkpoint is at step {}, beyond --steps {}", start, o.steps));
    torch::NoGradGuard no_grad;
    for (size_t i = 0; i < params.size(); ++i) {
      torch::Tensor t, e;
      ar.read(fmt::format("param_{}", i), t);
      ar.read(fmt::format("ema_{}", i), e);
      params[i].copy_(t);
      ema[i].copy_(e);
    }
    torch::serialize::InputArchive oa;
    ar.read("optimizer", oa);
    opt.load(oa);
    c10::IValue value;  // absent in checkpoints written before the window was saved
    if (ar.try_read("log_window_loss", value)) window_loss = value.toDouble();
    if (ar.try_read("log_window_n", value)) window_n = value.toInt();
    if (ar.try_read("last_loss", value)) res.last_loss = value.toDouble();
    if (writer) truncate_log(res.log_path, start);
  }
  res.start_step = start;
  {
    // Every rank built the same weights from --seed or read the same checkpoint; rank 0's are sent anyway, so
    // that ranks cannot start apart.
    torch::NoGradGuard no_grad;
    broadcast_from_rank0(comm, params, "the initial weights");
    broadcast_from_rank0(comm, ema, "the initial EMA weights");
  }

  // checkpoint.pt, model.pt and model_raw.pt are one set: staged and renamed together (OutputTransaction),
  // so a failure (disk full) at any of them leaves all three as they were and no temporary.
  auto checkpoint = [&](std::int64_t step) {
    if (!writer) return;
    OutputTransaction transaction;
    save_file(res.checkpoint_path, [&](std::ostream& file) {
      torch::serialize::OutputArchive ar;
      ar.write("config", c10::IValue(config));
      ar.write("step", c10::IValue(step));
      ar.write("log_window_loss", c10::IValue(window_loss));
      ar.write("log_window_n", c10::IValue(window_n));
      ar.write("last_loss", c10::IValue(res.last_loss));
      for (size_t i = 0; i < params.size(); ++i) {
        ar.write(fmt::format("param_{}", i), params[i].detach().cpu());
        ar.write(fmt::format("ema_{}", i), ema[i].cpu());
      }
      torch::serialize::OutputArchive oa;
      opt.save(oa);
      ar.write("optimizer", oa);
      ar.save_to(file);
    });
    save_file(res.model_path, [&](std::ostream& file) { with_weights(module, ema).save(file); });
    save_file(res.raw_model_path, [&](std::ostream& file) { with_weights(module, params).save(file); });
    transaction.commit();
  };

  std::optional<LossLog> log;
  if (writer) log.emplace(res.log_path, !o.resume || !fs::exists(res.log_path));

  torch::jit::Method log_probs = tokens ? module.get_method("log_probs") : module.get_method("forward");
  torch::jit::Method forward = module.get_method("forward");
  // This rank's shard [b0, b0 + Bl) of the global batch B (all of it in one process).
  const std::int64_t n = data.x.cols(), B = o.batch, b0 = shard_begin(B, comm.rank, comm.size),
                     Bl = shard_begin(B, comm.rank + 1, comm.size) - b0;
  const bool sharded = comm.size > 1;
  std::vector<std::int64_t> mu_shape{Bl};
  mu_shape.insert(mu_shape.end(), data.event_shape.begin(), data.event_shape.end());
  std::vector<std::int64_t> x_shape{Bl};
  if (tokens)
    x_shape.push_back(data.x.rows());
  else
    x_shape.insert(x_shape.end(), data.event_shape.begin(), data.event_shape.end());

  const auto t0 = std::chrono::steady_clock::now();
  auto window_t0 = t0;
  Batch xb(data.x.rows(), Bl);
  std::vector<torch::Tensor> reduced;  // this step's gradients and loss, summed over ranks
  for (std::int64_t step = start; step < o.steps; ++step) {
    const auto s32 = static_cast<std::uint32_t>(step);
    const auto first = static_cast<std::uint64_t>(b0);
    const auto idx = draw_indices(n, Bl, o.seed, s32, first);
    for (std::int64_t j = 0; j < Bl; ++j) xb.col(j) = data.x.col(idx[static_cast<size_t>(j)]);
    const ExactDraw d = draw_exact(o.law, o.time_sampling, o.loss_weight, xb, o.seed, s32, first);
    auto f64 = torch::TensorOptions().dtype(torch::kFloat64);
    auto mu = torch::from_blob(const_cast<double*>(d.mu.data()), {d.mu.size()}, f64).to(torch::kFloat32).reshape(mu_shape);
    auto t = torch::from_blob(const_cast<double*>(d.t.data()), {Bl}, f64).to(torch::kFloat32);
    auto w = torch::from_blob(const_cast<double*>(d.weight.data()), {Bl}, f64).to(torch::kFloat32);
    auto x = torch::from_blob(xb.data(), {xb.size()}, f64).reshape(x_shape);
    x = tokens ? x.to(torch::kLong) : x.to(torch::kFloat32);
    torch::Tensor masked;
    if (tokens)
      masked = torch::from_blob(const_cast<double*>(d.masked.data()), {Bl, data.x.rows()}, f64).to(torch::kFloat32).to(device);
    mu = mu.to(device), t = t.to(device), w = w.to(device), x = x.to(device);

    opt.zero_grad();
    auto g = (tokens ? log_probs : forward)({mu, t}).toTensor();
    // Sharded, each rank's loss is its part of the global mean, sum_j w_j loss_j / B, so that the sums over ranks
    // of losses and gradients are the global batch's.
    auto loss = sharded ? (w * per_sample_loss(o.law.process, g, x, masked)).sum() / static_cast<double>(B)
                        : weighted_loss(o.law.process, g, x, w, masked);
    loss.backward();
    if (sharded) {
      torch::NoGradGuard no_grad;
      reduced.clear();
      for (auto& p : params)
        if (p.grad().defined()) reduced.push_back(p.grad());
      reduced.push_back(loss.detach().reshape({1}).clone());
      allreduce_sum(comm, reduced, fmt::format("step {}", step + 1).c_str());
      loss = reduced.back()[0];
    }
    if (o.clip > 0) torch::nn::utils::clip_grad_norm_(params, o.clip);
    opt.step();
    update_ema(ema, params, o.ema, step);
    const double lv = loss.item<double>();
    require(std::isfinite(lv), "training", fmt::format("loss is {} at step {} (try a smaller --lr or --clip)", lv, step + 1));
    window_loss += lv;
    ++window_n;
    const std::int64_t done = step + 1;
    const auto now = std::chrono::steady_clock::now();
    const double elapsed = std::chrono::duration<double>(now - t0).count();
    if (done % o.log_every == 0 || done == o.steps) {
      const double wsec = std::chrono::duration<double>(now - window_t0).count();
      res.last_loss = window_loss / static_cast<double>(window_n);
      if (log) log->append(fmt::format("{},{:.9g},{:.1f},{:.3f}\n", done, res.last_loss,
                             wsec > 0 ? static_cast<double>(window_n * B) / wsec : 0.0, elapsed));
      window_loss = 0, window_n = 0, window_t0 = now;
    }
    if (o.checkpoint_every > 0 && done % o.checkpoint_every == 0 && done != o.steps) checkpoint(done);
    if (on_step)
      on_step({done, o.steps, lv, elapsed > 0 ? static_cast<double>((done - start) * B) / elapsed : 0.0});
  }
  checkpoint(o.steps);
  res.steps = o.steps;
  res.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  res.samples_per_s = res.seconds > 0 ? static_cast<double>((o.steps - start) * B) / res.seconds : 0.0;
  return res;
}

}  // namespace pmm
