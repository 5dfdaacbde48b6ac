// The order-fit machinery of check_orders.cpp, public so that tests can run it on deliberately wrong steppers:
// a RunGrid maps a step count 2^m to the states at t = 1 (dim x paths) on a uniform grid driven by shared noise.
// Strong error: RMS of X_h - X_ref; weak error: |mean phi(X_h) - phi(X_ref)| with phi_1 = mu, phi_2 = mu^2, phi_3 = cos mu.
#pragma once
#include <functional>
#include <vector>

#include <pmm/core/batch.hpp>
#include "validation/checks.hpp"

namespace pmm::check {

constexpr int kPhis = 3;

struct Ladder {
  int fine_log2 = 10;            // reference grid 2^K (unless an exact reference is given)
  std::vector<int> coarse_log2;  // fitted grids 2^m
};

using RunGrid = std::function<Batch(int steps)>;

// Slope of the RMS error on the coarse grids; passes when in [declared - 0.2, declared + 0.25].
CheckOutcome strong_ladder(const Ladder& l, const RunGrid& run, double declared, CheckOutcome out,
                           const Batch* exact_ref = nullptr);

// Slope of the weak error of phi_{use + 1}; passes when in the band, every error is above 3 standard errors and the
// reference matches exact(k) = E phi_{k + 1} of the exact law (Bonferroni p >= 1e-3).
CheckOutcome weak_ladder(const Ladder& l, const RunGrid& run, double declared, int use,
                         const std::function<double(int)>& exact, CheckOutcome out);

}  // namespace pmm::check
