// The posterior-mean predictor g(mu, t) ~ E[x | mu(t) = mu]: one batch interface that oracles and
// LibTorch networks both implement, so solvers call it without knowing its kind.
// mu and out are dim x n (column = one path); path0 is the global index of column 0 (given-x
// predictors and counter-based noise use it; networks and oracles ignore it).
#pragma once
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include <pmm/core/batch.hpp>
#include <pmm/core/error.hpp>

namespace pmm {

class Predictor {
 public:
  virtual ~Predictor() = default;
  virtual Index dim() const = 0;
  // out.resize(dim, mu.cols()) is done by the caller.
  virtual void predict(const Batch& mu, double t, Index path0, Batch& out) const = 0;
  // True when predict() may be called from several threads at once on disjoint batches.
  virtual bool concurrent() const { return true; }
  // Largest batch the predictor wants at once (0: any). Networks prefer large batches.
  virtual Index preferred_batch() const { return 256; }
  virtual std::string describe() const = 0;
};

using PredictorPtr = std::shared_ptr<const Predictor>;

// The number of coordinates of one sample of a network's event shape [d1, d2, ...] = d1 d2 ...: every entry >= 1
// and the product < 2^31 (checked before it is formed, so a hostile model file cannot overflow it). Throws pmm::Error
// naming `source` (the model file) otherwise.
inline Index event_size(const std::vector<std::int64_t>& shape, const std::string& source) {
  require(!shape.empty(), source, "empty event shape");
  constexpr std::int64_t kMax = std::int64_t{1} << 31;
  std::int64_t n = 1;
  for (const std::int64_t v : shape) {
    require(v >= 1, source, "event_shape entries must be >= 1, got " + std::to_string(v));
    require(v < kMax && n < kMax / v, source, "event_shape has 2^31 or more coordinates per sample");
    n *= v;
  }
  return static_cast<Index>(n);
}

// g(mu, t) = x_path: the conditional process of the theorems, given x (x is dim x paths, all paths).
class GivenX final : public Predictor {
 public:
  explicit GivenX(Batch x) : x_(std::move(x)) {}
  Index dim() const override { return x_.rows(); }
  // A copy per step is all it costs, so the per-step costs of a chunk (schedule, calls) are spread over ~2,048
  // coordinates: 2048 paths at dim 1 (EM 2.30 -> 2.13 ns per coordinate-step, docs/benchmarks.md), 256 from dim 8,
  // and 128 from dim 512, where a chunk's arrays are past L2 anyway: half the working set (EM at dim 784 5-14% faster,
  // "Intel Xeon, stop 36"), and still a whole Philox block of normals (128 paths) a coordinate.
  Index preferred_batch() const override {
    const Index dim = std::max<Index>(1, x_.rows());
    return dim >= 512 ? 128 : std::max<Index>(256, 2048 / dim);
  }
  void predict(const Batch& mu, double, Index path0, Batch& out) const override {
    // The columns are contiguous (column-major): libc's memcpy, not a loop built for baseline x86-64 (whose speed
    // here moved with code alignment: Normal EM 3-5%, docs/benchmarks.md "Intel Xeon, stop 31").
    if (path0 < 0 || path0 + mu.cols() > x_.cols())  // the message only when it fails: predict runs every step
      throw Error(ErrorKind::kInvalidArgument, "path0",
                  "paths " + std::to_string(path0) + ".." + std::to_string(path0 + mu.cols() - 1) +
                      " are not all among the " + std::to_string(x_.cols()) + " given x");
    out.resize(x_.rows(), mu.cols());
    if (out.size() > 0) std::memcpy(out.data(), x_.data() + path0 * x_.rows(), sizeof(double) * out.size());
  }
  std::string describe() const override { return "given-x"; }
  const Batch& x() const { return x_; }

 private:
  Batch x_;
};

}  // namespace pmm
