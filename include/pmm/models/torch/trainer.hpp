// PMM training loop: each step draws a batch x from the data, t and mu(t) from the exact law given x
// (exact_law.hpp), minimises mean_j weight_j loss(g(mu_j, t_j), x_j) with Adam, clips the gradient norm and
// keeps EMA weights (decay min(ema, (1 + step)/(10 + step))). All randomness is keyed on (seed, step), so a
// run resumed from a checkpoint (params, EMA, Adam state, step) continues bit for bit on CPU. With several ranks
// (distributed.hpp) each takes a shard of the global batch, keyed by global sample index, and gradients are summed.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <pmm/models/torch/distributed.hpp>
#include <pmm/models/torch/exact_law.hpp>
#include <pmm/models/torch/net_config.hpp>

namespace pmm {

struct TrainData {
  Batch x;                                // dim x n (Categorical: L x n token ids)
  std::vector<std::int64_t> event_shape;  // network input per sample: [D], [C, H, W] or [L, V]
  std::string name;                       // for messages and the resume check
};

struct TrainOptions {
  LawParams law;
  TimeSampling time_sampling = TimeSampling::kUniform;
  LossWeight loss_weight = LossWeight::kRate;
  std::string parametrisation = "x";
  NetConfig net;
  std::int64_t steps = 1000, batch = 256;  // batch: the global batch, over all ranks
  double lr = 1e-3, clip = 1.0, ema = 0.9999;
  std::uint64_t seed = 0;
  std::string device = "cpu";
  std::int64_t checkpoint_every = 0;  // 0: only at the end
  std::int64_t log_every = 10;        // CSV row every log_every steps (mean loss over the window)
  std::string out;                    // directory: checkpoint.pt, model.pt (EMA), model_raw.pt, loss.csv
  bool resume = false;
  void validate() const;  // throws pmm::Error naming the option
};

struct TrainProgress {
  std::int64_t step = 0, steps = 0;  // step just completed (1-based)
  double loss = 0;                   // this step's loss
  double samples_per_s = 0;          // since the start of this process
};

struct TrainResult {
  std::int64_t start_step = 0, steps = 0;
  double last_loss = 0;       // mean loss over the last log window
  double seconds = 0, samples_per_s = 0;
  std::string model_path, raw_model_path, checkpoint_path, log_path;
};

// Data statistics the heads use (scalar mean and standard deviation over all values).
void data_statistics(const TrainData& data, double& mean, double& sd);

// comm: the process group (default: this process alone). Every rank reads --resume's checkpoint; rank 0 alone
// writes checkpoint.pt, model.pt, model_raw.pt and loss.csv, and the others write nothing.
TrainResult train(const TrainOptions& options, const TrainData& data,
                  const std::function<void(const TrainProgress&)>& on_step = {}, const Communicator& comm = {});

}  // namespace pmm
