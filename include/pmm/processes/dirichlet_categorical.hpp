// Dirichlet-Categorical PMM with the non-informative prior (paper 3.2, A.3): a sequence of C tokens over a
// vocabulary of V, with mask id V. A masked position reveals at rate f_c(t) and then keeps its token, so
// P(c masked at t) = exp(-F_c(t)) and over [t0, t1] it reveals with probability 1 - exp(-(F_c(t1) - F_c(t0))).
// On reveal its token is drawn from g_c(mu, t); mu is the partially revealed sequence itself.
#pragma once
#include <cmath>
#include <cstdint>
#include <string>

#include <pmm/core/batch.hpp>
#include <pmm/processes/text_schedules.hpp>

namespace pmm {

struct DirichletCategoricalProcess {
  static constexpr const char* kName = "dirichlet-categorical";
  int vocab = 27;    // V; token ids 0 .. V-1, mask id V
  int length = 256;  // C
  PositionSchedulePtr schedule;

  int mask_id() const { return vocab; }
  double masked_probability(int c, double t) const { return std::exp(-schedule->F(c, t)); }
  double reveal_probability(int c, double t0, double t1) const {
    return -std::expm1(-(schedule->F(c, t1) - schedule->F(c, t0)));
  }
  // Reveal time of position c for an Exp(1) clock E: F_c(tau) = E, +infinity if F_c(1) < E.
  double reveal_time(int c, double E) const { return schedule->inverse_F(c, E); }
};

// Validated construction: vocab in [1, 2^31 - 2], length in [1, 2^24), schedule given.
DirichletCategoricalProcess dirichlet_categorical_process(int vocab, int length, PositionSchedulePtr schedule);

// Every id in tokens[0 .. count) must lie in [0, vocab) (or be the mask id vocab when allow_mask).
// Throws pmm::Error "<what>: token id 31 at row 2, position 5 is out of range [0, 27)" (rows of `length`).
void check_token_ids(const int* tokens, Index count, int vocab, int length, bool allow_mask, const std::string& what);

}  // namespace pmm
