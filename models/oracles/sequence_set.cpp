// Sequence-set oracle: responsibilities r_i proportional to w_i over the sequences with the fewest mismatches at the
// revealed positions (zero along exact paths), then per-position token histograms. O(n_set * revealed) per row.
#include <pmm/models/oracles/sequence_set.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include <pmm/processes/dirichlet_categorical.hpp>
#include <pmm/core/error.hpp>
#include <pmm/random/random.hpp>

namespace pmm {
namespace {

class SequenceSetOracle final : public TokenOracle {
 public:
  SequenceSetOracle(std::vector<int> x, Index n, int C, int V, std::vector<double> w)
      : x_(std::move(x)), n_(n), C_(C), V_(V), w_(std::move(w)) {
    cdf_.resize(w_.size());
    double acc = 0;
    for (size_t i = 0; i < w_.size(); ++i) cdf_[i] = acc += w_[i];
  }
  int vocab() const override { return V_; }
  int length() const override { return C_; }
  std::string describe() const override {
    return fmt::format("sequence-set oracle ({} sequences, vocabulary {}, length {})", n_, V_, C_);
  }

  void predict_rows(const std::vector<int>& tokens, const std::vector<double>& t, const std::vector<Index>&,
                    std::vector<double>& probs) const override {
    const size_t n = t.size(), CV = static_cast<size_t>(C_) * V_;
    std::vector<int> revealed;
    std::vector<Index> best;
    for (size_t r = 0; r < n; ++r) {
      const int* y = tokens.data() + r * C_;
      revealed.clear();
      for (int c = 0; c < C_; ++c)
        if (y[c] >= 0 && y[c] < V_) revealed.push_back(c);
      int fewest = std::numeric_limits<int>::max();
      best.clear();
      for (Index i = 0; i < n_; ++i) {
        if (w_[i] <= 0) continue;
        const int* xi = x_.data() + i * C_;
        int miss = 0;
        for (int c : revealed)
          if (xi[c] != y[c] && ++miss > fewest) break;
        if (miss < fewest) {
          fewest = miss;
          best.clear();
        }
        if (miss == fewest) best.push_back(i);
      }
      double* out = probs.data() + r * CV;
      std::fill(out, out + CV, 0.0);
      double total = 0;
      for (Index i : best) total += w_[i];
      for (Index i : best) {
        const int* xi = x_.data() + i * C_;
        const double ri = w_[i] / total;
        for (int c = 0; c < C_; ++c) out[static_cast<size_t>(c) * V_ + xi[c]] += ri;
      }
    }
  }

  std::vector<int> sample(Index n, std::uint64_t seed, Index path0) const override {
    std::vector<int> out(static_cast<size_t>(n) * C_);
    for (Index j = 0; j < n; ++j) {
      UniformStream u(seed, static_cast<std::uint64_t>(path0 + j), 0, Stream::kInit, 0);
      const double target = u.next() * cdf_.back();
      const auto it = std::upper_bound(cdf_.begin(), cdf_.end(), target);
      const Index i = std::min<Index>(it - cdf_.begin(), n_ - 1);
      std::copy(x_.begin() + i * C_, x_.begin() + (i + 1) * C_, out.begin() + j * C_);
    }
    return out;
  }

 private:
  std::vector<int> x_;
  Index n_;
  int C_, V_;
  std::vector<double> w_, cdf_;
};

}  // namespace

TokenOraclePtr sequence_set_oracle(std::vector<int> sequences, Index n, int length, int vocab,
                                   Eigen::VectorXd weights) {
  const std::string what = "sequence-set target";
  require(n >= 1 && length >= 1 && vocab >= 1, what,
          fmt::format("needs at least one sequence, length and vocabulary >= 1, got {}, {}, {}", n, length, vocab));
  require(static_cast<Index>(sequences.size()) == n * length, what,
          fmt::format("expected {} x {} token ids, got {}", n, length, sequences.size()));
  check_token_ids(sequences.data(), n * length, vocab, length, false, what);
  std::vector<double> w(static_cast<size_t>(n), 1.0);
  if (weights.size() > 0) {
    require(weights.size() == n, what, fmt::format("{} weights for {} sequences", weights.size(), n));
    double total = 0;
    for (Index i = 0; i < n; ++i) {
      require(std::isfinite(weights[i]) && weights[i] >= 0, what,
              fmt::format("weight {} must be finite and >= 0, got {}", i, weights[i]));
      total += w[i] = weights[i];
    }
    require(total > 0, what, "weights sum to zero");
  }
  return std::make_shared<SequenceSetOracle>(std::move(sequences), n, length, vocab, std::move(w));
}

}  // namespace pmm
