// Character language models on token windows (torch-free header): the terms of the bits per character (eq. 169) of a
// Dirichlet-Categorical PMM network, and the autoregressive baseline of Table 3 (a causal transformer of the
// same width, depth and heads as pmm-train's, trained by next-character cross-entropy), its BPC and samples.
//
// Eq. 169 in continuous time: NPC = E[sum_c int 1[c masked at t] f_c(t) (-log g_c(mu_t, t)[x_c]) dt] /
// E[sum_c int 1[c masked at t] f_c(t) dt], the mean log-loss of each character at the moment it is revealed. It is
// estimated by Monte Carlo: per window and pass, the masked fraction m = exp(-F(t)) is drawn stratified and
// uniform on [exp(-F(1)), 1] (density q(t) = f e^{-F} / (1 - e^{-F(1)})), each position is masked with
// probability m, and every masked position enters validation/metric_bpc with weight f/q = (1 - e^{-F(1)}) e^{F(t)}.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace pmm {

struct TokenWindows {
  std::vector<int> tokens;  // [n, length] row-major, ids in [0, vocab)
  std::int64_t n = 0;
  int length = 0;
};

// Characters of `text` mapped through `vocabulary` (id = index), cut into consecutive non-overlapping windows of
// `length` (the tail is dropped; at most max_windows windows when > 0). A character outside the vocabulary is a
// pmm::Error naming `what` and the offset.
TokenWindows text_windows(const std::string& text, const std::string& vocabulary, int length,
                          std::int64_t max_windows, const std::string& what);

// Per-character terms of eq. 169 for validation/metric_bpc (bits_per_character(nll, weight)), kept out of this
// layer because models/ does not depend on validation/. unit_*: per (window, pass) sums of weight * nll and weight,
// for the ratio estimator's standard error.
struct BpcTerms {
  std::vector<double> nll, weight;          // one entry per scored character (nats, weight >= 0)
  std::vector<double> unit_num, unit_den;   // one entry per window and pass
  std::int64_t windows = 0, evaluations = 0;  // evaluations: network rows evaluated
  double seconds = 0;
};

struct BpcOptions {
  int passes = 4;      // PMM: masking draws per window (strata of the masked fraction)
  std::int64_t batch = 256;
  std::uint64_t seed = 0;
  std::string device = "cpu";
};

// PMM network (pmm-train --process categorical): `log_probs(mu, t)` when the module has it, else log(forward).
// The schedule is the module's `schedule` attribute unless `schedule` is given (a core schedule spec).
BpcTerms pmm_bpc_terms(const std::string& model_path, const TokenWindows& data, const BpcOptions& options,
                  const std::string& schedule = "");

struct ArConfig {
  std::int64_t length = 128, model_dim = 128, layers = 4, heads = 4;
  std::string vocabulary;  // symbols of ids 0..V-1
};
struct ArTrainOptions {
  std::int64_t steps = 1000, batch = 64, log_every = 10;
  double lr = 1e-3, clip = 1.0, ema = 0.999;
  std::uint64_t seed = 0;
  std::string device = "cpu";
  std::string out;  // directory: model.pt (EMA weights), loss.csv
};
struct ArTrainResult {
  double last_loss = 0, seconds = 0, samples_per_s = 0;  // loss: nats per character, mean of the last window
  std::int64_t parameters = 0;
  std::string model_path, log_path;
};
// Trains the causal transformer on random windows of `data` (Adam, gradient-norm clip, EMA with warm-up
// min(ema, (1+k)/(10+k))); on_step(step, loss) after each step. Writes OUT/model.pt and OUT/loss.csv atomically.
ArTrainResult train_autoregressive(const ArConfig& config, const TokenWindows& data, const ArTrainOptions& options,
                                   const std::function<void(std::int64_t, double)>& on_step = {});

// Exact BPC of an autoregressive model: mean over all characters of -log2 p(x_c | x_<c) within each window.
BpcTerms autoregressive_bpc_terms(const std::string& model_path, const TokenWindows& data, const BpcOptions& options);

// n sequences drawn ancestrally from the model (temperature 1), [n, length] ids; seeded by seed.
std::vector<int> sample_autoregressive(const std::string& model_path, std::int64_t n, std::uint64_t seed,
                                       const std::string& device);

struct TextModelInfo {
  std::string kind;        // "pmm" (categorical PMM network) or "autoregressive"
  int length = 0, vocab = 0;
  std::string vocabulary;  // module attribute or the pmm-train report beside the file; may be empty
  std::string schedule;    // PMM only
  std::int64_t parameters = 0;
};
TextModelInfo text_model_info(const std::string& model_path, const std::string& option = "--model");

}  // namespace pmm
