// Shared pieces of the masked-token samplers: their Philox stream ids, the float64 inverse-CDF categorical draw,
// and a gather buffer that sends the rows needing a prediction to the token predictor in one batch.
// Counters: reveal uniforms (path, step, 0, kMaskReveal | c); clocks (path, 0, 0, kMaskClock | c);
// token draws (path, 0, 0, kCategorical | c): each position is drawn once, so both samplers share them.
#pragma once
#include <fmt/format.h>

#include <cmath>
#include <cstdint>
#include <vector>

#include <pmm/models/token_predictor.hpp>
#include <pmm/core/error.hpp>
#include <pmm/random/random.hpp>

namespace pmm {

constexpr Stream kMaskRevealStream = static_cast<Stream>(static_cast<std::uint32_t>(Stream::kUser) + 32);
constexpr Stream kMaskClockStream = static_cast<Stream>(static_cast<std::uint32_t>(Stream::kUser) + 33);

inline double token_uniform(std::uint64_t seed, Index path, int c) {
  return UniformStream(seed, static_cast<std::uint64_t>(path), 0, Stream::kCategorical, static_cast<std::uint32_t>(c))
      .next();
}

// Inverse CDF in float64 over p[0 .. V); p need not be normalised but must be finite, >= 0, not all 0.
// Never returns a token of probability 0.
inline int draw_token(const double* p, int V, double u, const TokenPredictor& pred, Index path, int c) {
  double total = 0;
  for (int v = 0; v < V; ++v) {
    if (!(p[v] >= 0) || !std::isfinite(p[v]))
      throw Error(
          fmt::format("token predictor ({}): probability of token {} at path {}, position {} is {}; "
                      "expected finite and >= 0",
                      pred.describe(), v, path, c, p[v]));
    total += p[v];
  }
  if (!(total > 0) || !std::isfinite(total))
    throw Error(fmt::format("token predictor ({}): probabilities at path {}, position {} sum to {}; expected > 0",
                            pred.describe(), path, c, total));
  const double target = u * total;
  double acc = 0;
  int last = 0;
  for (int v = 0; v < V; ++v) {
    if (p[v] <= 0) continue;
    acc += p[v];
    last = v;
    if (acc > target) return v;
  }
  return last;
}

// Rows gathered for one batched predictor call.
class RowBatch {
 public:
  RowBatch(int length, int vocab) : C_(length), V_(vocab) {}
  void clear() {
    tokens_.clear();
    t_.clear();
    path_.clear();
    local_.clear();
  }
  void add(Index local, const int* tokens, double t, Index path) {
    tokens_.insert(tokens_.end(), tokens, tokens + C_);
    t_.push_back(t);
    path_.push_back(path);
    local_.push_back(local);
  }
  size_t size() const { return t_.size(); }
  void run(const TokenPredictor& pred) {
    if (t_.empty()) return;
    probs_.resize(t_.size() * static_cast<size_t>(C_) * V_);
    pred.predict_rows(tokens_, t_, path_, probs_);
  }
  Index local(size_t k) const { return local_[k]; }
  Index path(size_t k) const { return path_[k]; }
  const double* probs(size_t k, int c) const { return probs_.data() + (k * C_ + c) * static_cast<size_t>(V_); }

 private:
  int C_, V_;
  std::vector<int> tokens_;
  std::vector<double> t_, probs_;
  std::vector<Index> path_, local_;
};

}  // namespace pmm
