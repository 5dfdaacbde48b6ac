// Given-x token predictor: probs[(r C + c) V + v] = 1[v = x_{path[r], c}].
#include <pmm/models/token_predictor.hpp>

#include <fmt/format.h>

#include <algorithm>

#include <pmm/processes/dirichlet_categorical.hpp>
#include <pmm/core/error.hpp>

namespace pmm {

GivenTokens::GivenTokens(std::vector<int> x, Index paths, int length, int vocab)
    : x_(std::move(x)), paths_(paths), C_(length), V_(vocab) {
  require(vocab >= 1 && length >= 1 && paths >= 1, "given-x tokens",
          fmt::format("needs paths, length and vocabulary >= 1, got {}, {}, {}", paths, length, vocab));
  require(static_cast<Index>(x_.size()) == paths * length, "given-x tokens",
          fmt::format("expected {} x {} token ids, got {}", paths, length, x_.size()));
  check_token_ids(x_.data(), static_cast<Index>(x_.size()), vocab, length, false, "given-x tokens");
}

void GivenTokens::predict_rows(const std::vector<int>&, const std::vector<double>& t, const std::vector<Index>& path,
                               std::vector<double>& probs) const {
  const size_t n = t.size(), CV = static_cast<size_t>(C_) * V_;
  std::fill(probs.begin(), probs.begin() + n * CV, 0.0);
  for (size_t r = 0; r < n; ++r) {
    require(path[r] >= 0 && path[r] < paths_, "given-x tokens",
            fmt::format("path {} is outside the {} given sequences", path[r], paths_));
    const int* x = x_.data() + static_cast<size_t>(path[r]) * C_;
    double* out = probs.data() + r * CV;
    for (int c = 0; c < C_; ++c) out[static_cast<size_t>(c) * V_ + x[c]] = 1.0;
  }
}

}  // namespace pmm
