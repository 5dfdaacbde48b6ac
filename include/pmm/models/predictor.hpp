// The posterior-mean predictor g(mu, t) ~ E[x | mu(t) = mu]: one batch interface that oracles and
// LibTorch networks both implement, so solvers call it without knowing its kind.
// mu and out are dim x n (column = one path); path0 is the global index of column 0 (given-x
// predictors and counter-based noise use it; networks and oracles ignore it).
#pragma once
#include <memory>
#include <string>

#include <pmm/core/batch.hpp>

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

// g(mu, t) = x_path: the conditional process of the theorems, given x (x is dim x paths, all paths).
class GivenX final : public Predictor {
 public:
  explicit GivenX(Batch x) : x_(std::move(x)) {}
  Index dim() const override { return x_.rows(); }
  void predict(const Batch& mu, double, Index path0, Batch& out) const override {
    out = x_.middleCols(path0, mu.cols());
  }
  std::string describe() const override { return "given-x"; }
  const Batch& x() const { return x_; }

 private:
  Batch x_;
};

}  // namespace pmm
