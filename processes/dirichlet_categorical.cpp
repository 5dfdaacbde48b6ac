// Validation for the Dirichlet-Categorical process: sizes and token-id ranges (mask id = V).
#include <pmm/processes/dirichlet_categorical.hpp>

#include <fmt/format.h>

#include <limits>

#include <pmm/core/error.hpp>

namespace pmm {

DirichletCategoricalProcess dirichlet_categorical_process(int vocab, int length, PositionSchedulePtr schedule) {
  require(vocab >= 1 && vocab < std::numeric_limits<int>::max() - 1, "vocabulary",
          fmt::format("size must be in [1, 2^31 - 2], got {}", vocab));
  require(length >= 1 && length < (1 << 24), "sequence length", fmt::format("must be in [1, 2^24), got {}", length));
  require(schedule != nullptr, "schedule", "the dirichlet-categorical process needs a schedule");
  DirichletCategoricalProcess p;
  p.vocab = vocab;
  p.length = length;
  p.schedule = std::move(schedule);
  return p;
}

void check_token_ids(const int* tokens, Index count, int vocab, int length, bool allow_mask, const std::string& what) {
  const int hi = allow_mask ? vocab + 1 : vocab;
  for (Index i = 0; i < count; ++i) {
    if (tokens[i] < 0 || tokens[i] >= hi)
      throw Error(fmt::format("{}: token id {} at row {}, position {} is out of range [0, {}){}", what, tokens[i],
                              length > 0 ? i / length : 0, length > 0 ? i % length : i, hi,
                              allow_mask ? " (mask id included)" : ""));
  }
}

}  // namespace pmm
