// The token posterior-mean predictor of the Dirichlet-Categorical process: g_c(mu, t)[v] ~ P(x_c = v | revealed
// tokens of mu), one categorical per position, for a batch of partially revealed sequences (mask id = V). With the
// non-informative prior mu is the masked sequence itself. Oracles and (later) LibTorch transformers implement it.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <pmm/core/batch.hpp>

namespace pmm {

class TokenPredictor {
 public:
  virtual ~TokenPredictor() = default;
  virtual int vocab() const = 0;   // V
  virtual int length() const = 0;  // C
  // n = t.size() rows. Row r: tokens[r C .. r C + C) in [0, V] (V = mask), time t[r], global path index path[r]
  // (given-x predictors use it; networks and oracles ignore it). probs has n C V entries (sized by the caller):
  // probs[(r C + c) V + v] = P(x_c = v | row r). Entries of revealed positions are not read.
  virtual void predict_rows(const std::vector<int>& tokens, const std::vector<double>& t,
                            const std::vector<Index>& path, std::vector<double>& probs) const = 0;
  // True when predict_rows() may run on several threads at once.
  virtual bool concurrent() const { return true; }
  virtual Index preferred_batch() const { return 256; }
  virtual std::string describe() const = 0;

  // Convenience: n rows at one time t, paths path0 .. path0 + n - 1; resizes probs to n C V.
  void predict(const std::vector<int>& tokens, Index n, double t, Index path0, std::vector<double>& probs) const {
    std::vector<double> times(static_cast<size_t>(n), t);
    std::vector<Index> paths(static_cast<size_t>(n));
    for (Index r = 0; r < n; ++r) paths[static_cast<size_t>(r)] = path0 + r;
    probs.resize(static_cast<size_t>(n) * length() * vocab());
    predict_rows(tokens, times, paths, probs);
  }
};

using TokenPredictorPtr = std::shared_ptr<const TokenPredictor>;

// A token predictor that knows its target law and can draw from it (Markov chain, sequence set).
class TokenOracle : public TokenPredictor {
 public:
  // n sequences x ~ target, [n, C] row-major; row j depends on (seed, path0 + j) only.
  virtual std::vector<int> sample(Index n, std::uint64_t seed, Index path0 = 0) const = 0;
  Index preferred_batch() const override { return 128; }
};

using TokenOraclePtr = std::shared_ptr<const TokenOracle>;

// g_c = one-hot of x_c for the row's path: the conditional process given x (x is [paths, C], ids in [0, V)).
// Throws pmm::Error on ids out of range or a size mismatch.
class GivenTokens final : public TokenPredictor {
 public:
  GivenTokens(std::vector<int> x, Index paths, int length, int vocab);
  int vocab() const override { return V_; }
  int length() const override { return C_; }
  void predict_rows(const std::vector<int>& tokens, const std::vector<double>& t, const std::vector<Index>& path,
                    std::vector<double>& probs) const override;
  std::string describe() const override { return "given-x (tokens)"; }
  const std::vector<int>& x() const { return x_; }

 private:
  std::vector<int> x_;
  Index paths_;
  int C_, V_;
};

}  // namespace pmm
